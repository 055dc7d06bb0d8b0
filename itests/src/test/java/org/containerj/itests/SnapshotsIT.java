package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Exec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Snapshots through Debian's ctr on the overlayfs (default) and native snapshotters:
 * prepare, mount for real, write, commit, stack a child, view, usage, labels, the
 * containerd errors, per-namespace keys; btrfs on a non-btrfs root is skipped.
 */
@ExtendWith(DaemonExtension.class)
class SnapshotsIT {
    private static final String NS = "snapshots-it";
    private Daemon daemon;

    @BeforeEach
    void daemon(Daemon daemon) {
        this.daemon = daemon;
        daemon.awaitPlugin("io.containerd.grpc.v1", "snapshots", "ok", Duration.ofSeconds(30));
        daemon.awaitPlugin("io.containerd.snapshotter.v1", "overlayfs", "ok", Duration.ofSeconds(30));
    }

    private CommandResult ctr(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "-n";
        all[1] = NS;
        System.arraycopy(args, 0, all, 2, args.length);
        return daemon.ctr(all);
    }

    @Test
    void overlayChainMountedForReal() throws IOException {
        Path mnt = Files.createTempDirectory(daemon.scratch(), "mnt");
        ctr("snapshots", "prepare", "base-active").assertOk();
        mountRun(ctr("snapshots", "mounts", mnt.toString(), "base-active").assertOk().stdout(), mnt, () -> {
            Files.writeString(mnt.resolve("hello"), "from the base layer");
        });
        ctr("snapshots", "commit", "base", "base-active").assertOk();

        String mounts = ctr("snapshots", "prepare", "--mounts", "child", "base").assertOk().stdout();
        assertTrue(mounts.contains("overlay") && mounts.contains("lowerdir=") && mounts.contains("index=off"), mounts);
        mountRun(ctr("snapshots", "mounts", mnt.toString(), "child").assertOk().stdout(), mnt, () -> {
            assertEquals("from the base layer", Files.readString(mnt.resolve("hello")));
            Files.writeString(mnt.resolve("second"), "child data");
        });

        String view = ctr("snapshots", "view", "--mounts", "base-view", "base").assertOk().stdout();
        assertTrue(view.contains("ro"), view);

        String listed = ctr("snapshots", "ls").assertOk().stdout();
        assertTrue(listed.contains("base") && listed.contains("Committed") && listed.contains("Active"), listed);
        assertFalse(daemon.ctr("-n", "other-snapshots", "snapshots", "ls").assertOk().stdout().contains("base"),
                "snapshots are per namespace");

        ctr("snapshots", "label", "child", "team=a").assertOk();
        assertTrue(ctr("snapshots", "info", "child").assertOk().stdout().contains("team"));
        assertTrue(ctr("snapshots", "usage", "child").assertOk().stdout().contains("child"));

        ctr("snapshots", "rm", "base").assertFailedWith("FailedPrecondition", "failed precondition");
        ctr("snapshots", "rm", "nope").assertFailedWith("NotFound", "not found");
        ctr("snapshots", "prepare", "child", "base").assertFailedWith("AlreadyExists", "already exists");

        ctr("snapshots", "rm", "child", "base-view").assertOk();
        ctr("snapshots", "rm", "base").assertOk();
        assertEquals("", ctr("snapshots", "ls").assertOk().stdout().lines().skip(1).reduce("", String::concat));
        daemon.ctr("namespaces", "rm", NS).assertOk();
    }

    @Test
    void nativeSnapshotterCopiesAndBtrfsIsSkippedOffBtrfs() {
        ctr("snapshots", "--snapshotter", "native", "prepare", "n1").assertOk();
        String mounts = ctr("snapshots", "--snapshotter", "native", "mounts", "/mnt", "n1").assertOk().stdout();
        assertTrue(mounts.contains("bind"), mounts);
        ctr("snapshots", "--snapshotter", "native", "rm", "n1").assertOk();

        boolean btrfsSkipped = daemon.plugins().stream().anyMatch(p -> p.type().equals("io.containerd.snapshotter.v1")
                && p.id().equals("btrfs") && p.status().equals("skip"));
        assertTrue(btrfsSkipped, "btrfs skipped on a root that is not btrfs: " + daemon.plugins());
        ctr("snapshots", "--snapshotter", "btrfs", "ls").assertFailed();
    }

    interface Body {
        void run() throws IOException;
    }

    /** Runs the mount command ctr printed (through sh, as a user would), the body, then unmounts. */
    private void mountRun(String mountCommand, Path mnt, Body body) throws IOException {
        Exec.run(List.of("sh", "-c", mountCommand), Duration.ofSeconds(30), daemon.scratch()).assertOk();
        try {
            body.run();
        } finally {
            Exec.run(List.of("umount", mnt.toString()), Duration.ofSeconds(30), daemon.scratch()).assertOk();
        }
    }
}
