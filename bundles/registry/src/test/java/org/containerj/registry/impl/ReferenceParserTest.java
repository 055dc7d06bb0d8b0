package org.containerj.registry.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.remotes.ImageReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Reference normalization as containerd's ParseDockerRef does it, and its rejections. */
class ReferenceParserTest {
    static final String HEX = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    static Stream<Arguments> normalized() {
        return Stream.of(
                Arguments.of("busybox", "docker.io", "library/busybox", "latest", null),
                Arguments.of("busybox:1.36", "docker.io", "library/busybox", "1.36", null),
                Arguments.of("library/busybox", "docker.io", "library/busybox", "latest", null),
                Arguments.of("docker.io/busybox", "docker.io", "library/busybox", "latest", null),
                Arguments.of("index.docker.io/busybox", "docker.io", "library/busybox", "latest", null),
                Arguments.of("index.docker.io/foo/bar:v1", "docker.io", "foo/bar", "v1", null),
                Arguments.of("user/repo", "docker.io", "user/repo", "latest", null),
                Arguments.of("user/repo/sub", "docker.io", "user/repo/sub", "latest", null),
                Arguments.of("localhost/foo", "localhost", "foo", "latest", null),
                Arguments.of("localhost:5000/foo/bar:tag", "localhost:5000", "foo/bar", "tag", null),
                Arguments.of("127.0.0.1:5000/test/app:v1", "127.0.0.1:5000", "test/app", "v1", null),
                Arguments.of("[::1]:5000/foo", "[::1]:5000", "foo", "latest", null),
                Arguments.of("Example.COM/foo", "Example.COM", "foo", "latest", null),
                Arguments.of("MyRegistry/foo", "MyRegistry", "foo", "latest", null),
                Arguments.of("ghcr.io/a/b/c@sha256:" + HEX, "ghcr.io", "a/b/c", null, "sha256:" + HEX),
                Arguments.of("busybox:1.36@sha256:" + HEX, "docker.io", "library/busybox", null, "sha256:" + HEX),
                Arguments.of("a.b/c_d__e-f--g.h:Tag_1.2-x", "a.b", "c_d__e-f--g.h", "Tag_1.2-x", null),
                Arguments.of("quay.io/a/b:" + "t".repeat(128), "quay.io", "a/b", "t".repeat(128), null));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("normalized")
    void normalizesAsContainerd(String in, String host, String repository, String tag, String digest) {
        ImageReference r = ReferenceParser.parse(in);
        assertEquals(host, r.host());
        assertEquals(repository, r.repository());
        assertEquals(tag, r.tag());
        assertEquals(digest, r.digest());
    }

    @Test
    void printsTheCanonicalForm() {
        assertEquals("docker.io/library/busybox:latest", ReferenceParser.parse("busybox").toString());
        assertEquals("docker.io/library/busybox@sha256:" + HEX,
                ReferenceParser.parse("busybox:1@sha256:" + HEX).toString());
        assertEquals("docker.io/library/busybox", ReferenceParser.parse("busybox").locator());
        assertNull(ReferenceParser.parse("a/b@sha256:" + HEX).tag());
    }

    static Stream<Arguments> rejected() {
        return Stream.of(
                Arguments.of("", "repository name must have at least one component"),
                Arguments.of("Busybox", "repository name must be lowercase"),
                Arguments.of("foo/Bar", "repository name must be lowercase"),
                Arguments.of("foo/bar:tag/x", "invalid reference format"),
                Arguments.of("foo:bar:baz", "invalid reference format"),
                Arguments.of("foo@sha256:abc", "invalid reference format"),
                Arguments.of("foo@md5:" + HEX.substring(0, 32), "unsupported digest algorithm"),
                Arguments.of("foo@sha256:" + HEX.toUpperCase(), "invalid checksum digest format"),
                Arguments.of("foo@sha256:" + HEX + "00", "invalid checksum digest format"),
                Arguments.of(HEX, "cannot specify 64-byte hexadecimal strings"),
                Arguments.of("example.com/" + "a".repeat(250), "must not be more than 255 characters"),
                Arguments.of("foo/../bar", "invalid reference format"),
                Arguments.of("foo//bar", "invalid reference format"),
                Arguments.of("-foo", "invalid reference format"),
                Arguments.of("foo-", "invalid reference format"),
                Arguments.of("foo:", "invalid reference format"),
                Arguments.of("foo:.tag", "invalid reference format"),
                Arguments.of("foo:" + "t".repeat(129), "invalid reference format"),
                Arguments.of("foo bar", "invalid reference format"),
                Arguments.of("http://example.com/foo", "invalid reference format"),
                Arguments.of("example.com:port/foo", "invalid reference format"),
                Arguments.of("a".repeat(40) + "!", "invalid reference format"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("rejected")
    void rejectsWithTheReason(String in, String reason) {
        ContainerjException e = assertThrows(ContainerjException.class, () -> ReferenceParser.parse(in));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains(reason), () -> e.getMessage() + " says " + reason);
        assertTrue(e.getMessage().startsWith(ReferenceParser.quote(in)), e::getMessage);
    }

    @Test
    void checksReferencesBuiltByCallers() {
        ReferenceParser.validate(new ImageReference("127.0.0.1:5000", "a/b", "v1", null));
        for (ImageReference bad : new ImageReference[] {
                new ImageReference("127.0.0.1:5000", "../b", "v1", null),
                new ImageReference("127.0.0.1:5000", "a/b?x=1", "v1", null),
                new ImageReference("evil.com/x", "a", "v1", null),
                new ImageReference("h", "a", "v/1", null),
                new ImageReference("h", "a", null, "sha256:xyz")}) {
            ContainerjException e = assertThrows(ContainerjException.class, () -> ReferenceParser.validate(bad),
                    bad::toString);
            assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        }
    }

    @Test
    void tagsAndDigestsForPushing() {
        assertEquals("v1", ReferenceParser.checkTagOrDigest("v1"));
        assertEquals("sha256:" + HEX, ReferenceParser.checkTagOrDigest("sha256:" + HEX));
        for (String bad : new String[] {"", "../x", "a/b", "sha256:12", ".x", null}) {
            assertThrows(ContainerjException.class, () -> ReferenceParser.checkTagOrDigest(bad), String.valueOf(bad));
        }
    }

    @Test
    void pathologicalInputIsRejectedQuickly() {
        long start = System.nanoTime();
        String evil = "a" + "-a".repeat(5000) + "!";
        assertThrows(ContainerjException.class, () -> ReferenceParser.parse(evil));
        assertTrue(System.nanoTime() - start < 2_000_000_000L, "no catastrophic backtracking");
    }
}
