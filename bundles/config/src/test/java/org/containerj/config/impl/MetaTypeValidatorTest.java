package org.containerj.config.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.ObjectClassDefinition;

class MetaTypeValidatorTest {

    record Ad(String id, int type, int cardinality, List<String> options) implements AttributeDefinition {
        @Override public String getName() { return id; }
        @Override public String getID() { return id; }
        @Override public String getDescription() { return null; }
        @Override public int getCardinality() { return cardinality; }
        @Override public int getType() { return type; }
        @Override public String[] getOptionValues() { return options == null ? null : options.toArray(new String[0]); }
        @Override public String[] getOptionLabels() { return getOptionValues(); }
        @Override public String[] getDefaultValue() { return null; }

        @Override
        public String validate(String value) {
            if (options == null) {
                return null;
            }
            return options.contains(value) ? "" : "not one of " + options;
        }
    }

    record Ocd(String id, List<AttributeDefinition> ads) implements ObjectClassDefinition {
        @Override public String getName() { return id; }
        @Override public String getID() { return id; }
        @Override public String getDescription() { return null; }
        @Override public AttributeDefinition[] getAttributeDefinitions(int filter) { return ads.toArray(new AttributeDefinition[0]); }
        @Override public InputStream getIcon(int size) { return null; }
    }

    private static final Ocd OVERLAY = new Ocd("io.containerd.snapshotter.v1.overlayfs", List.of(
        new Ad("root_path", AttributeDefinition.STRING, 0, null),
        new Ad("sync_remove", AttributeDefinition.BOOLEAN, 0, null),
        new Ad("max_layers", AttributeDefinition.INTEGER, 0, null),
        new Ad("ratio", AttributeDefinition.DOUBLE, 0, null),
        new Ad("mount_options", AttributeDefinition.STRING, Integer.MAX_VALUE, null),
        new Ad("mode", AttributeDefinition.STRING, 0, List.of("fast", "safe"))));

    private final ProblemList problems = new ProblemList(null);

    private void validate(Map<String, Object> props) {
        MetaTypeValidator.validate(OVERLAY.id(), new TreeMap<>(props), OVERLAY,
            KeyPath.of("plugins", OVERLAY.id()), problems);
    }

    private String onlyError() {
        assertEquals(1, problems.all().size(), problems.all()::toString);
        assertTrue(problems.hasErrors());
        return problems.all().get(0).key() + ": " + problems.all().get(0).message();
    }

    @Test
    void fittingValuesPass() {
        validate(Map.of("root_path", "/x", "sync_remove", true, "max_layers", 128L, "ratio", 1L,
            "mount_options", new String[] {"index=off"}, "mode", "fast"));
        assertTrue(problems.all().isEmpty(), problems.all()::toString);
    }

    @Test
    void wrongTypeIsAnErrorNamingTheKey() {
        validate(Map.of("sync_remove", "yes"));
        assertEquals("plugins.\"io.containerd.snapshotter.v1.overlayfs\".sync_remove: expected a boolean, got string \"yes\"",
            onlyError());
    }

    @Test
    void integerOutOfRangeIsAnError() {
        validate(Map.of("max_layers", 1L << 40));
        assertTrue(onlyError().contains("max_layers: expected an integer (32 bit)"));
    }

    @Test
    void arrayForASingleValueIsAnError() {
        validate(Map.of("root_path", new String[] {"/a"}));
        assertTrue(onlyError().contains("root_path: expected a single string, got an array"));
    }

    @Test
    void validateRejectsAnOption() {
        validate(Map.of("mode", "slow"));
        assertTrue(onlyError().contains("mode: invalid value string \"slow\": not one of [fast, safe]"));
    }

    @Test
    void unknownKeyIsAWarning() {
        validate(Map.of("upperdir_label", true));
        assertEquals(1, problems.all().size());
        assertTrue(!problems.hasErrors());
        assertEquals("plugins.\"io.containerd.snapshotter.v1.overlayfs\".upperdir_label",
            problems.all().get(0).key().toString());
    }
}
