package org.containerj.config.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.dto.BundleDTO;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.util.promise.Promise;

class PluginDisablerTest {

    static final class FakeScr implements ServiceComponentRuntime {
        final List<ComponentDescriptionDTO> components = new ArrayList<>();
        final Map<String, Boolean> enabled = new HashMap<>();

        ComponentDescriptionDTO add(String name, String type, String id, boolean on) {
            ComponentDescriptionDTO d = new ComponentDescriptionDTO();
            d.name = name;
            d.bundle = new BundleDTO();
            d.bundle.id = 7;
            d.bundle.symbolicName = "org.containerj.test";
            d.properties = new HashMap<>();
            if (type != null) {
                d.properties.put(PluginDisabler.TYPE, type);
                d.properties.put(PluginDisabler.ID, id);
            }
            components.add(d);
            enabled.put(name, on);
            return d;
        }

        boolean on(String name) {
            return enabled.get(name);
        }

        @Override
        public Collection<ComponentDescriptionDTO> getComponentDescriptionDTOs(Bundle... bundles) {
            return components;
        }

        @Override
        public ComponentDescriptionDTO getComponentDescriptionDTO(Bundle bundle, String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Collection<ComponentConfigurationDTO> getComponentConfigurationDTOs(ComponentDescriptionDTO d) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isComponentEnabled(ComponentDescriptionDTO d) {
            return enabled.get(d.name);
        }

        @Override
        public Promise<Void> enableComponent(ComponentDescriptionDTO d) {
            enabled.put(d.name, true);
            return null;
        }

        @Override
        public Promise<Void> disableComponent(ComponentDescriptionDTO d) {
            enabled.put(d.name, false);
            return null;
        }
    }

    private final FakeScr scr = new FakeScr();
    private final PluginDisabler disabler = new PluginDisabler();

    @Test
    void disablesListedPluginsAndEnablesThemWhenTheyLeaveTheList() {
        scr.add("btrfs", "io.containerd.snapshotter.v1", "btrfs", true);
        scr.add("overlay", "io.containerd.snapshotter.v1", "overlayfs", true);
        scr.add("helper", null, null, true);
        disabler.setRuntime(scr);

        disabler.setDisabled(List.of("io.containerd.snapshotter.v1.btrfs"));
        assertFalse(scr.on("btrfs"));
        assertTrue(scr.on("overlay"));
        assertTrue(scr.on("helper"));

        disabler.setDisabled(List.of());
        assertTrue(scr.on("btrfs"));
    }

    @Test
    void aBareIdDisablesEveryPluginWithThatId() {
        scr.add("btrfs", "io.containerd.snapshotter.v1", "btrfs", true);
        scr.add("overlay", "io.containerd.snapshotter.v1", "overlayfs", true);
        disabler.setRuntime(scr);
        disabler.setDisabled(List.of("btrfs"));
        assertFalse(scr.on("btrfs"));
        assertTrue(scr.on("overlay"));
    }

    @Test
    void neverEnablesWhatItDidNotDisable() {
        scr.add("native", "io.containerd.snapshotter.v1", "native", false);
        disabler.setRuntime(scr);
        disabler.setDisabled(List.of("io.containerd.snapshotter.v1.native"));
        disabler.setDisabled(List.of());
        assertFalse(scr.on("native"));
    }

    @Test
    void appliesTheListWhenTheRuntimeArrivesAndToPluginsInstalledLater() {
        disabler.setDisabled(List.of("io.containerd.snapshotter.v1.btrfs", "io.containerd.differ.v1.walking"));
        scr.add("btrfs", "io.containerd.snapshotter.v1", "btrfs", true);
        disabler.setRuntime(scr);
        assertFalse(scr.on("btrfs"));

        scr.add("walking", "io.containerd.differ.v1", "walking", true);
        disabler.sweep();
        assertFalse(scr.on("walking"));

        disabler.unsetRuntime(scr);
        disabler.setDisabled(List.of());
        assertFalse(scr.on("btrfs"));
    }
}
