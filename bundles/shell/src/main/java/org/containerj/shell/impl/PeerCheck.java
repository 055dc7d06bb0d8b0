package org.containerj.shell.impl;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.tinylog.Logger;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * Only root and the daemon's own user may use the shell. The socket file's mode
 * (0600) already says so; the peer's credentials (SO_PEERCRED) are checked as well,
 * so that a socket made accessible by mistake still does not let anyone in.
 */
final class PeerCheck {

    private PeerCheck() {
    }

    static boolean allowed(SocketChannel ch) {
        String user;
        try {
            user = Credentials.user(ch);
        } catch (LinkageError | UnsupportedOperationException | IOException e) {
            return true; // no jdk.net here: the file mode is the guard
        }
        boolean ok = user.equals("root") || user.equals("0") || user.equals(System.getProperty("user.name"));
        if (!ok) {
            Logger.warn("shell connection from user {} refused", user);
        }
        return ok;
    }

    /** Kept apart so that a missing jdk.net shows up as a LinkageError at the call. */
    private static final class Credentials {
        static String user(SocketChannel ch) throws IOException {
            UnixDomainPrincipal p = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            return p.user().getName();
        }
    }
}
