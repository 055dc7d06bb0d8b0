package org.containerj.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code ctr events} receives what plugins publish, decoded by ctr itself. */
@ExtendWith(DaemonExtension.class)
class EventsIT {

    @Test
    void ctrEventsSeesNamespaceEvents(Daemon daemon) throws IOException, InterruptedException {
        daemon.awaitPlugin("io.containerd.grpc.v1", "events", "ok", Duration.ofSeconds(30));
        Path out = Files.createTempFile(daemon.scratch(), "events", ".txt");
        Process events = new ProcessBuilder(daemon.ctrCommand("events"))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectErrorStream(true)
                .start();
        try {
            String name = "events-it-" + System.nanoTime();
            // ctr subscribes asynchronously: create namespaces until one is seen, then check the rest.
            Wait.until(Duration.ofSeconds(30), () -> {
                daemon.ctr("namespaces", "create", name, "k=v").ok();
                daemon.ctr("namespaces", "rm", name).assertOk();
                return Files.readString(out).contains("/namespaces/delete");
            }, () -> "ctr events to print a namespace event; it printed:\n" + read(out));
            String printed = Files.readString(out);
            if (!printed.contains("/namespaces/create") || !printed.contains(name)) {
                throw new AssertionError("expected /namespaces/create for " + name + " in:\n" + printed);
            }
        } finally {
            events.destroy();
            if (!events.waitFor(10, TimeUnit.SECONDS)) {
                events.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
