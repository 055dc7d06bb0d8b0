package org.containerj.server.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The {@code [grpc]} table of config.toml, described for validation. Method names use
 * DS's mapping: a double underscore stands for containerd's single underscore.
 */
@ObjectClassDefinition(id = "containerj.grpc", name = "containerj gRPC server")
@interface GrpcServerConfig {
    @AttributeDefinition(description = "unix socket path of the daemon")
    String address() default "/run/containerj/containerj.sock";

    @AttributeDefinition(description = "owner of the socket")
    int uid() default 0;

    @AttributeDefinition(description = "group of the socket (mode 0660)")
    int gid() default 0;

    @AttributeDefinition(description = "largest message accepted, bytes")
    int max__recv__message__size() default 16 << 20;

    @AttributeDefinition(description = "largest message sent, bytes")
    int max__send__message__size() default 16 << 20;

    @AttributeDefinition(required = false, description = "not supported: containerj serves only its unix socket")
    String tcp__address() default "";
}
