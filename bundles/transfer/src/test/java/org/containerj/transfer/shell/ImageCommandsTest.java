package org.containerj.transfer.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.remotes.RegistryCredentials;
import org.containerj.transfer.impl.Platforms;
import org.containerj.transfer.impl.TestImages;
import org.containerj.transfer.impl.TransferFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image commands of the shell on the transfer and the image store. */
class ImageCommandsTest {
    @TempDir
    Path dir;
    private TransferFixture f;
    private ImageCommands commands;
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private PrintStream out;

    @BeforeEach
    void setUp() throws Exception {
        f = new TransferFixture(dir);
        commands = new ImageCommands(f.transfer, f.images);
        out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    private String run(String... argv) throws Exception {
        return commands.run(out, argv);
    }

    @Test
    void pullTagListExportImportRemove() throws Exception {
        TestImages.Image image = TestImages.image(Platforms.host(), TestImages.layers(1).toArray(TestImages.Layer[]::new));
        f.registry.add("team/app:1", image.manifest(), image.blobs());

        String pulled = run("image-pull", "-n", "shell", "--plain-http", "-u", "bob:pw", "registry.test:5000/team/app:1");
        assertEquals("pulled registry.test:5000/team/app:1 " + image.manifest().digest(), pulled);
        assertTrue(f.registry.lastOptions.plainHttp());
        assertEquals(new RegistryCredentials("bob", "pw"), f.registry.lastCredentials);
        String progress = printed.toString(StandardCharsets.UTF_8);
        assertTrue(progress.contains("saved registry.test:5000/team/app:1"), progress);
        assertEquals(1, f.snapshots.of("overlayfs", "shell").size(), "unpacked by default");

        run("image-tag", "--namespace=shell", "registry.test:5000/team/app:1", "copy:1");
        String listed = run("images", "-n", "shell");
        assertTrue(listed.contains("copy:1") && listed.contains(image.manifest().digest().toString()), listed);

        Path tar = dir.resolve("out.tar");
        run("image-export", "-n", "shell", tar.toString(), "copy:1");
        assertTrue(Files.size(tar) > 0);
        String imported = run("image-import", "-n", "other", "--no-unpack", tar.toString());
        assertTrue(imported.contains("copy:1"), imported);

        run("image-remove", "-n", "shell", "copy:1", "registry.test:5000/team/app:1");
        assertEquals(List.of(), f.images.list("shell", List.of()));
    }

    @Test
    void badUsageIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> run("image-pull"));
        assertThrows(IllegalArgumentException.class, () -> run("image-pull", "--bogus", "x"));
        assertThrows(IllegalArgumentException.class, () -> run("image-pull", "-u", "nopassword", "a/b:c"));
        assertThrows(IllegalArgumentException.class, () -> run("image-tag", "only-one"));
        assertThrows(IllegalArgumentException.class, () -> run("image-pull", "-n"));
        assertEquals(org.containerj.api.errdefs.ErrorKind.NOT_FOUND,
                assertThrows(ContainerjException.class, () -> run("image-remove", "missing")).kind());
    }

    @Test
    void commandLineParsing() {
        CommandLine c = new CommandLine(List.of("-n", "x", "--platform=linux/arm64", "--platform", "linux/amd64",
                "--flag", "--", "-operand"), Set.of("namespace", "platform"), Set.of("flag"), Map.of("n", "namespace"));
        assertEquals("x", c.value("namespace", "default"));
        assertEquals(List.of("linux/arm64", "linux/amd64"), c.all("platform"));
        assertTrue(c.flag("flag"));
        assertEquals(List.of("-operand"), c.operands());
    }
}
