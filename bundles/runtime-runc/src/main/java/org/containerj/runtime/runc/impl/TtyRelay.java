package org.containerj.runtime.runc.impl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.containerj.api.runtime.ProcessIO;
import org.containerj.nativeio.SeqPacketSocket;
import org.tinylog.Logger;

/**
 * Connects a terminal process (conmon with {@code -t}, see {@link ConmonStdio}) to its
 * client: the client's stdin FIFO to conmon's attach socket, conmon's output to the
 * client's stdout FIFO (or file), for a task's init process or an exec'd one.
 *
 * <p><b>Output comes from conmon's log, not from the socket.</b> conmon writes every chunk it
 * reads from the pty to the k8s-file log {@code tty.log} first and to the attach socket
 * second. The relay copies the log ({@link TtyLog}) to the client from a position it saves
 * in {@code tty.json} after each write; packets arriving on the attach socket only wake it
 * up (conmon would block if nobody read them), and it also looks every
 * {@value #POLL_MILLIS} ms, for output written while the socket was not connected yet. So
 * one mechanism covers both the running case and a restart: output produced while the daemon
 * was down (even killed) is in the log after the saved position, and a new daemon's relay
 * replays it to the FIFO before anything newer, no byte twice and none lost, except the
 * last chunk written just before a crash, which may come twice (the position is saved
 * after the write), and the unread end of a log conmon rotated meanwhile (at
 * {@link ConmonStdio#TTY_LOG_MAX}).
 *
 * <p><b>Input</b>: the relay holds the stdin FIFO open read-write, as containerd's shim holds
 * a write end, so clients may come and go ({@code ctr task attach}) without the relay seeing
 * an end of file; what they write goes to the attach socket in packets. conmon runs with
 * {@code --leave-stdin-open}, so the daemon going away does not close the process's input.
 * {@link #closeStdin()} (CloseIO) gives up the write end: once the clients have closed
 * theirs, the relay reads the end of file, stops forwarding and shuts the socket's sending
 * side; a pty stays open for the process, as conmon offers no way to close it short of a
 * hang-up.
 *
 * <p><b>End</b>: when conmon closes the attach socket (the process is gone) or is found
 * gone, the relay waits for conmon to exit (its log is then complete), copies the rest,
 * closes the stdout FIFO (the client reads its end of file, which {@code ctr} waits for
 * before it deletes the task) and records that it is done. Three threads per relay: output,
 * attach socket, stdin.
 */
final class TtyRelay implements AutoCloseable {
    static final String STATE = "tty.json";
    static final long POLL_MILLIS = 250;
    /** What conmon reads per packet from a client is 32 KiB at most; stay well below. */
    private static final int PACKET = 4096;
    private static final long CONNECT_RETRY_MILLIS = 100;
    private static final long CONNECT_TIMEOUT_MILLIS = 5000;
    /** How long the end waits for conmon to exit after the socket closed. */
    private static final long MONITOR_EXIT_MILLIS = 10_000;

    private final String name;
    private final Path dir;
    private final ProcessIO io;
    private final LogUri.Target stdout;
    private final BooleanSupplier monitorAlive;
    private final Callable<SeqPacketSocket> connector;

    private final Object wakeLock = new Object();
    private boolean woken;
    private final Object pumpLock = new Object();
    private final TtyLog log;
    private volatile FileChannel sink;
    private volatile SeqPacketSocket socket;
    private volatile FileChannel stdin;
    /** CloseIO was called (recorded in {@code tty.json}). */
    private volatile boolean stdinClosed;
    /** conmon closed the attach socket: the process is gone. */
    private volatile boolean attachEnded;
    private volatile boolean closed;
    private volatile boolean done;
    private boolean sinkMissing;
    private volatile Thread outThread;
    private volatile Thread attachThread;
    private volatile Thread stdinThread;

    private TtyRelay(String name, Path dir, ProcessIO io, BooleanSupplier monitorAlive,
            Callable<SeqPacketSocket> connector, State state) {
        this.name = name;
        this.dir = dir;
        this.io = io;
        this.stdout = target(io);
        this.monitorAlive = monitorAlive;
        this.connector = connector;
        this.log = new TtyLog(dir.resolve(ConmonStdio.TTY_LOG), state.position());
        this.stdinClosed = state.stdinClosed();
    }

