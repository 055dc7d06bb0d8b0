package org.containerj.itests.support;

/**
 * Bundles of the running daemon driven through its shell ({@code lb -s}, {@code stop},
 * {@code start}), as an administrator would.
 */
public final class ShellBundles {
    private final Daemon daemon;

    public ShellBundles(Daemon daemon) {
        this.daemon = daemon;
    }

    /** The id of bundle {@code bsn}; AssertionError when it is not installed. */
    public long id(String bsn) {
        return Long.parseLong(line(bsn)[0]);
    }

    /** The state of bundle {@code bsn} as {@code lb} shows it (Active, Resolved, ...). */
    public String state(String bsn) {
        return line(bsn)[1];
    }

    public void stop(String bsn) {
        daemon.shell("stop " + id(bsn)).assertOk();
    }

    public void start(String bsn) {
        daemon.shell("start " + id(bsn)).assertOk();
    }

    /** Starts {@code bsn} unless it is active already: for clean-up that must restore what a test stopped. */
    public void ensureStarted(String bsn) {
        if (!state(bsn).equals("Active")) {
            start(bsn);
        }
    }

    /** {id, state, level, name} of {@code bsn}'s line in {@code lb -s}. */
    private String[] line(String bsn) {
        CommandResult r = daemon.shell("lb -s").assertOk();
        for (String line : r.stdout().lines().toList()) {
            String[] f = line.split("\\|");
            if (f.length >= 4) {
                String name = f[3].trim();
                int paren = name.indexOf(" (");
                if ((paren < 0 ? name : name.substring(0, paren)).equals(bsn)) {
                    return new String[] {f[0].trim(), f[1].trim(), f[2].trim(), name};
                }
            }
        }
        throw new AssertionError("no bundle " + bsn + " in\n" + r);
    }
}
