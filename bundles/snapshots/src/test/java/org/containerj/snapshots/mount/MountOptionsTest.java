package org.containerj.snapshots.mount;

import static org.containerj.nativeio.MountFlags.MS_BIND;
import static org.containerj.nativeio.MountFlags.MS_NODEV;
import static org.containerj.nativeio.MountFlags.MS_NOSUID;
import static org.containerj.nativeio.MountFlags.MS_PRIVATE;
import static org.containerj.nativeio.MountFlags.MS_RDONLY;
import static org.containerj.nativeio.MountFlags.MS_REC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class MountOptionsTest {

    @Test
    void flagsPropagationAndData() {
        MountOptions o = MountOptions.parse(List.of("ro", "rbind", "nosuid", "nodev", "rprivate", "size=1m", "mode=755"));
        assertEquals(MS_RDONLY | MS_BIND | MS_REC | MS_NOSUID | MS_NODEV, o.flags());
        assertEquals(MS_PRIVATE | MS_REC, o.propagation());
        assertEquals("size=1m,mode=755", o.dataString());
        assertEquals(0, MountOptions.parse(List.of("ro", "rw")).flags() & MS_RDONLY, "later options win");
        assertEquals(MS_RDONLY, MountOptions.parse(List.of("rw", "ro")).flags());
        assertEquals("index=off,lowerdir=/a:/b", MountOptions.parse(List.of("index=off", "lowerdir=/a:/b")).dataString());
    }

    @Test
    void overlayDataRelativeToTheCommonDirectory() {
        OverlayData d = OverlayData.parse(
                "index=off,workdir=/r/snapshots/9/work,upperdir=/r/snapshots/9/fs,lowerdir=/r/snapshots/2/fs:/r/snapshots/1/fs");
        assertEquals(2, d.layers());
        assertEquals(Path.of("/r/snapshots"), d.commonDirectory());
        assertEquals("index=off,workdir=/proc/self/fd/7/9/work,upperdir=/proc/self/fd/7/9/fs,"
                + "lowerdir=/proc/self/fd/7/2/fs:/proc/self/fd/7/1/fs", d.relativeTo(Path.of("/r/snapshots"), "/proc/self/fd/7"));
        assertNull(OverlayData.parse("lowerdir=/a/fs:/b/fs").commonDirectory(), "nothing shared but /");
        assertEquals(Path.of("/x/y"), OverlayData.parse("lowerdir=/x/y/1:/x/y/z/2").commonDirectory());
    }
}
