package org.containerj.runtime.runc.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.runtime.ProcessIO;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogUriTest {
    @TempDir
    Path dir;

    private static ProcessIO io(String stdout, String stderr) {
        return new ProcessIO("", stdout, stderr, false);
    }

    private static ErrorKind failure(String stdout) {
        return assertThrows(ContainerjException.class, () -> LogUri.streams(io(stdout, ""))).kind();
    }

    @Test
    void fileUriTakesBothStreams() {
        LogUri.Streams s = LogUri.streams(io("file:///var/log/c1.log", "/ignored/as/in/containerd"));
        assertEquals(new LogUri.File(Path.of("/var/log/c1.log")), s.stdout());
        assertEquals(s.stdout(), s.stderr());
        assertEquals(new LogUri.File(Path.of("/a b/x")), LogUri.parse("file:///a%20b/x", "stdout"));
    }

    @Test
    void binaryUriArgumentsFollowTheQuery() {
        LogUri.Streams s = LogUri.streams(io("binary:///usr/local/bin/logger?dir=/var/log&max=10+MB&debug&dir=again",
                ""));
        assertTrue(s.binary());
        assertEquals(new LogUri.Binary(Path.of("/usr/local/bin/logger"), List.of("dir", "/var/log", "max", "10 MB",
                "debug", "")), s.stdout());
        assertEquals(s.stdout(), s.stderr());
        assertEquals(List.of(), ((LogUri.Binary) LogUri.parse("binary:///bin/logger", "stdout")).args());
        assertEquals(List.of("a=b", "c&d"), LogUri.arguments("a%3Db=c%26d"));
    }

    @Test
    void barePathsAreFifosWhenTheyAreAndFilesOtherwise() throws Exception {
        Path fifo = dir.resolve("fifo");
        LibC.mknod(fifo, Stat.S_IFIFO | 0600, 0);
        Path file = Files.createFile(dir.resolve("file"));
        Path missing = dir.resolve("sub/missing.log");
        LogUri.Streams s = LogUri.streams(io(fifo.toString(), file.toString()));
        assertEquals(new LogUri.Fifo(fifo), s.stdout());
        assertEquals(new LogUri.File(file), s.stderr(), "bare paths are taken one by one");
        assertEquals(new LogUri.File(missing), LogUri.parse(missing.toString(), "stdout"));
        assertEquals(new LogUri.File(Path.of("/dev/null")), LogUri.parse("/dev/null", "stdout"));
        assertEquals(new LogUri.None(), LogUri.parse("", "stdout"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, failure(dir.toString()), "a directory");
    }

    @Test
    void badValuesAreInvalidArguments() {
        assertEquals(ErrorKind.INVALID_ARGUMENT, failure("relative/path"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, failure("http:///x"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, failure("file://host/var/log/x"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, failure("file:relative"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, failure("file:///"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, failure("binary:///bin/x?a=%zz"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, failure("binary:// bad"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(ContainerjException.class,
                () -> LogUri.checkStdin("file:///x")).kind());
    }

    @Test
    void conmonStdioChecksTerminalsAndPrograms() throws Exception {
        ProcessIO tty = new ProcessIO("", "", "", true);
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(ContainerjException.class,
                () -> ConmonStdio.check(tty, false)).kind(), "terminal in the IO only");
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(ContainerjException.class,
                () -> ConmonStdio.check(io("", ""), true)).kind(), "terminal in the spec only");
        ConmonStdio.check(tty, true);
        ConmonStdio.check(new ProcessIO("", "file:///tmp/x.log", "", true), true);
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(ContainerjException.class,
                () -> ConmonStdio.check(io("binary:///no/such/logger", ""), false)).kind());
        assertEquals(ErrorKind.NOT_IMPLEMENTED, assertThrows(ContainerjException.class,
                () -> ConmonStdio.check(new ProcessIO("", "binary:///bin/true", "", true), true)).kind());
        ConmonStdio.check(io("binary:///bin/true", ""), false);
    }
}
