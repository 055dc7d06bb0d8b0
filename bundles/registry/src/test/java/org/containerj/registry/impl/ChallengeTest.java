package org.containerj.registry.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** WWW-Authenticate challenges as containerd reads them. */
class ChallengeTest {

    @Test
    void bearerWithQuotedParameters() {
        Challenge c = Challenge.parseOne("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                + "scope=\"repository:library/busybox:pull\"");
        assertEquals("bearer", c.scheme());
        assertEquals(Map.of("realm", "https://auth.docker.io/token", "service", "registry.docker.io",
                "scope", "repository:library/busybox:pull"), c.parameters());
    }

    @Test
    void namesAreCaseInsensitiveAndValuesMayBeTokens() {
        Challenge c = Challenge.parseOne("BASIC Realm=registry ,  Charset = \"UTF-8\"");
        assertEquals("basic", c.scheme());
        assertEquals("registry", c.parameter("realm"));
        assertNull(c.parameter("charset"), "no space is allowed before '='");
        Challenge d = Challenge.parseOne("Basic realm=registry,   charset=\"UTF-8\"");
        assertEquals("UTF-8", d.parameter("charset"));
    }

    @Test
    void escapesInQuotedStrings() {
        Challenge c = Challenge.parseOne("Bearer realm=\"https://a/t?x=\\\"y\\\"\",error=\"insufficient_scope\"");
        assertEquals("https://a/t?x=\"y\"", c.parameter("realm"));
        assertEquals("insufficient_scope", c.parameter("error"));
    }

    @Test
    void anUnterminatedQuoteEndsTheParameters() {
        Challenge c = Challenge.parseOne("Bearer service=\"s\",realm=\"https://x");
        assertEquals(Map.of("service", "s"), c.parameters());
    }

    @Test
    void bearerBeforeBasicAndUnknownSchemesDropped() {
        List<Challenge> cs = Challenge.parse(List.of("Basic realm=\"r\"", "Negotiate abc", "Bearer realm=\"t\"",
                "", "Digest realm=\"d\""));
        assertEquals(List.of("bearer", "digest", "basic"), cs.stream().map(Challenge::scheme).toList());
        assertTrue(Challenge.parse(List.of()).isEmpty());
        assertNull(Challenge.parseOne(" Bearer"));
    }
}
