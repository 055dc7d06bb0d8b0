package org.containerj.api.remotes;

import java.time.Duration;
import java.util.function.Function;

/**
 * Per-request options for a registry conversation.
 *
 * @param credentials     credentials per registry host (the host as in the reference,
 *                        with port); null or returning null means anonymous
 * @param plainHttp       use http instead of https for every host of this request, as
 *                        {@code ctr --plain-http}; hosts.toml can also ask for it per host
 * @param skipVerify      do not verify TLS certificates
 * @param stallTimeout    a transfer that receives no byte for this long fails with
 *                        DEADLINE_EXCEEDED naming the blob; null for the configured default
 */
public record RemoteOptions(Function<String, RegistryCredentials> credentials, boolean plainHttp,
        boolean skipVerify, Duration stallTimeout) {

    public static final RemoteOptions DEFAULT = new RemoteOptions(null, false, false, null);

    public RegistryCredentials credentialsFor(String host) {
        RegistryCredentials c = credentials == null ? null : credentials.apply(host);
        return c == null ? RegistryCredentials.ANONYMOUS : c;
    }
}
