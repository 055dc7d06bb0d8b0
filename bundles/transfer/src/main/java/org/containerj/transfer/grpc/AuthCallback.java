package org.containerj.transfer.grpc;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.remotes.RegistryCredentials;
import org.containerj.proto.AnyTypes;
import org.containerj.proto.types.transfer.AuthRequest;
import org.containerj.proto.types.transfer.AuthResponse;
import org.tinylog.Logger;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;

/**
 * Credentials asked of the client over its auth stream, as containerd's transfer service
 * does: an {@code AuthRequest} (host, reference) out, an {@code AuthResponse} back. The
 * answer for a host is kept for the rest of the transfer. {@code HEADER} answers (a raw
 * Authorization header) have no counterpart in the registry client's credentials and
 * are treated as anonymous.
 */
final class AuthCallback implements Function<String, RegistryCredentials> {
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

    private final ServerStream stream;
    private final String reference;
    private final Map<String, RegistryCredentials> answers = new HashMap<>();

    AuthCallback(ServerStream stream, String reference) {
        this.stream = stream;
        this.reference = reference;
    }

    @Override
    public synchronized RegistryCredentials apply(String host) {
        RegistryCredentials known = answers.get(host);
        if (known != null) {
            return known;
        }
        stream.send(AnyTypes.pack(AuthRequest.newBuilder().setHost(host).setReference(reference).build()));
        Any answer;
        try {
            answer = stream.recv(ANSWER_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerjException(ErrorKind.CANCELED, "waiting for credentials for " + host);
        }
        if (answer == null) {
            throw new ContainerjException(ErrorKind.UNAUTHENTICATED,
                    "the client closed its auth stream without credentials for " + host);
        }
        AuthResponse r;
        try {
            r = AnyTypes.unpack(answer, AuthResponse.getDefaultInstance());
        } catch (InvalidProtocolBufferException e) {
            throw ContainerjException.invalidArgument("auth stream %s: expected an AuthResponse: %s", stream.id(),
                    e.getMessage());
        }
        RegistryCredentials c = switch (r.getAuthType()) {
            case CREDENTIALS -> new RegistryCredentials(r.getUsername(), r.getSecret());
            case REFRESH -> new RegistryCredentials("", r.getSecret());
            case HEADER -> {
                Logger.tag("transfer").warn("auth stream {}: HEADER credentials for {} are not supported; anonymous",
                        stream.id(), host);
                yield RegistryCredentials.ANONYMOUS;
            }
            default -> RegistryCredentials.ANONYMOUS;
        };
        answers.put(host, c);
        return c;
    }
}
