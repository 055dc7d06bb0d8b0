package org.containerj.transfer.impl;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.containerj.api.content.Descriptor;
import org.containerj.api.transfer.ImageName;

/**
 * Names for imported images, as containerd's transfer image store gives them: exact
 * names go to the archive's own index; prefix rules name each top-level manifest from its
 * annotations ({@code io.containerd.image.name}, else {@code org.opencontainers.image.ref.name}).
 */
final class ImageNaming {
    static final String IMAGE_NAME = "io.containerd.image.name";
    static final String REF_NAME = "org.opencontainers.image.ref.name";

    private ImageNaming() {
    }

    /** What {@code ctr images import} does without a base name: {@code import-<date>:<tag>}, full names kept. */
    static List<ImageName> defaults() {
        return List.of(ImageName.prefix("import-" + LocalDate.now(ZoneOffset.UTC), true));
    }

    /** The names of the archive's index itself: the exact (non-prefix) rules. */
    static List<String> forIndex(List<ImageName> rules, Descriptor index) {
        List<String> names = new ArrayList<>();
        for (ImageName r : rules) {
            if (!r.prefix() && !r.name().isEmpty()) {
                names.add(r.addDigest() ? r.name() + "@" + index.digest() : r.name());
            }
        }
        return names;
    }

    /** The names of one top-level manifest of the archive, from the prefix rules and its annotations. */
    static List<String> forManifest(List<ImageName> rules, Descriptor manifest) {
        List<String> names = new ArrayList<>();
        for (ImageName r : rules) {
            if (!r.prefix()) {
                continue;
            }
            String name = annotatedName(manifest.annotations(), r.name(), r.allowOverwrite());
            if (name.isEmpty()) {
                if (r.addDigest()) {
                    names.add(r.name() + "@" + manifest.digest());
                }
                continue;
            }
            names.add(name);
            if (r.addDigest() && !r.skipNamedDigest()) {
                names.add(r.name() + "@" + manifest.digest());
            }
        }
        return names;
    }

    private static String annotatedName(Map<String, String> annotations, String prefix, boolean allowOverwrite) {
        String name = annotations.getOrDefault(IMAGE_NAME, "");
        if (!name.isEmpty()) {
            return translate(name, prefix, !allowOverwrite).equals(name) ? name : "";
        }
        name = annotations.getOrDefault(REF_NAME, "");
        return name.isEmpty() ? "" : translate(name, prefix, !allowOverwrite);
    }

    /** A tag gets the prefix; a full reference is kept, unless checked and not under the prefix. */
    static String translate(String ref, String prefix, boolean checkPrefix) {
        if (ref.contains("/") || ref.contains(":") || ref.contains("@")) {
            if (checkPrefix && !underPrefix(ref, prefix)) {
                return "";
            }
            return ref;
        }
        return prefix + ":" + ref;
    }

    private static boolean underPrefix(String s, String prefix) {
        if (!s.startsWith(prefix)) {
            return false;
        }
        if (s.length() > prefix.length()) {
            char c = s.charAt(prefix.length());
            return c == '/' || c == ':' || c == '@';
        }
        return true;
    }

    /** {@code annotations} with the name annotations containerd's export adds for {@code name}. */
    static Map<String, String> withNameAnnotations(Map<String, String> annotations, String name) {
        Map<String, String> out = new HashMap<>(annotations);
        out.put(IMAGE_NAME, name);
        out.put(REF_NAME, DockerReferences.object(name));
        return out;
    }
}
