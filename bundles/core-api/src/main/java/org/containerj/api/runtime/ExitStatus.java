package org.containerj.api.runtime;

import java.time.Instant;

/** How a process ended: its pid, exit code (128+signal when killed) and when. */
public record ExitStatus(int pid, int code, Instant exitedAt) {
}
