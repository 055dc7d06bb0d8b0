package org.containerj.runtime.runc.impl;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.containerj.api.mount.Mount;
import org.containerj.api.runtime.CreateTaskRequest;
import org.containerj.api.runtime.ProcessIO;
import org.containerj.api.runtime.Task;
import org.containerj.snapshots.mount.LinuxMounter;

/**
 * A daemon for {@link RuncTaskManagerTest} to SIGKILL: opens a manager on {@code args[0]},
 * creates and starts task {@code args[2]} in namespace {@code args[1]} on the busybox tree
 * {@code args[3]} (bind-mounted) running the rest of the arguments, says "started", and waits.
 */
public final class DaemonStandIn {
    private DaemonStandIn() {
    }

    public static void main(String[] args) throws Exception {
        RuncTaskManager m = new RuncTaskManager(Path.of(args[0]), new LinuxMounter(),
                RuncTaskManager.Settings.defaults());
        String[] command = List.of(args).subList(4, args.length).toArray(new String[0]);
        Task t = m.create(new CreateTaskRequest(args[1], args[2], RuncTaskManagerTest.spec("rootfs", command)
                .getBytes(StandardCharsets.UTF_8), List.of(new Mount("bind", args[3], List.of("rbind"))),
                new ProcessIO("", "", "", false), "", null, ""));
        t.start();
        System.out.println("started " + t.state().pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
