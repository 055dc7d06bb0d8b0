package org.containerj.api.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.junit.jupiter.api.Test;

class KeyTest {

    @Test
    void encodesSegmentsJoinedWithNul() {
        Key k = Key.of("v1", "default", "images", "docker.io/library/busybox:latest");
        assertArrayEquals("v1\0default\0images\0docker.io/library/busybox:latest".getBytes(StandardCharsets.UTF_8),
                k.encode());
        assertEquals(k, Key.decode(k.encode()));
        assertEquals("v1/default/images/docker.io/library/busybox:latest", k.toString());
        assertEquals(Key.ROOT, Key.decode(new byte[0]));
    }

    @Test
    void byteOrderIsSegmentOrder() {
        List<Key> keys = new ArrayList<>(List.of(
                Key.of("a", "b"), Key.of("ab"), Key.of("a"), Key.of("a", "b", "c"), Key.of("a\u0001"),
                Key.of("é"), Key.of("z"), Key.of("a", "bc")));
        Collections.shuffle(keys);
        Collections.sort(keys);
        assertEquals(List.of(Key.of("a"), Key.of("a", "b"), Key.of("a", "b", "c"), Key.of("a", "bc"),
                Key.of("a\u0001"), Key.of("ab"), Key.of("z"), Key.of("é")), keys);
    }

    @Test
    void prefixesAreWholeSegments() {
        Key k = Key.of("v1", "ns", "images", "x");
        assertTrue(k.startsWith(Key.of("v1", "ns")));
        assertTrue(k.startsWith(k));
        assertTrue(k.startsWith(Key.ROOT));
        assertFalse(k.startsWith(Key.of("v1", "n")));
        assertFalse(Key.of("v1").startsWith(k));
        assertEquals(Key.of("v1", "ns", "images"), k.parent());
        assertEquals(Key.of("v1", "ns", "images", "x", "y"), k.child("y"));
        assertEquals("x", k.last());
        assertEquals(Key.ROOT, Key.ROOT.parent());
    }

    @Test
    void rejectsBadSegments() {
        for (String bad : new String[] {"", "a\0b", "\ud800", "x\udc00y"}) {
            ContainerjException e = assertThrows(ContainerjException.class, () -> Key.of("v1", bad));
            assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        }
        assertThrows(NullPointerException.class, () -> Key.of("v1", null));
        assertEquals(Key.of("😀"), Key.decode(Key.of("😀").encode()));
    }

    @Test
    void decodeRejectsWhatNoKeyEncodesTo() {
        assertThrows(ContainerjException.class, () -> Key.decode(new byte[] {'a', 0}));
        assertThrows(ContainerjException.class, () -> Key.decode(new byte[] {'a', 0, 0, 'b'}));
        assertThrows(ContainerjException.class, () -> Key.decode(new byte[] {(byte) 0xff}));
    }
}
