package org.containerj.shell.impl;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

import java.time.Duration;

/** {@code info}: what the daemon is and where it keeps things. */
@Component(service = InfoCommand.class, property = {
        "osgi.command.scope=containerj",
        "osgi.command.function=info"})
public final class InfoCommand {

    private BundleContext context;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
    }

    public String info() {
        Bundle[] bundles = context.getBundles();
        long active = java.util.Arrays.stream(bundles).filter(b -> b.getState() == Bundle.ACTIVE).count();
        String config = property("containerj.config");
        Table t = new Table("version:", property("containerj.version"));
        t.row("root:", property("containerj.root"));
        t.row("state:", property("containerj.state"));
        t.row("grpc address:", property("containerj.grpc.address"));
        t.row("shell socket:", property("containerj.state") + "/" + ShellServer.SOCKET_NAME);
        t.row("config file:", config.isEmpty() ? "(none, built-in defaults)" : config);
        t.row("debug level:", property("containerj.debug.level"));
        t.row("uptime:", uptime());
        t.row("bundles:", bundles.length + " (" + active + " active)");
        t.row("java:", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        t.row("pid:", Long.toString(ProcessHandle.current().pid()));
        return t.toString();
    }

    private String property(String key) {
        String v = context.getProperty(key);
        return v == null ? "" : v;
    }

    private String uptime() {
        try {
            long start = Long.parseLong(property("containerj.start.time"));
            return formatDuration(Duration.ofMillis(System.currentTimeMillis() - start));
        } catch (NumberFormatException e) {
            return "unknown";
        }
    }

    static String formatDuration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        long days = s / 86400;
        long h = s / 3600 % 24;
        long m = s / 60 % 60;
        StringBuilder b = new StringBuilder();
        if (days > 0) {
            b.append(days).append("d ");
        }
        if (days > 0 || h > 0) {
            b.append(h).append("h ");
        }
        if (days > 0 || h > 0 || m > 0) {
            b.append(m).append("m ");
        }
        return b.append(s % 60).append('s').toString();
    }
}
