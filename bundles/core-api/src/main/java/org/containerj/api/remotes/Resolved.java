package org.containerj.api.remotes;

import org.containerj.api.content.Descriptor;

/** What a reference names: the reference as resolved and the root object's descriptor. */
public record Resolved(ImageReference reference, Descriptor descriptor) {
}
