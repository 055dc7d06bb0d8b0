package org.containerj.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeqPacketSocketTest {

    @TempDir
    Path dir;

    @Test
    void messagesKeepTheirBoundaries() throws Exception {
        SeqPacketSocket[] pair = SeqPacketSocket.pair();
        try {
            byte[] data = "xxhello world".getBytes(StandardCharsets.UTF_8);
            pair[0].send(data, 2, 5);
            pair[0].send(data, 7, 6);
            byte[] buffer = new byte[64];
            int n = pair[1].receive(buffer);
            assertEquals("hello", new String(buffer, 0, n, StandardCharsets.UTF_8));
            n = pair[1].receive(buffer);
            assertEquals(" world", new String(buffer, 0, n, StandardCharsets.UTF_8));

            byte[] small = new byte[3];
            pair[1].send(data, 0, data.length);
            assertEquals(3, pair[0].receive(small), "a message is cut to the buffer");
            assertArrayEquals(Arrays.copyOf(data, 3), small);
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    void endOfFileAfterThePeerShutsDownItsOutput() throws Exception {
        SeqPacketSocket[] pair = SeqPacketSocket.pair();
        try {
            pair[0].shutdownOutput();
            assertEquals(0, pair[1].receive(new byte[8]));
            pair[1].send(new byte[] {1}, 0, 1); // the other direction still works
            assertEquals(1, pair[0].receive(new byte[8]));
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    void shutdownWakesABlockedReceive() throws Exception {
        SeqPacketSocket[] pair = SeqPacketSocket.pair();
        try {
            CompletableFuture<Integer> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return pair[1].receive(new byte[8]);
                } catch (ErrnoException e) {
                    throw new IllegalStateException(e);
                }
            });
            // whether the receive has blocked yet or not, shutdown makes it return 0
            pair[1].shutdown();
            assertEquals(0, received.get(10, TimeUnit.SECONDS));
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    void sendToAPeerThatIsGoneFailsWithEpipe() throws Exception {
        SeqPacketSocket[] pair = SeqPacketSocket.pair();
        pair[1].close();
        try {
            ErrnoException e = assertThrows(ErrnoException.class, () -> pair[0].send(new byte[] {1}, 0, 1));
            assertEquals("EPIPE", e.errnoName());
        } finally {
            pair[0].close();
        }
    }

    @Test
    void connectFailsWithErrnoForAMissingSocket() throws Exception {
        ErrnoException e = assertThrows(ErrnoException.class, () -> SeqPacketSocket.connect(dir.resolve("none")));
        assertEquals("ENOENT", e.errnoName());

        // a path longer than sun_path goes through the directory's descriptor, and still names the file
        Path deep = Files.createDirectories(dir.resolve("d".repeat(60)).resolve("e".repeat(60)));
        e = assertThrows(ErrnoException.class, () -> SeqPacketSocket.connect(deep.resolve("attach")));
        assertEquals("ENOENT", e.errnoName());
        Path file = Files.createFile(deep.resolve("file"));
        e = assertThrows(ErrnoException.class, () -> SeqPacketSocket.connect(file));
        assertEquals("ECONNREFUSED", e.errnoName());
    }
}
