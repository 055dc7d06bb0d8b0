package org.containerj.transfer.impl;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;

/**
 * The labels by which a blob holds its children for garbage collection, as containerd
 * sets them while it fetches: {@code containerd.io/gc.ref.content.m.<i>} for the manifests
 * of an index, {@code containerd.io/gc.ref.content.config} and
 * {@code containerd.io/gc.ref.content.l.<i>} for a manifest's config and layers, and
 * {@code containerd.io/gc.ref.content.<i>} for anything else; each kind counted apart.
 */
public final class GcLabels {
    public static final String PREFIX = "containerd.io/gc.ref.content.";
    public static final String CONFIG = PREFIX + "config";
    /** The snapshot the config's image was unpacked into: {@code containerd.io/gc.ref.snapshot.<snapshotter>}. */
    public static final String SNAPSHOT_PREFIX = "containerd.io/gc.ref.snapshot.";
    /** The uncompressed digest of a layer blob, verified by an unpack. */
    public static final String UNCOMPRESSED = "containerd.io/uncompressed";
    /** The repositories of a registry host a blob was fetched from (comma separated). */
    public static final String DISTRIBUTION_SOURCE_PREFIX = "containerd.io/distribution.source.";

    private GcLabels() {
    }

    /** The labels {@code parent} gets for {@code children}, in order. */
    public static Map<String, String> forChildren(List<Descriptor> children) {
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, Integer> counters = new HashMap<>();
        for (Descriptor child : children) {
            String key = keyFor(child.mediaType());
            int n = counters.merge(key, 1, Integer::sum) - 1;
            if (n > 0 || key.endsWith(".")) {
                key = key + n;
            }
            labels.put(key, child.digest().toString());
        }
        return labels;
    }

    private static String keyFor(String mediaType) {
        if (MediaTypes.isConfig(mediaType)) {
            return CONFIG;
        }
        if (MediaTypes.isManifest(mediaType)) {
            return PREFIX + "m.";
        }
        if (MediaTypes.isLayer(mediaType)) {
            return PREFIX + "l.";
        }
        return PREFIX;
    }

    /** {@code containerd.io/gc.ref.snapshot.<snapshotter>} = the top chain id. */
    public static Map<String, String> snapshot(String snapshotter, Digest chainId) {
        return Map.of(SNAPSHOT_PREFIX + snapshotter, chainId.toString());
    }

    /**
     * The value of {@code containerd.io/distribution.source.<host>} once {@code repository}
     * is added to {@code current} (null or empty for none): sorted, without duplicates.
     */
    public static String addSource(String current, String repository) {
        java.util.TreeSet<String> repos = new java.util.TreeSet<>();
        if (current != null && !current.isEmpty()) {
            for (String r : current.split(",")) {
                if (!r.isEmpty()) {
                    repos.add(r);
                }
            }
        }
        repos.add(repository);
        return String.join(",", repos);
    }
}
