package org.containerj.registry.impl;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One endpoint to talk to for a registry name: the registry itself or a mirror from
 * hosts.toml, with how to reach it.
 *
 * @param scheme       http or https
 * @param authority    host[:port] as in the URL
 * @param path         the API root, {@code /v2} unless {@code override_path} says otherwise
 * @param capabilities what this endpoint may be used for
 * @param caFiles      extra CA certificates (PEM files) to trust, besides the system ones
 * @param clientPairs  client certificate and key files ({@code key} null: in the cert file)
 * @param skipVerify   whether to skip TLS verification; null when hosts.toml does not say
 * @param headers      extra headers for this endpoint
 * @param httpFallback a local registry without a configured scheme: try https (unverified)
 *                     and fall back to http when the server does not speak TLS
 */
record RegistryHost(String scheme, String authority, String path, Set<Capability> capabilities,
        List<Path> caFiles, List<ClientPair> clientPairs, Boolean skipVerify, Map<String, List<String>> headers,
        boolean httpFallback) {

    record ClientPair(Path cert, Path key) {
    }

    RegistryHost {
        capabilities = Set.copyOf(capabilities);
        caFiles = List.copyOf(caFiles);
        clientPairs = List.copyOf(clientPairs);
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    boolean has(Capability c) {
        return capabilities.contains(c);
    }

    /**
     * Whether this endpoint stands in for the registry {@code registryHost} (a mirror or
     * another server): it is then told which registry is meant by {@code ?ns=<registry>},
     * as containerd does. Docker Hub's API host is docker.io itself.
     */
    boolean isProxy(String registryHost) {
        return !authority.equals(registryHost) && !(registryHost.equals(ReferenceParser.DEFAULT_DOMAIN)
                && authority.equals(HostsDirectory.DOCKER_HUB_ENDPOINT));
    }

    /** {@code scheme://authority}. */
    String origin() {
        return scheme + "://" + authority;
    }

    RegistryHost withScheme(String newScheme) {
        return new RegistryHost(newScheme, authority, path, capabilities, caFiles, clientPairs, skipVerify, headers,
                false);
    }

    @Override
    public String toString() {
        return origin() + path;
    }
}