    /**
     * Where output goes. A bare path that does not exist is a FIFO to come: at creation a
     * path that is no FIFO was made a file already ({@link ConmonStdio}), so a missing one is
     * a client's FIFO that was removed, and is created again when the client attaches.
     */
    private static LogUri.Target target(ProcessIO io) {
        String out = io.stdout();
        if (out.startsWith("/") && !Files.exists(Path.of(out))) {
            return new LogUri.Fifo(Path.of(out).normalize());
        }
        return LogUri.streams(io).stdout();
    }

    /** What {@code tty.json} records. */
    record State(TtyLog.Position position, boolean stdinClosed, boolean done) {
        static final State NEW = new State(TtyLog.Position.START, false, false);
    }

    /**
     * Starts relaying for the terminal process in {@code dir} whose conmon is alive while
     * {@code monitorAlive} says so, resuming from {@code tty.json}; null when that says the
     * relay already finished.
     */
    static TtyRelay start(String name, Path dir, ProcessIO io, BooleanSupplier monitorAlive) {
        return start(name, dir, io, monitorAlive, () -> SeqPacketSocket.connect(dir.resolve("attach")));
    }

    static TtyRelay start(String name, Path dir, ProcessIO io, BooleanSupplier monitorAlive,
            Callable<SeqPacketSocket> connector) {
        State state = readState(dir);
        if (state.done()) {
            return null;
        }
        TtyRelay r = new TtyRelay(name, dir, io, monitorAlive, connector, state);
        r.openEnds();
        r.outThread = r.thread("out", r::runOutput);
        r.attachThread = r.thread("attach", r::runAttach);
        r.outThread.start();
        r.attachThread.start();
        return r;
    }

