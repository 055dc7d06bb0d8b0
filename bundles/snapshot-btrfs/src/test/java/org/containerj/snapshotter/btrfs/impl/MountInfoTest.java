package org.containerj.snapshotter.btrfs.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class MountInfoTest {
    private static final List<String> MOUNTINFO = List.of(
            "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
            "40 22 0:35 / /var/lib/containerj rw,relatime shared:20 - btrfs /dev/loop0 rw,space_cache=v2,subvolid=5,subvol=/",
            "41 22 0:36 / /mnt/with\\040space rw - tmpfs tmpfs rw",
            "42 40 0:37 / /var/lib/containerj/x rw master:3 propagate_from:1 - tmpfs none rw");

    @Test
    void deepestMountHoldingThePath() {
        MountInfo m = MountInfo.lookup(Path.of("/var/lib/containerj/io.containerd.snapshotter.v1.btrfs"), MOUNTINFO);
        assertEquals("btrfs", m.fsType());
        assertEquals("/dev/loop0", m.source());
        assertEquals("ext4", MountInfo.lookup(Path.of("/var/lib/containerjx"), MOUNTINFO).fsType(), "whole names only");
        assertEquals("tmpfs", MountInfo.lookup(Path.of("/var/lib/containerj/x/y"), MOUNTINFO).fsType(),
                "optional fields are skipped");
        assertEquals(Path.of("/mnt/with space"), MountInfo.lookup(Path.of("/mnt/with space/a"), MOUNTINFO).mountPoint());
    }
}
