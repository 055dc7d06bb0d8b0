package org.containerj.runtime.runc.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.junit.jupiter.api.Test;

/** The spec as the runtime hands it to runc (no root needed). */
class OciSpecTest {
    private static JsonObject json(OciSpec s) {
        return JsonParser.parseString(new String(s.bytes(), StandardCharsets.UTF_8)).getAsJsonObject();
    }

    private static OciSpec spec(String text) {
        return OciSpec.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void rootPathAndDefaultCgroupKeepTheRest() {
        OciSpec s = spec("{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"sh\"], \"oomScoreAdj\": -999},"
                + " \"root\": {\"path\": \"rootfs\", \"readonly\": true}, \"linux\": {\"resources\":"
                + " {\"memory\": {\"limit\": 18446744073709551615}}}}");
        s.rootPath(Path.of("/run/x/rootfs"));
        s.defaultCgroupsPath("/containerj/ns-id");
        s.oomScoreAdjFloor(0);
        JsonObject o = json(s);
        assertEquals("/run/x/rootfs", o.getAsJsonObject("root").get("path").getAsString());
        assertTrue(o.getAsJsonObject("root").get("readonly").getAsBoolean());
        assertEquals("/containerj/ns-id", o.getAsJsonObject("linux").get("cgroupsPath").getAsString());
        assertEquals(0, o.getAsJsonObject("process").get("oomScoreAdj").getAsInt());
        assertTrue(new String(s.bytes(), StandardCharsets.UTF_8).contains("18446744073709551615"),
                "large numbers are copied as written");
        assertFalse(s.terminal());
    }

    @Test
    void aCgroupChosenByTheClientStays() {
        OciSpec s = spec("{\"process\": {\"args\": [\"sh\"], \"terminal\": true}, \"linux\": {\"cgroupsPath\": \"/a/b\"}}");
        s.defaultCgroupsPath("/containerj/ns-id");
        assertEquals("/a/b", json(s).getAsJsonObject("linux").get("cgroupsPath").getAsString());
        assertTrue(s.terminal());
    }

    @Test
    void invalidSpecs() {
        for (String bad : new String[] {"{", "[]", "{}", "{\"process\": 1}"}) {
            assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(ContainerjException.class, () -> spec(bad)).kind(),
                    bad);
        }
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(ContainerjException.class,
                () -> OciSpec.parseProcess("{\"env\": []}".getBytes(StandardCharsets.UTF_8))).kind());
    }

    @Test
    void anExecSpecIsWrittenAsAProcess() {
        OciSpec p = OciSpec.parseProcess("{\"args\": [\"true\"], \"cwd\": \"/\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"args\":[\"true\"],\"cwd\":\"/\"}", new String(p.bytes(), StandardCharsets.UTF_8));
    }
}
