package org.containerj.runtime.runc.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TtyLogTest {
    private static final String TS = "2026-11-23T17:50:38.135058167+00:00 stdout ";

    @TempDir
    Path dir;

    private static String decode(String log) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] data = log.getBytes(StandardCharsets.UTF_8);
        int used = TtyLog.decode(data, out);
        return out.toString(StandardCharsets.UTF_8) + "|" + (data.length - used);
    }

    private void append(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static String read(TtyLog log) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        log.read(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void fullAndPartialLinesGiveBackTheTerminalsBytes() {
        assertEquals("\r\nhello\r\n/ # \u001b[6n|0",
                decode(TS + "F \r\n" + TS + "F hello\r\n" + TS + "P / # \u001b[6n\n"));
        assertEquals("e|0", decode(TS + "P e\n"));
        assertEquals("\n|0", decode(TS + "F \n"), "an empty line");
        assertEquals("ab|" + (TS.length() + 3), decode(TS + "P a\n" + TS + "P b\n" + TS + "F c"),
                "an unfinished line stays unread");
        assertEquals("x\n|0", decode("garbage line\n" + TS + "F x\n"), "what conmon never writes is skipped");
    }

    @Test
    void readsIncrementallyAndResumesFromItsPosition() throws Exception {
        Path file = dir.resolve("tty.log");
        TtyLog log = new TtyLog(file, TtyLog.Position.START);
        assertEquals("", read(log), "no log yet");
        append(file, TS + "F one\n" + TS + "P tw");
        assertEquals("one\n", read(log));
        append(file, "o\n");
        assertEquals("two", read(log));
        TtyLog.Position p = log.position();
        assertEquals(Files.size(file), p.offset());
        log.close();

        append(file, TS + "F three\n");
        TtyLog again = new TtyLog(file, p);
        assertEquals("three\n", read(again), "a restarted reader does not repeat what was read");
        again.close();
    }

    @Test
    void aRotatedLogIsFinishedBeforeTheNewOneIsRead() throws Exception {
        Path file = dir.resolve("tty.log");
        append(file, TS + "F old-1\n");
        TtyLog log = new TtyLog(file, TtyLog.Position.START);
        assertEquals("old-1\n", read(log));
        append(file, TS + "F old-2\n");
        // conmon's rotation: a new file renamed over the old one
        Path tmp = dir.resolve("tty.log.tmp");
        Files.writeString(tmp, TS + "F new-1\n");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        assertEquals("old-2\nnew-1\n", read(log));
        TtyLog.Position p = log.position();
        log.close();

        // a position in a file that was replaced while nobody read: the new file from its start
        Files.writeString(tmp, TS + "F newer\n");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        TtyLog next = new TtyLog(file, p);
        assertEquals("newer\n", read(next));
        assertFalse(next.position().inode() == p.inode());
        assertTrue(next.position().offset() > 0);
        next.close();
    }
}
