package org.containerj.runtime.runc.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.containerj.api.runtime.ProcessIO;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.SeqPacketSocket;
import org.containerj.nativeio.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay against a stand-in for conmon: the test writes the k8s-file log itself and holds
 * the other end of a socket pair in place of the attach socket.
 */
class TtyRelayTest {
    private static final String TS = "2026-11-23T17:50:38.135058167+00:00 stdout ";
    private static final long WAIT_MILLIS = 10_000;

    @TempDir
    Path dir;
    private final AtomicBoolean conmonAlive = new AtomicBoolean(true);
    private final List<AutoCloseable> cleanUp = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : cleanUp) {
            c.close();
        }
    }

    private Path fifo(String name) throws Exception {
        Path f = dir.resolve(name);
        LibC.mknod(f, Stat.S_IFIFO | 0600, 0);
        return f;
    }

    private void log(String text) throws IOException {
        Files.writeString(dir.resolve(ConmonStdio.TTY_LOG), text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** Starts a relay whose attach socket is one end of a pair; returns the other end (conmon's). */
    private SeqPacketSocket start(ProcessIO io, TtyRelay[] relay) throws Exception {
        SeqPacketSocket[] pair = SeqPacketSocket.pair();
        cleanUp.add(pair[0]);
        cleanUp.add(pair[1]);
        relay[0] = TtyRelay.start("test", dir, io, conmonAlive::get, () -> pair[0]);
        if (relay[0] != null) {
            cleanUp.add(0, relay[0]);
        }
        return pair[1];
    }

    private static void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what.get());
            }
            Thread.sleep(20);
        }
    }

    /** Collects what a FIFO delivers until its end of file. */
    private static final class FifoReader {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CompletableFuture<Void> eof;

        FifoReader(Path fifo) {
            eof = CompletableFuture.runAsync(() -> {
                try (InputStream in = Files.newInputStream(fifo)) {
                    byte[] b = new byte[4096];
                    int n;
                    while ((n = in.read(b)) > 0) {
                        synchronized (bytes) {
                            bytes.write(b, 0, n);
                        }
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }

    private static String receive(SeqPacketSocket s) throws IOException {
        byte[] b = new byte[4096];
        int n = s.receive(b);
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    private static void write(FileChannel c, String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    @Test
    void outputInputAndTheEnd() throws Exception {
        Path in = fifo("in");
        Path out = fifo("out");
        FifoReader client = new FifoReader(out);
        TtyRelay[] relay = new TtyRelay[1];
        log(TS + "F \r\n" + TS + "P / # \n"); // conmon ends a partial line's entry with a newline too
        SeqPacketSocket conmon = start(new ProcessIO(in.toString(), out.toString(), "", true), relay);
        await(() -> client.text().equals("\r\n/ # "), () -> "output written before the relay started: "
                + client.text());

        // input: the relay holds the stdin FIFO open, so the client's write end opens at once
        FileChannel typing = FileChannel.open(in, StandardOpenOption.WRITE);
        cleanUp.add(typing);
        write(typing, "echo hi\r");
        assertEquals("echo hi\r", receive(conmon));

        log(TS + "F echo hi\r\n" + TS + "F hi\r\n");
        conmon.send(new byte[] {2, 'x'}, 0, 2); // wakes the relay; the data comes from the log
        await(() -> client.text().endsWith("echo hi\r\nhi\r\n"), client::text);

        // the process ends: conmon writes its last output, closes the socket and exits
        log(TS + "P bye\n");
        conmonAlive.set(false);
        conmon.close();
        client.eof.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        assertEquals("\r\n/ # echo hi\r\nhi\r\nbye", client.text());
        assertTrue(relay[0].finished());
        assertTrue(TtyRelay.readState(dir).done());
        TtyRelay[] again = new TtyRelay[1];
        start(new ProcessIO(in.toString(), out.toString(), "", true), again);
        assertNull(again[0], "a finished relay does not start again");
    }

    @Test
    void aNewRelayReplaysWhatWasLoggedMeanwhileOnlyOnce() throws Exception {
        // a bare path that is no FIFO: a file output is appended to (created with the task)
        Path out = Files.createFile(dir.resolve("client.log"));
        ProcessIO io = new ProcessIO("", out.toString(), "", true);
        TtyRelay[] first = new TtyRelay[1];
        log(TS + "F one\n");
        start(io, first);
        await(() -> read(out).equals("one\n"), () -> read(out));
        first[0].close(); // the daemon goes away

        log(TS + "F two\n" + TS + "P thr\n");
        TtyRelay[] second = new TtyRelay[1];
        start(io, second);
        await(() -> read(out).equals("one\ntwo\nthr"), () -> read(out));
        // no packet wakes the relay here: found by polling; an entry written in two pieces is read once whole
        log(TS + "F ee\n" + TS + "F fo");
        await(() -> read(out).equals("one\ntwo\nthree\n"), () -> read(out));
        log("ur\n");
        await(() -> read(out).equals("one\ntwo\nthree\nfour\n"), () -> read(out));
        assertFalse(second[0].finished());
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void fifosThatAppearLaterAreUsedThen() throws Exception {
        // after a restart the client's FIFOs may be gone; a client that attaches creates them again
        Path in = dir.resolve("in-later");
        Path out = dir.resolve("out-later");
        TtyRelay[] relay = new TtyRelay[1];
        log(TS + "F kept for the client\n");
        SeqPacketSocket conmon = start(new ProcessIO(in.toString(), out.toString(), "", true), relay);
        await(() -> relay[0] != null, () -> "relay");
        assertFalse(Files.exists(out), "no file is made where a FIFO was");

        LibC.mknod(out, Stat.S_IFIFO | 0600, 0);
        LibC.mknod(in, Stat.S_IFIFO | 0600, 0);
        FifoReader client = new FifoReader(out);
        await(() -> client.text().equals("kept for the client\n"), client::text);
        FileChannel typing = FileChannel.open(in, StandardOpenOption.READ, StandardOpenOption.WRITE);
        cleanUp.add(typing);
        write(typing, "late input");
        assertEquals("late input", receive(conmon));
    }

    @Test
    void closeStdinEndsInputOnceTheClientsClosedTheirs() throws Exception {
        Path in = fifo("in");
        TtyRelay[] relay = new TtyRelay[1];
        SeqPacketSocket conmon = start(new ProcessIO(in.toString(), "", "", true), relay);
        FileChannel typing = FileChannel.open(in, StandardOpenOption.WRITE);
        write(typing, "a");
        assertEquals("a", receive(conmon));
        relay[0].closeStdin();
        assertTrue(TtyRelay.readState(dir).stdinClosed());
        write(typing, "b");
        assertEquals("b", receive(conmon), "what clients write until they close still arrives");
        typing.close();
        assertEquals("", receive(conmon), "then the relay shuts its sending side");
    }

    @Test
    void aRelayWhoseConmonIsGoneCopiesTheRestAndFinishes() throws Exception {
        Path out = Files.createFile(dir.resolve("after-crash.log"));
        log(TS + "F produced while the daemon was down\n");
        conmonAlive.set(false);
        TtyRelay[] relay = new TtyRelay[1];
        relay[0] = TtyRelay.start("test", dir, new ProcessIO("", out.toString(), "", true), conmonAlive::get, () -> {
            throw new IOException("no attach socket");
        });
        cleanUp.add(relay[0]);
        assertTrue(relay[0].awaitFinished(WAIT_MILLIS));
        assertEquals("produced while the daemon was down\n", read(out));
    }

    @Test
    void resizeWritesConmonsControlMessage() throws Exception {
        TtyRelay.resize(dir, 80, 24); // no control FIFO: nothing happens
        Path ctl = fifo("ctl");
        try (FileChannel conmon = FileChannel.open(ctl, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            TtyRelay.resize(dir, 100, 30);
            ByteBuffer b = ByteBuffer.allocate(64);
            conmon.read(b);
            assertEquals("1 30 100\n", new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII));
        }
    }
}
