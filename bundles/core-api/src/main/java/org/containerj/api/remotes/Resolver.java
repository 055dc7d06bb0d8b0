package org.containerj.api.remotes;

/**
 * The registry client: turns references into descriptors and gives fetchers and
 * pushers, honouring the host configuration (hosts.toml: mirrors, plain http,
 * skip_verify, CA files) and authenticating (anonymous, basic, bearer token) as the
 * registry asks.
 */
public interface Resolver {

    /**
     * Parses and normalizes a reference as containerd does ({@code busybox} is
     * {@code docker.io/library/busybox:latest}; with both a tag and a digest only the digest
     * is kept); INVALID_ARGUMENT with the reason when it does not parse.
     */
    ImageReference parse(String reference);

    /**
     * Resolves the reference's tag or digest to the root manifest or index descriptor
     * (HEAD, then GET where HEAD is not answered). NOT_FOUND when the registry does
     * not know it.
     */
    Resolved resolve(ImageReference reference, RemoteOptions options);

    Fetcher fetcher(ImageReference reference, RemoteOptions options);

    Pusher pusher(ImageReference reference, RemoteOptions options);
}
