package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every {@code ctr snapshots} command end to end, on overlayfs and native, with the error
 * codes containerd 1.6.20 gives for the same commands (established by running Debian's
 * containerd side by side with the same ctr): ctr prints containerd's errdefs text for the
 * gRPC code ({@code not found}, {@code already exists}, {@code failed precondition},
 * {@code invalid argument}, {@code unknown}), which is what is checked.
 */
@ExtendWith(DaemonExtension.class)
class SnapshotCommandsIT {
    private Daemon daemon;
    private String ns;
    private String snapshotter;

    @BeforeEach
    void setUp(Daemon daemon) {
        this.daemon = daemon;
        daemon.awaitPlugin("io.containerd.grpc.v1", "snapshots", "ok", Duration.ofSeconds(30));
        daemon.awaitPlugin("io.containerd.snapshotter.v1", "overlayfs", "ok", Duration.ofSeconds(30));
        daemon.awaitPlugin("io.containerd.snapshotter.v1", "native", "ok", Duration.ofSeconds(30));
    }

    private CommandResult snap(String... args) {
        List<String> all = new ArrayList<>(List.of("-n", ns, "snapshots", "--snapshotter", snapshotter));
        all.addAll(List.of(args));
        return daemon.ctr(all.toArray(String[]::new));
    }

    private static void fails(CommandResult r, String errdefsSuffix, String text) {
        r.assertFailed();
        String err = r.stderr().strip();
        assertTrue(err.endsWith(": " + errdefsSuffix) || err.equals("ctr: " + errdefsSuffix), r::toString);
        assertTrue(err.contains(text), () -> "expected \"" + text + "\" in " + r);
    }

