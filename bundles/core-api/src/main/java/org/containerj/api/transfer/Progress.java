package org.containerj.api.transfer;

import java.util.List;

import org.containerj.api.content.Descriptor;

/**
 * One progress event of a transfer, as containerd's transfer {@code Progress}:
 * {@code event} is what happened ({@code resolving}, {@code waiting}, {@code downloading},
 * {@code uploading}, {@code unpacking}, {@code already exists}, {@code complete},
 * {@code saved}, ...), {@code name} what it happened to (an ingest ref such as
 * {@code layer-sha256:...}, or an image name), {@code parents} the names of what
 * contains it, {@code progress} and {@code total} bytes, and the object's descriptor
 * when there is one (else null).
 */
public record Progress(String event, String name, List<String> parents, long progress, long total,
        Descriptor descriptor) {

    public Progress {
        event = event == null ? "" : event;
        name = name == null ? "" : name;
        parents = parents == null ? List.of() : List.copyOf(parents);
    }

    /** An event with a name only. */
    public static Progress of(String event, String name) {
        return new Progress(event, name, List.of(), 0, 0, null);
    }
}
