package org.containerj.transfer.impl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.transfer.Platform;

/** Small images for the tests: gzip layers of a few files, a config, a manifest, an index. */
public final class TestImages {
    private TestImages() {
    }

    public record Layer(byte[] blob, Descriptor descriptor, Digest diffId) {
    }

    /** One image: blobs by digest and the root descriptor (a manifest). */
    public record Image(Descriptor manifest, Descriptor config, List<Layer> layers, Map<Digest, byte[]> blobs) {
        public List<Digest> diffIds() {
            return layers.stream().map(Layer::diffId).toList();
        }
    }

    public static byte[] tar(Map<String, String> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            for (var e : files.entrySet()) {
                byte[] data = e.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry te = new TarArchiveEntry(e.getKey());
                te.setSize(data.length);
                te.setModTime(0);
                t.putArchiveEntry(te);
                t.write(data);
                t.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static Layer layer(String file, String content) {
        byte[] tar = tar(Map.of(file, content));
        byte[] blob = gzip(tar);
        return new Layer(blob, new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", Digests.sha256(blob),
                blob.length), Digests.sha256(tar));
    }

    public static Image image(Platform platform, Layer... layers) {
        Map<Digest, byte[]> blobs = new LinkedHashMap<>();
        GoJson diffIds = new GoJson().beginArray();
        for (Layer l : layers) {
            blobs.put(l.descriptor.digest(), l.blob);
            diffIds.value(l.diffId.toString());
        }
        diffIds.endArray();
        String variant = platform.variant().isEmpty() ? "" : ",\"variant\":\"" + platform.variant() + "\"";
        byte[] config = ("{\"architecture\":\"" + platform.architecture() + "\",\"os\":\"" + platform.os() + "\""
                + variant + ",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":" + diffIds + "}}")
                .getBytes(StandardCharsets.UTF_8);
        Descriptor configDesc = new Descriptor(MediaTypes.OCI_CONFIG, Digests.sha256(config), config.length);
        blobs.put(configDesc.digest(), config);
        GoJson m = new GoJson().beginObject().name("schemaVersion").value(2).name("mediaType")
                .value(MediaTypes.OCI_MANIFEST).name("config").descriptor(configDesc, null).name("layers").beginArray();
        for (Layer l : layers) {
            m.descriptor(l.descriptor, null);
        }
        byte[] manifest = m.endArray().endObject().bytes();
        Descriptor manifestDesc = new Descriptor(MediaTypes.OCI_MANIFEST, Digests.sha256(manifest), manifest.length);
        blobs.put(manifestDesc.digest(), manifest);
        return new Image(manifestDesc, configDesc, List.of(layers), blobs);
    }

    /** An index of {@code images}, each with its platform; blobs of all of them. */
    static Map.Entry<Descriptor, Map<Digest, byte[]>> index(List<Image> images, List<Platform> platforms) {
        Map<Digest, byte[]> blobs = new LinkedHashMap<>();
        GoJson json = new GoJson().beginObject().name("schemaVersion").value(2).name("mediaType")
                .value(MediaTypes.OCI_INDEX).name("manifests").beginArray();
        for (int i = 0; i < images.size(); i++) {
            json.descriptor(images.get(i).manifest(), platforms.get(i));
            blobs.putAll(images.get(i).blobs());
        }
        byte[] index = json.endArray().endObject().bytes();
        Descriptor d = new Descriptor(MediaTypes.OCI_INDEX, Digests.sha256(index), index.length);
        blobs.put(d.digest(), index);
        return Map.entry(d, blobs);
    }

    public static List<Layer> layers(int n) {
        List<Layer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(layer("file-" + i, "content of layer " + i + "\n"));
        }
        return out;
    }
}
