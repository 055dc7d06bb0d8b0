package org.containerj.images.impl;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.identifiers.Identifiers;
import org.containerj.api.identifiers.Labels;
import org.containerj.api.images.Image;
import org.containerj.api.images.ImageStore;
import org.containerj.api.metadata.Entry;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.metadata.ReadTransaction;
import org.containerj.filters.FieldPaths;
import org.containerj.filters.Filter;

/**
 * Images kept in the metadata store at {@code v1/<ns>/images/<name>}, with containerd's
 * rules: a name is required (any characters but NUL, within the store's key size), and a
 * target with a valid digest, a size above zero and a media type; a label with an empty
 * value is not stored (so an update setting one to "" removes it). The {@code sync} of
 * {@link #delete} is the caller's business (see the plugin component).
 */
public final class MetadataImageStore implements ImageStore {
    private static final List<String> TARGET_PATHS = List.of("target");

    private final MetadataStore store;

    public MetadataImageStore(MetadataStore store) {
        this.store = store;
    }

    @Override
    public Image get(String namespace, String name) {
        Identifiers.validate(namespace);
        requireName(name);
        return store.view(tx -> read(tx, namespace, name));
    }

    @Override
    public List<Image> list(String namespace, List<String> filters) {
        Identifiers.validate(namespace);
        Filter filter = Filter.parse(filters);
        var images = ImageRecords.images(namespace);
        return store.view(tx -> {
            List<Image> found = new ArrayList<>();
            for (Entry e : tx.scan(images)) {
                if (e.key().size() == images.size() + 1) {
                    Image image = ImageRecords.decode(e.key().last(), e.value());
                    if (filter.matches(ImageRecords.fields(image))) {
                        found.add(image);
                    }
                }
            }
            return found;
        });
    }

    @Override
    public Image create(String namespace, Image image) {
        Identifiers.validate(namespace);
        validate(image);
        Instant now = Instant.now();
        Image created = new Image(image.name(), Labels.withoutEmpty(image.labels()), image.target(), now, now);
        byte[] record = ImageRecords.encode(created);
        return store.update(tx -> {
            var key = ImageRecords.image(namespace, image.name());
            if (tx.exists(key)) {
                throw ContainerjException.alreadyExists("image %s: already exists", quote(image.name()));
            }
            tx.putIfAbsent(MetadataLayout.namespaceLabels(namespace), new byte[0]);
            tx.put(key, record);
            return created;
        });
    }

    @Override
    public Image update(String namespace, Image image, List<String> fieldPaths) {
        Identifiers.validate(namespace);
        requireName(image.name());
        List<String> paths = fieldPaths == null ? List.of() : List.copyOf(fieldPaths);
        return store.update(tx -> {
            Image current = read(tx, namespace, image.name());
            Image applied = apply(current, image, paths);
            validate(applied);
            // containerd stores no empty label value: setting a label to "" removes it
            Image updated = new Image(applied.name(), Labels.withoutEmpty(applied.labels()), applied.target(),
                    applied.createdAt(), applied.updatedAt());
            tx.put(ImageRecords.image(namespace, image.name()), ImageRecords.encode(updated));
            return updated;
        });
    }

    private static Image apply(Image current, Image update, List<String> paths) {
        if (paths.isEmpty()) {
            return new Image(current.name(), update.labels(), update.target(), current.createdAt(), Instant.now());
        }
        List<String> labelPaths = new ArrayList<>();
        Descriptor target = current.target();
        Map<String, String> annotations = null;
        for (String path : paths) {
            if (path.equals("labels") || path.startsWith("labels.")) {
                labelPaths.add(path);
            } else if (path.equals("target")) {
                target = update.target();
            } else if (path.equals("annotations") || path.startsWith("annotations.")) {
                if (annotations == null) {
                    annotations = new HashMap<>(target == null ? Map.of() : target.annotations());
                }
                Map<String, String> given = update.target() == null ? Map.of() : update.target().annotations();
                if (path.equals("annotations")) {
                    annotations = new HashMap<>(given);
                } else {
                    String key = path.substring("annotations.".length());
                    if (given.containsKey(key)) {
                        annotations.put(key, given.get(key));
                    } else {
                        annotations.remove(key);
                    }
                }
            } else {
                throw ContainerjException.invalidArgument("cannot update %s field on image %s", quote(path),
                        quote(current.name()));
            }
        }
        if (annotations != null && target != null) {
            target = new Descriptor(target.mediaType(), target.digest(), target.size(), annotations, target.urls());
        }
        Map<String, String> labels = labelPaths.isEmpty() ? current.labels()
                : FieldPaths.applyLabels(current.labels(), update.labels(), labelPaths, List.of());
        return new Image(current.name(), labels, target, current.createdAt(), Instant.now());
    }

    @Override
    public void delete(String namespace, String name, Digest target, boolean sync) {
        Identifiers.validate(namespace);
        requireName(name);
        store.update(tx -> {
            Image current = read(tx, namespace, name);
            if (target != null && !target.equals(current.target().digest())) {
                throw ContainerjException.failedPrecondition("image %s: target %s does not match %s", quote(name),
                        current.target().digest(), target);
            }
            tx.delete(ImageRecords.image(namespace, name));
            return null;
        });
    }

    private static Image read(ReadTransaction tx, String namespace, String name) {
        return tx.get(ImageRecords.image(namespace, name)).map(v -> ImageRecords.decode(name, v))
                .orElseThrow(() -> ContainerjException.notFound("image %s: not found", quote(name)));
    }

    private static void requireName(String name) {
        if (name == null || name.isEmpty()) {
            throw ContainerjException.invalidArgument("image name must not be empty");
        }
    }

    private static void validate(Image image) {
        requireName(image.name());
        if (image.name().indexOf('\0') >= 0) {
            throw ContainerjException.invalidArgument("image name %s must not contain NUL", quote(image.name()));
        }
        Labels.validate(image.labels());
        Descriptor t = image.target();
        if (t == null || t.digest() == null) {
            throw ContainerjException.invalidArgument("Target.Digest must be set");
        }
        if (t.size() <= 0) {
            throw ContainerjException.invalidArgument("Target.Size must be greater than zero");
        }
        if (t.mediaType() == null || t.mediaType().isEmpty()) {
            throw ContainerjException.invalidArgument("Target.MediaType must be set");
        }
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }
}
