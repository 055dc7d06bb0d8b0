package org.containerj.tasks.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint archive is a plain ustar of the runtime's image directory. */
class CheckpointImageTest {
    @TempDir
    Path dir;

    @Test
    void filesAndDirectoriesWithRelativeNames() throws Exception {
        Files.writeString(dir.resolve("inventory.img"), "criu");
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("sub/pages-1.img"), new byte[1000]);
        byte[] tar = CheckpointImage.tar(dir);
        assertEquals(0, tar.length % 512);
        List<String> names = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        ByteArrayInputStream in = new ByteArrayInputStream(tar);
        byte[] h = new byte[512];
        while (in.readNBytes(h, 0, 512) == 512 && h[0] != 0) {
            String name = new String(h, 0, 100, StandardCharsets.US_ASCII).replace("\0", "");
            long size = Long.parseLong(new String(h, 124, 11, StandardCharsets.US_ASCII), 8);
            assertEquals("ustar", new String(h, 257, 5, StandardCharsets.US_ASCII));
            int sum = 0;
            for (int i = 0; i < 512; i++) {
                sum += i >= 148 && i < 156 ? ' ' : h[i] & 0xff;
            }
            assertEquals(sum, Integer.parseInt(new String(h, 148, 6, StandardCharsets.US_ASCII), 8), name);
            names.add(name + (h[156] == '5' ? "(dir)" : ""));
            sizes.add(size);
            in.skipNBytes((size + 511) / 512 * 512);
        }
        assertEquals(List.of("inventory.img", "sub/(dir)", "sub/pages-1.img"), names);
        assertEquals(List.of(4L, 0L, 1000L), sizes);
    }
}
