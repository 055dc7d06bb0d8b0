package org.containerj.content.grpc;

import java.time.Instant;

import com.google.protobuf.Timestamp;

/** Instants to and from protobuf timestamps; an absent instant is an unset timestamp. */
final class ProtoTimes {
    private ProtoTimes() {
    }

    static Timestamp toProto(Instant t) {
        return t == null ? Timestamp.getDefaultInstance()
                : Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    static Instant fromProto(boolean present, Timestamp t) {
        return present ? Instant.ofEpochSecond(t.getSeconds(), t.getNanos()) : null;
    }
}
