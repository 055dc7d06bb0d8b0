package org.containerj.transfer.impl;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.remotes.Fetcher;
import org.containerj.api.remotes.ImageReference;
import org.containerj.api.remotes.Pusher;
import org.containerj.api.remotes.RemoteOptions;
import org.containerj.api.remotes.Resolved;
import org.containerj.api.remotes.Resolver;

/**
 * A registry in memory behind the Resolver interface, with hooks to misbehave: what a
 * fetch of a blob returns can be replaced, and resolving can fail. Counts concurrent
 * fetches and records every fetch with its offset, every push and mount.
 */
public final class FakeRegistry implements Resolver {
    /** Replaces what a fetch returns; null to serve the blob. */
    interface Serve {
        InputStream open(Descriptor d, long offset, byte[] blob) throws IOException;
    }

    final Map<String, Descriptor> tags = new ConcurrentHashMap<>();
    final Map<Digest, byte[]> blobs = new ConcurrentHashMap<>();
    final Map<Digest, Serve> misbehave = new ConcurrentHashMap<>();
    final List<String> fetches = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger active = new AtomicInteger();
    final AtomicInteger maxActive = new AtomicInteger();
    volatile Supplier<RuntimeException> resolveFailure;
    public volatile RemoteOptions lastOptions;
    public volatile org.containerj.api.remotes.RegistryCredentials lastCredentials;

    final Map<Digest, byte[]> pushed = new ConcurrentHashMap<>();
    final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
    final List<String> pushOrder = Collections.synchronizedList(new ArrayList<>());
    final List<String> mounts = Collections.synchronizedList(new ArrayList<>());

    public void add(String repoTag, Descriptor root, Map<Digest, byte[]> content) {
        tags.put(repoTag, root);
        blobs.putAll(content);
    }

    @Override
    public ImageReference parse(String reference) {
        if (reference == null || !reference.matches("[a-z0-9.:-]+/[a-z0-9/._-]+(:[A-Za-z0-9._-]+)?(@sha256:[a-f0-9]{64})?")) {
            throw ContainerjException.invalidArgument("invalid reference format: %s", reference);
        }
        String rest = reference;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        int slash = rest.indexOf('/');
        return new ImageReference(rest.substring(0, slash), rest.substring(slash + 1), tag, digest);
    }

    @Override
    public Resolved resolve(ImageReference reference, RemoteOptions options) {
        lastOptions = options;
        lastCredentials = options.credentialsFor(reference.host());
        Supplier<RuntimeException> f = resolveFailure;
        if (f != null) {
            throw f.get();
        }
        Descriptor d = tags.get(reference.repository() + ":" + reference.object());
        if (d == null) {
            throw ContainerjException.notFound("%s: not found", reference);
        }
        return new Resolved(reference, d);
    }

    @Override
    public Fetcher fetcher(ImageReference reference, RemoteOptions options) {
        return (d, offset) -> {
            fetches.add(d.digest() + "@" + offset);
            byte[] blob = blobs.get(d.digest());
            Serve s = misbehave.get(d.digest());
            InputStream in;
            try {
                if (s != null) {
                    in = s.open(d, offset, blob);
                } else if (blob == null) {
                    throw ContainerjException.notFound("%s: not found", d.digest());
                } else {
                    in = new ByteArrayInputStream(Arrays.copyOfRange(blob, (int) offset, blob.length));
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            int now = active.incrementAndGet();
            maxActive.accumulateAndGet(now, Math::max);
            return new java.io.FilterInputStream(in) {
                private boolean closed;

                @Override
                public void close() throws IOException {
                    if (!closed) {
                        closed = true;
                        active.decrementAndGet();
                    }
                    super.close();
                }
            };
        };
    }

    @Override
    public Pusher pusher(ImageReference reference, RemoteOptions options) {
        return new Pusher() {
            @Override
            public boolean exists(Descriptor d) {
                return pushed.containsKey(d.digest());
            }

            @Override
            public boolean pushBlob(Descriptor d, Supplier<InputStream> data, String mountFrom) {
                if (mountFrom != null) {
                    mounts.add(d.digest() + " from " + mountFrom);
                    pushed.put(d.digest(), blobs.getOrDefault(d.digest(), new byte[0]));
                    pushOrder.add("blob " + d.digest());
                    return true;
                }
                try (InputStream in = data.get()) {
                    pushed.put(d.digest(), in.readAllBytes());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                pushOrder.add("blob " + d.digest());
                return false;
            }

            @Override
            public void pushManifest(Descriptor d, byte[] body, String tagOrDigest) {
                if (!Digests.sha256(body).equals(d.digest())) {
                    throw ContainerjException.invalidArgument("manifest body does not match %s", d.digest());
                }
                pushed.put(d.digest(), body);
                manifests.put(reference.repository() + ":" + tagOrDigest, body);
                pushOrder.add("manifest " + d.digest() + " as " + tagOrDigest);
            }
        };
    }
}
