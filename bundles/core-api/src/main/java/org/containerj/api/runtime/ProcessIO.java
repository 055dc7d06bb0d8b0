package org.containerj.api.runtime;

/**
 * Where a process's standard streams go: FIFO paths (or log URIs such as
 * {@code file:///path} and {@code binary:///path?k=v}); empty for none.
 */
public record ProcessIO(String stdin, String stdout, String stderr, boolean terminal) {
    public ProcessIO {
        stdin = stdin == null ? "" : stdin;
        stdout = stdout == null ? "" : stdout;
        stderr = stderr == null ? "" : stderr;
    }
}
