package org.containerj.registry.impl;

import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.containerj.api.content.Descriptor;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.remotes.Pusher;
import org.tinylog.Logger;

/**
 * Pushes to one repository on the first endpoint with the push capability, as
 * containerd's pusher does: HEAD to see what is there; a blob by a cross-repository
 * mount ({@code POST .../blobs/uploads/?mount=<digest>&from=<repository>}) when the
 * caller names a source repository and the registry allows it, else by an upload session
 * ({@code POST .../blobs/uploads/}) completed by one {@code PUT <location>?digest=<digest>}
 * with the whole blob; a manifest by {@code PUT .../manifests/<tag or digest>} with its
 * media type. The registry's {@code Docker-Content-Digest} must be the descriptor's.
 */
final class RegistryPusher implements Pusher {
    private final RegistryClient client;
    private final Session session;

    RegistryPusher(RegistryClient client, Session session) {
        this.client = client;
        this.session = session;
    }

    private RegistryHost host() {
        List<RegistryHost> hosts = session.hosts(EnumSet.of(Capability.PUSH));
        if (hosts.isEmpty()) {
            throw ContainerjException.notFound("%s: no push hosts", session.reference());
        }
        return hosts.get(0);
    }

    @Override
    public boolean exists(Descriptor descriptor) {
        RegistryHost host = host();
        String what = RegistryClient.describe(descriptor);
        boolean manifest = MediaTypes.isManifest(descriptor.mediaType());
        String path = RegistryClient.apiPath(host, session, (manifest ? "manifests/" : "blobs/") + descriptor.digest());
        Map<String, List<String>> headers = manifest
                ? Map.of("Accept", List.of(descriptor.mediaType() + ", */*")) : Map.of();
        try (RegistryResponse resp = client.http().send(session, new RegistryHttp.Request("HEAD", host, path, headers,
                null, List.of(session.scope(true)), what))) {
            if (resp.status() == 404) {
                return false;
            }
            if (!resp.ok()) {
                throw RegistryErrors.forResponse(resp, what);
            }
            return true;
        }
    }

    @Override
    public boolean pushBlob(Descriptor descriptor, Supplier<InputStream> data, String mountFrom) {
        if (descriptor.size() < 0) {
            throw ContainerjException.invalidArgument("%s: size %d", RegistryClient.describe(descriptor),
                    descriptor.size());
        }
        RegistryHost host = host();
        String what = RegistryClient.describe(descriptor);
        String repository = session.reference().repository();
        String location = null;
        if (mountFrom != null && !mountFrom.isEmpty() && !mountFrom.equals(repository)) {
            ReferenceParser.checkRepository(mountFrom);
            String path = RegistryClient.apiPath(host, session, "blobs/uploads/?mount="
                    + RegistryClient.encode(descriptor.digest().toString()) + "&from=" + RegistryClient.encode(mountFrom));
            List<String> scopes = List.of(session.scope(true), "repository:" + mountFrom + ":pull");
            try (RegistryResponse resp = client.http().send(session, new RegistryHttp.Request("POST", host, path,
                    Map.of(), RegistryHttp.Body.of(new byte[0]), scopes, what))) {
                switch (resp.status()) {
                    case 201 -> {
                        checkDigest(resp, descriptor, what);
                        Logger.tag("registry").debug("{}: mounted from {} into {}", what, mountFrom, repository);
                        return true;
                    }
                    case 202 -> location = location(resp, what);
                    case 401, 403, 404 ->
                        // the source may be private: upload as if no mount had been asked for
                        Logger.tag("registry").debug("{}: no mount from {}: {}", what, mountFrom,
                                RegistryErrors.statusText(resp.status()));
                    default -> throw RegistryErrors.forResponse(resp, what);
                }
            }
        }
        if (location == null) {
            String path = RegistryClient.apiPath(host, session, "blobs/uploads/");
            try (RegistryResponse resp = client.http().send(session, new RegistryHttp.Request("POST", host, path,
                    Map.of(), RegistryHttp.Body.of(new byte[0]), List.of(session.scope(true)), what))) {
                switch (resp.status()) {
                    case 200, 202, 204 -> location = location(resp, what);
                    case 201 -> {
                        // the registry has it already
                        return false;
                    }
                    default -> throw RegistryErrors.forResponse(resp, what);
                }
            }
        }
        upload(host, location, descriptor, data, what);
        return false;
    }

    private void upload(RegistryHost host, String location, Descriptor d, Supplier<InputStream> data, String what) {
        URI base = client.http().uri(host, "/");
        URI target = RegistryHttp.resolve(base, location);
        String url = target.toString();
        url += (target.getRawQuery() == null ? "?" : "&") + "digest=" + RegistryClient.encode(d.digest().toString());
        Map<String, List<String>> headers = Map.of("Content-Type", List.of("application/octet-stream"));
        try (RegistryResponse resp = client.http().send(session, new RegistryHttp.Request("PUT", host, url, headers,
                RegistryHttp.Body.of(data, d.size()), List.of(session.scope(true)), what))) {
            switch (resp.status()) {
                case 200, 201, 202, 204 -> checkDigest(resp, d, what);
                default -> throw RegistryErrors.forResponse(resp, what);
            }
        }
    }

    @Override
    public void pushManifest(Descriptor descriptor, byte[] body, String tagOrDigest) {
        String what = RegistryClient.describe(descriptor);
        if (body == null || body.length != descriptor.size()) {
            throw ContainerjException.invalidArgument("%s: the manifest has %d bytes, the descriptor says %d", what,
                    body == null ? 0 : body.length, descriptor.size());
        }
        String actual = RegistryClient.digestOf(descriptor.digest().algorithm(), body);
        if (!actual.equals(descriptor.digest().toString())) {
            throw ContainerjException.invalidArgument("%s: the manifest's digest is %s", what, actual);
        }
        if (descriptor.mediaType() == null || descriptor.mediaType().isEmpty()
                || descriptor.mediaType().chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw ContainerjException.invalidArgument("%s: invalid media type %s", what,
                    ReferenceParser.quote(String.valueOf(descriptor.mediaType())));
        }
        String object = tagOrDigest == null ? descriptor.digest().toString()
                : ReferenceParser.checkTagOrDigest(tagOrDigest);
        RegistryHost host = host();
        String path = RegistryClient.apiPath(host, session, "manifests/" + object);
        List<String> scopes = new ArrayList<>(List.of(session.scope(true)));
        try (RegistryResponse resp = client.http().send(session, new RegistryHttp.Request("PUT", host, path,
                Map.of("Content-Type", List.of(descriptor.mediaType())), RegistryHttp.Body.of(body), scopes, what))) {
            switch (resp.status()) {
                case 200, 201, 202, 204 -> checkDigest(resp, descriptor, what);
                default -> throw RegistryErrors.forResponse(resp, what);
            }
        }
    }

    private static String location(RegistryResponse resp, String what) {
        String location = resp.header("Location");
        if (location == null || location.isBlank()) {
            throw new ContainerjException(ErrorKind.UNAVAILABLE, what + ": " + resp.method() + " " + resp.uri()
                    + ": no Location for the upload");
        }
        return location;
    }

    private static void checkDigest(RegistryResponse resp, Descriptor d, String what) {
        String got = resp.header("Docker-Content-Digest");
        if (got != null && !got.isEmpty() && !got.trim().equals(d.digest().toString())) {
            throw new ContainerjException(ErrorKind.DATA_LOSS, what + ": got digest " + got.trim() + ", expected "
                    + d.digest());
        }
    }
}