    /** The data rows of {@code ctr snapshots ls}, whitespace collapsed. */
    private List<String> rows() {
        return snap("ls").assertOk().stdout().lines().skip(1).map(l -> l.trim().replaceAll("\\s+", " "))
                .filter(l -> !l.isEmpty()).sorted().toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlayfs", "native"})
    void commandsAndErrorsAsContainerdGivesThem(String snapshotterId) {
        snapshotter = snapshotterId;
        ns = "snapcmd-" + snapshotterId;
        // a commit in a namespace that has no snapshot on this snapshotter yet
        fails(snap("commit", "c0", "nope"), "not found", "can not find snapshotter \"" + snapshotterId + "\"");

        snap("prepare", "a1").assertOk();
        fails(snap("prepare", "a1"), "already exists", "snapshot \"a1\": already exists");
        fails(snap("commit", "c9", "nope"), "not found", "snapshot nope does not exist");
        snap("commit", "c1", "a1").assertOk();
        fails(snap("commit", "c1", "nope"), "already exists", "snapshot \"c1\": already exists");
        snap("prepare", "a2", "c1").assertOk();
        fails(snap("commit", "c1", "a2"), "already exists", "snapshot \"c1\": already exists");
        fails(snap("commit", "a2", "a2"), "already exists", "snapshot \"a2\": already exists");
        fails(snap("prepare", "a3", "a2"), "invalid argument", "is not committed snapshot");
        fails(snap("prepare", "a4", "nope"), "not found", "parent snapshot nope does not exist");
        fails(snap("view", "v1", "nope"), "not found", "parent snapshot nope does not exist");
        // a view ctr makes has no label, and so is garbage to the collector (in containerd
        // too): label it a GC root at once, and make it again should a collection be quicker
        Wait.until(Duration.ofSeconds(30), () -> {
            snap("rm", "v1");
            snap("view", "v1", "c1").assertOk();
            return snap("label", "v1", "containerd.io/gc.root=itest").ok();
        }, "a labelled view v1");
        fails(snap("view", "v1", "c1"), "already exists", "snapshot \"v1\": already exists");
        // containerd's native snapshotter answers this one with an lstat error (unknown); its
        // overlayfs, and containerj for both, with failed precondition
        fails(snap("commit", "c2", "v1"), "failed precondition", "is not active");
        fails(snap("commit", "c3", "c1"), "failed precondition", "is not active");
        fails(snap("rm", "c1"), "failed precondition", "cannot remove snapshot with child");
        fails(snap("rm", "nope"), "not found", "snapshot nope does not exist");
        fails(snap("info", "nope"), "not found", "snapshot nope does not exist");
        fails(snap("usage", "nope"), "not found", "snapshot nope does not exist");
        fails(snap("mounts", "/mnt", "nope"), "not found", "snapshot nope does not exist");
        fails(snap("mounts", "/mnt", "c1"), "failed precondition", "not active or view");
        fails(snap("label", "nope", "x=y"), "not found", "snapshot nope does not exist");
        fails(snap("diff", "nope"), "not found", "snapshot nope does not exist");
        // empty keys: bolt's own error for a bucket to create, not found for one to look up
        fails(snap("prepare", ""), "unknown", "bucket name required");
        fails(snap("view", "", "c1"), "unknown", "bucket name required");
        fails(snap("commit", "", "a2"), "unknown", "bucket name required");
        fails(snap("rm", ""), "not found", "does not exist");
        fails(snap("info", ""), "not found", "does not exist");

        String labelled = snap("label", "c1", "x=y").assertOk().stdout();
        assertTrue(labelled.contains("x=y"), labelled);
        String info = snap("info", "c1").assertOk().stdout();
        assertTrue(info.contains("\"Kind\": \"Committed\"") && info.contains("\"x\": \"y\"")
                && info.contains("containerd.io/gc.root"), info);
        String usage = snap("usage", "c1").assertOk().stdout();
        assertTrue(usage.lines().anyMatch(l -> l.matches("c1\\s+\\S+ \\S+\\s+\\d+\\s*")), usage);
        String tree = snap("tree").assertOk().stdout();
        assertEquals(List.of(" c1", "  \\_ a2", "  \\_ v1"), tree.lines().filter(l -> !l.isBlank()).toList(), tree);
        assertEquals(List.of("a2 c1 Active", "c1 Committed", "v1 c1 View"), rows());
        String mounts = snap("mounts", "/mnt", "v1").assertOk().stdout();
        assertTrue(mounts.startsWith("mount -t ") && mounts.contains(" /mnt -o "), mounts);
        if (snapshotterId.equals("native")) {
            // containerd's native snapshotter puts rbind first
            assertTrue(mounts.strip().endsWith(" /mnt -o rbind,ro"), mounts);
            String active = snap("mounts", "/mnt", "a2").assertOk().stdout();
            assertTrue(active.strip().endsWith(" /mnt -o rbind,rw"), active);
        }

        // the shell lists the same snapshots, and inspects one
        String shell = daemon.shell("snapshots " + snapshotterId + " " + ns).assertOk().stdout();
        assertEquals(List.of("SNAPSHOTTER NAMESPACE KEY PARENT KIND", snapshotterId + " " + ns + " a2 c1 Active",
                snapshotterId + " " + ns + " c1 Committed", snapshotterId + " " + ns + " v1 c1 View"),
                shell.lines().map(l -> l.trim().replaceAll("\\s+", " ")).filter(l -> !l.isEmpty()).toList());
        String inspected = daemon.shell("snapshot-info " + snapshotterId + " " + ns + " c1").assertOk().stdout();
        assertTrue(inspected.contains("kind:    Committed") && inspected.contains("label:   x=y")
                && inspected.contains("inodes:  "), inspected);
        CommandResult missing = daemon.shell("snapshot-info " + snapshotterId + " " + ns + " nope");
        assertTrue(missing.stdout().contains("snapshot nope does not exist"), missing::toString);

        snap("rm", "a2", "v1").assertOk();
        snap("rm", "c1").assertOk();
        assertEquals(List.of(), rows());
        daemon.ctr("namespaces", "rm", ns).assertOk();
    }
}
