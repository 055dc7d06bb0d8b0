package org.containerj.registry.impl;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.containerj.api.remotes.ImageReference;
import org.containerj.api.remotes.RegistryCredentials;
import org.containerj.api.remotes.RemoteOptions;

/**
 * One conversation about one repository: the reference, the caller's options, the
 * endpoints the host configuration gives for its registry, and the stall timeout in force.
 */
record Session(ImageReference reference, RemoteOptions options, List<RegistryHost> hosts, Duration stallTimeout) {

    Session {
        hosts = List.copyOf(hosts);
    }

    /** The endpoints that have every one of {@code capabilities}, in trial order. */
    List<RegistryHost> hosts(Set<Capability> capabilities) {
        List<RegistryHost> out = new ArrayList<>();
        for (RegistryHost h : hosts) {
            if (h.capabilities().containsAll(capabilities)) {
                out.add(h);
            }
        }
        return out;
    }

    /**
     * The caller's credentials for an endpoint: asked under the reference's registry name
     * for the registry itself (docker.io for Docker Hub's API host), under the endpoint's
     * own host for a mirror.
     */
    RegistryCredentials credentials(RegistryHost endpoint, String authority) {
        String registry = reference.host();
        boolean isRegistry = authority.equals(registry)
                || (registry.equals(ReferenceParser.DEFAULT_DOMAIN) && authority.equals(HostsDirectory.DOCKER_HUB_ENDPOINT));
        return options.credentialsFor(isRegistry ? registry : authority);
    }

    Map<String, List<String>> headers() {
        return options.headers();
    }

    boolean defaultSkipVerify() {
        return options.skipVerify();
    }

    /** {@code repository:<name>:pull} or {@code :pull,push}: the token scope for this repository. */
    String scope(boolean push) {
        return "repository:" + reference.repository() + (push ? ":pull,push" : ":pull");
    }
}