    private Thread thread(String role, Runnable body) {
        Thread t = new Thread(body, "containerj-tty-" + role + " " + name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Opens the output destination and (unless closed before) the stdin FIFO read-write;
     * neither open blocks. One that does not exist yet (a client that removed its FIFOs
     * and will create them again, as {@code ctr task attach} does) is opened later.
     */
    private void openEnds() {
        openSink();
        if (!stdinClosed && !io.stdin().isEmpty()) {
            stdin = openStdin();
        }
    }

    /** True when there is a destination for output (or none is wanted); opens it when it can. */
    private boolean openSink() {
        if (sink != null || stdout instanceof LogUri.None) {
            return true;
        }
        try {
            if (stdout instanceof LogUri.Fifo f) {
                sink = FileChannel.open(f.path(), StandardOpenOption.READ, StandardOpenOption.WRITE);
            } else if (stdout instanceof LogUri.File f) {
                sink = FileChannel.open(f.path(), Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(
                                PosixFilePermissions.fromString("rw-r--r--")));
            }
            return true;
        } catch (IOException e) {
            if (!sinkMissing) {
                sinkMissing = true;
                Logger.tag("runtime").info("terminal of {}: stdout {} cannot be opened ({}), output waits in {}",
                        name, io.stdout(), e.toString(), dir.resolve(ConmonStdio.TTY_LOG));
            }
            return false;
        }
    }

    private FileChannel openStdin() {
        try {
            return FileChannel.open(Path.of(io.stdin()), StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- output

    private void runOutput() {
        try {
            while (!closed) {
                pump();
                if (attachEnded || !monitorAlive.getAsBoolean()) {
                    finish();
                    return;
                }
                awaitWake(POLL_MILLIS);
            }
        } catch (ClosedChannelException | InterruptedException stopped) {
            // close() ended the relay
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                Logger.tag("runtime").warn(e, "terminal of {}: output relay failed", name);
            }
        }
    }

    /** Copies what the log holds beyond the saved position to the client and saves the new position. */
    void pump() throws IOException {
        pump(false);
    }

    /** As {@link #pump()}; at the {@code end} output without a destination is dropped rather than kept. */
    private void pump(boolean end) throws IOException {
        synchronized (pumpLock) {
            if (!openSink() && !end) {
                return; // kept in the log until the destination appears
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            boolean moved = log.read(bytes);
            FileChannel s = sink;
            if (bytes.size() > 0 && s != null) {
                ByteBuffer b = ByteBuffer.wrap(bytes.toByteArray());
                try {
                    while (b.hasRemaining()) {
                        s.write(b);
                    }
                } catch (ClosedChannelException e) {
                    throw e;
                } catch (IOException e) {
                    Logger.tag("runtime").warn("terminal of {}: writing to {} failed, {} bytes dropped: {}", name,
                            io.stdout(), b.remaining(), e.toString());
                }
            }
            if (moved) {
                saveState();
            }
        }
    }

    /** The process is gone: waits for conmon to exit, copies the rest, closes the client's end. */
    private void finish() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + MONITOR_EXIT_MILLIS * 1_000_000;
        while (monitorAlive.getAsBoolean() && System.nanoTime() < deadline && !closed) {
            Thread.sleep(10);
        }
        pump(true);
        done = true;
        saveState();
        closeQuietly(sink);
        SeqPacketSocket s = socket;
        if (s != null) {
            s.shutdown();
        }
        closeQuietly(stdin);
        // the socket's descriptor goes once no thread uses it any more
        if (joined(attachThread) && joined(stdinThread) && s != null) {
            s.close();
        }
        Logger.tag("runtime").debug("terminal of {}: relay finished", name);
    }

    private static boolean joined(Thread t) throws InterruptedException {
        if (t == null) {
            return true;
        }
        t.join(1000);
        return !t.isAlive();
    }

    private void wake() {
        synchronized (wakeLock) {
            woken = true;
            wakeLock.notifyAll();
        }
    }

    private void awaitWake(long millis) throws InterruptedException {
        synchronized (wakeLock) {
            if (!woken) {
                wakeLock.wait(millis);
            }
            woken = false;
        }
    }

    /** The process exited: look now rather than at the next poll. */
    void processExited() {
        wake();
    }

    // ---------------------------------------------------------------- attach socket

    private void runAttach() {
        SeqPacketSocket s = connect();
        if (s == null) {
            return; // output is still found by polling, and the end by conmon's exit
        }
        socket = s;
        wake();
        if (!io.stdin().isEmpty() && (!stdinClosed || stdin != null)) {
            stdinThread = thread("in", this::runStdin);
            stdinThread.start();
        }
        byte[] buffer = new byte[64 * 1024];
        try {
            while (!closed) {
                if (s.receive(buffer) <= 0) {
                    attachEnded = true; // conmon closed it
                    break;
                }
                wake(); // the data itself is in the log already
            }
        } catch (IOException e) {
            if (!closed) {
                Logger.tag("runtime").debug("terminal of {}: attach socket: {}", name, e.toString());
            }
        }
        wake();
    }

    /** Connects to conmon's attach socket, retrying a moment while conmon runs; null when it cannot. */
    private SeqPacketSocket connect() {
        long deadline = System.nanoTime() + CONNECT_TIMEOUT_MILLIS * 1_000_000;
        while (!closed) {
            try {
                return connector.call();
            } catch (Exception e) {
                if (!monitorAlive.getAsBoolean() || System.nanoTime() > deadline) {
                    if (monitorAlive.getAsBoolean()) {
                        Logger.tag("runtime").warn("terminal of {}: no attach socket, input is not relayed: {}",
                                name, e.toString());
                    }
                    return null;
                }
            }
            try {
                Thread.sleep(CONNECT_RETRY_MILLIS);
            } catch (InterruptedException e) {
                return null;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- stdin

    private void runStdin() {
        ByteBuffer buffer = ByteBuffer.allocate(PACKET);
        while (!closed && !done) {
            FileChannel in = stdin;
            if (in == null) {
                if (stdinClosed) {
                    return;
                }
                // the FIFO does not exist (yet): a client creates it when it attaches
                in = openStdin();
                if (in == null) {
                    try {
                        Thread.sleep(POLL_MILLIS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    continue;
                }
                stdin = in;
                if (closed) {
                    closeQuietly(in);
                    return;
                }
            }
            int n;
            try {
                buffer.clear();
                n = in.read(buffer);
            } catch (ClosedChannelException e) {
                if (stdin != in) {
                    continue; // closeStdin() swapped the channel
                }
                return;
            } catch (IOException e) {
                Logger.tag("runtime").warn("terminal of {}: reading stdin: {}", name, e.toString());
                return;
            }
            if (n < 0) {
                // only after closeStdin(): every client closed its end
                try {
                    SeqPacketSocket s = socket;
                    if (s != null) {
                        s.shutdownOutput();
                    }
                } catch (IOException e) {
                    Logger.tag("runtime").debug("terminal of {}: shutting input down: {}", name, e.toString());
                }
                closeQuietly(in);
                return;
            }
            try {
                socket.send(buffer.array(), 0, n);
            } catch (IOException e) {
                Logger.tag("runtime").debug("terminal of {}: input not delivered, conmon is gone: {}", name,
                        e.toString());
                return;
            }
        }
    }

    /**
     * CloseIO: gives up the relay's write end of the stdin FIFO, so that the relay reads an
     * end of file once every client closed its own, and records it (a restarted relay does
     * not forward input any more).
     */
    void closeStdin() {
        if (stdinClosed) {
            return;
        }
        stdinClosed = true;
        FileChannel old = stdin;
        if (old != null) {
            try {
                // a read-only open does not wait: the old channel is a writer still
                stdin = FileChannel.open(Path.of(io.stdin()), StandardOpenOption.READ);
            } catch (IOException e) {
                stdin = null;
            }
            closeQuietly(old);
        }
        saveState();
    }

    // ---------------------------------------------------------------- state

    private synchronized void saveState() {
        TtyLog.Position p = log.position();
        JsonObject o = new JsonObject();
        o.addProperty("inode", p.inode());
        o.addProperty("offset", p.offset());
        o.addProperty("stdinClosed", stdinClosed);
        o.addProperty("done", done);
        Path file = dir.resolve(STATE);
        Path tmp = dir.resolve(STATE + ".tmp");
        try {
            Files.writeString(tmp, o.toString(), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException gone) {
            // the process's directory was deleted: nothing left to resume
        } catch (IOException e) {
            Logger.tag("runtime").warn("terminal of {}: saving {}: {}", name, file, e.toString());
        }
    }

    static State readState(Path dir) {
        try {
            JsonObject o = JsonParser.parseString(Files.readString(dir.resolve(STATE))).getAsJsonObject();
            return new State(new TtyLog.Position(o.get("inode").getAsLong(), o.get("offset").getAsLong()),
                    o.get("stdinClosed").getAsBoolean(), o.get("done").getAsBoolean());
        } catch (NoSuchFileException e) {
            return State.NEW;
        } catch (IOException | RuntimeException e) {
            Logger.tag("runtime").warn("terminal state {} unreadable, output is replayed from the start: {}",
                    dir.resolve(STATE), e.toString());
            return State.NEW;
        }
    }

    boolean finished() {
        return done;
    }

    /**
     * Waits (at most {@code millis}) for the relay to finish on its own, as it does once the
     * process is gone; true when it did.
     */
    boolean awaitFinished(long millis) throws InterruptedException {
        Thread t = outThread;
        if (t != null) {
            t.join(millis);
        }
        return done;
    }

    // ---------------------------------------------------------------- resize

    /**
     * Sets the terminal size of the process in {@code dir} through conmon's control FIFO
     * ({@code 1 ROWS COLUMNS}); nothing happens without one (not a terminal, not started).
     * The FIFO is opened read-write, which never waits for a reader.
     */
    static void resize(Path dir, int width, int height) {
        Path ctl = dir.resolve("ctl");
        if (!Files.exists(ctl)) {
            return;
        }
        String message = "1 " + Integer.toUnsignedString(height) + " " + Integer.toUnsignedString(width) + "\n";
        try (FileChannel c = FileChannel.open(ctl, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(message.getBytes(StandardCharsets.US_ASCII));
            while (b.hasRemaining()) {
                c.write(b);
            }
        } catch (IOException e) {
            Logger.tag("runtime").debug("resize through {}: {}", ctl, e.toString());
        }
    }

    // ---------------------------------------------------------------- close

    /**
     * Stops relaying without finishing (the daemon or the runtime stops, or the process is
     * deleted): what was not copied yet stays in the log for the next relay.
     */
    @Override
    public void close() {
        closed = true;
        closeQuietly(sink); // wakes a write blocked on a full FIFO
        closeQuietly(stdin);
        SeqPacketSocket s = socket;
        if (s != null) {
            s.shutdown();
        }
        wake();
        for (Thread t : new Thread[] {outThread, attachThread, stdinThread}) {
            if (t != null && t != Thread.currentThread()) {
                try {
                    t.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (s != null) {
            s.close();
        }
        try {
            log.close();
        } catch (IOException ignored) {
            // a read-only file
        }
    }

    private static void closeQuietly(FileChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing does not fail in practice
            }
        }
    }
}
