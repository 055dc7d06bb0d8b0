package org.containerj.filters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.junit.jupiter.api.Test;

class FilterTest {
    private static final Map<String, String> LABELS = Map.of("io.cri-containerd.kind", "sandbox", "a", "1");

    private static final FieldSource PLUGIN = path -> switch (path.get(0)) {
        case "type" -> path.size() == 1 ? Optional.of("io.containerd.grpc.v1") : Optional.empty();
        case "id" -> path.size() == 1 ? Optional.of("namespaces") : Optional.empty();
        case "labels" -> Optional.ofNullable(LABELS.get(String.join(".", path.subList(1, path.size()))));
        default -> Optional.empty();
    };

    @Test
    void emptyFilterMatchesEverything() {
        assertTrue(Filter.parse(List.of()).matches(PLUGIN));
        assertTrue(Filter.parse("").matches(PLUGIN));
    }

    @Test
    void equalityAndInequality() {
        assertTrue(Filter.parse("type==io.containerd.grpc.v1").matches(PLUGIN));
        assertFalse(Filter.parse("type==io.containerd.content.v1").matches(PLUGIN));
        assertTrue(Filter.parse("type!=io.containerd.content.v1").matches(PLUGIN));
        assertFalse(Filter.parse("id!=namespaces").matches(PLUGIN));
    }

    @Test
    void commaIsAndSeveralStringsAreOr() {
        assertFalse(Filter.parse("type==io.containerd.grpc.v1,id==version").matches(PLUGIN));
        assertTrue(Filter.parse("type==io.containerd.grpc.v1,id==namespaces").matches(PLUGIN));
        assertTrue(Filter.parse("id==version", "id==namespaces").matches(PLUGIN));
    }

    @Test
    void labelsWithDotsQuotedOrNot() {
        assertTrue(Filter.parse("labels.\"io.cri-containerd.kind\"==sandbox").matches(PLUGIN));
        assertTrue(Filter.parse("labels.io.cri-containerd.kind==sandbox").matches(PLUGIN));
        assertTrue(Filter.parse("labels.a").matches(PLUGIN));
        assertFalse(Filter.parse("labels.b").matches(PLUGIN));
        assertFalse(Filter.parse("labels.b!=1").matches(PLUGIN), "an absent field never matches");
    }

    @Test
    void regexAndQuotedValues() {
        assertTrue(Filter.parse("id~=^name").matches(PLUGIN));
        assertTrue(Filter.parse("id~=/spaces$/").matches(PLUGIN));
        assertFalse(Filter.parse("id~=\"^ver\"").matches(PLUGIN));
        assertTrue(Filter.parse("id==\"namespaces\"").matches(PLUGIN));
    }

    @Test
    void malformedFiltersAreInvalidArgument() {
        for (String bad : new String[] {"type==", "==x", "type==a,", "id~=[", "labels.\"open", "a==b==c", "a b"}) {
            ContainerjException e = assertThrows(ContainerjException.class, () -> Filter.parse(bad), bad);
            assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), bad);
        }
    }

    @Test
    void fieldPathsUpdateLabels() {
        Map<String, String> current = Map.of("a", "1", "b", "2");
        assertEquals(Map.of("c", "3"), FieldPaths.applyLabels(current, Map.of("c", "3"), List.of(), List.of()));
        assertEquals(Map.of("a", "9", "b", "2"),
                FieldPaths.applyLabels(current, Map.of("a", "9"), List.of("labels.a"), List.of()));
        assertEquals(Map.of("a", "1"), FieldPaths.applyLabels(current, Map.of(), List.of("labels.b"), List.of()));
        assertEquals(Map.of("x", "y"), FieldPaths.applyLabels(current, Map.of("x", "y"), List.of("labels"), List.of()));
        ContainerjException e = assertThrows(ContainerjException.class,
                () -> FieldPaths.applyLabels(current, Map.of(), List.of("name"), List.of()));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
    }
}
