package org.containerj.api.remotes;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Per-request options for a registry conversation.
 *
 * @param credentials     credentials per registry host (the host as in the reference,
 *                        with port, e.g. {@code docker.io}; a mirror from hosts.toml is
 *                        asked for under its own host); null or returning null means anonymous
 * @param plainHttp       use http instead of https for every host of this request, as
 *                        {@code ctr --plain-http}; hosts.toml can also ask for it per host
 * @param skipVerify      do not verify TLS certificates
 * @param stallTimeout    a transfer that receives no byte for this long fails with
 *                        DEADLINE_EXCEEDED naming the blob; null for the configured default
 * @param hostsDir        the directory of {@code <host>/hosts.toml} files for this request
 *                        (as {@code ctr --hosts-dir} or the transfer API's {@code host_dir});
 *                        null for the configured {@code config_path} (since 1.1)
 * @param headers         extra HTTP headers sent to every registry host of this request
 *                        (the transfer API's resolver headers); null for none (since 1.1)
 */
public record RemoteOptions(Function<String, RegistryCredentials> credentials, boolean plainHttp,
        boolean skipVerify, Duration stallTimeout, String hostsDir, Map<String, List<String>> headers) {

    public static final RemoteOptions DEFAULT = new RemoteOptions(null, false, false, null);

    public RemoteOptions {
        if (headers == null) {
            headers = Map.of();
        } else {
            Map<String, List<String>> copy = new LinkedHashMap<>();
            headers.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            headers = Map.copyOf(copy);
        }
    }

    /** The options of version 1.0: the configured hosts directory, no extra headers. */
    public RemoteOptions(Function<String, RegistryCredentials> credentials, boolean plainHttp,
            boolean skipVerify, Duration stallTimeout) {
        this(credentials, plainHttp, skipVerify, stallTimeout, null, null);
    }

    public RegistryCredentials credentialsFor(String host) {
        RegistryCredentials c = credentials == null ? null : credentials.apply(host);
        return c == null ? RegistryCredentials.ANONYMOUS : c;
    }

    /** These options with another stall timeout (null for the configured default). */
    public RemoteOptions withStallTimeout(Duration timeout) {
        return new RemoteOptions(credentials, plainHttp, skipVerify, timeout, hostsDir, headers);
    }

    /** These options with another hosts directory (null for the configured one). */
    public RemoteOptions withHostsDir(String dir) {
        return new RemoteOptions(credentials, plainHttp, skipVerify, stallTimeout, dir, headers);
    }
}
