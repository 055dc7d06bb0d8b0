package org.containerj.server.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/** How component states read as plugin statuses; the live graph is covered by PluginContractIT. */
class RegistryPluginCatalogTest {

    private static ComponentConfigurationDTO failed(String failure) {
        ComponentConfigurationDTO dto = new ComponentConfigurationDTO();
        dto.state = ComponentConfigurationDTO.FAILED_ACTIVATION;
        dto.failure = failure;
        return dto;
    }

    @Test
    void aSkipWrappedByTheConstructorCallIsStillASkip() {
        String trace = "java.lang.reflect.InvocationTargetException\n\tat x.y(Z.java:1)\n"
                + "Caused by: org.containerj.api.plugin.PluginSkippedException: path /r (ext4) must be a btrfs filesystem\n"
                + "\tat a.b(C.java:2)\n";
        assertArrayEquals(new String[] {"SKIP", "path /r (ext4) must be a btrfs filesystem: skip plugin"},
                RegistryPluginCatalog.notServing(failed(trace)));
    }

    @Test
    void otherFailuresAreErrorsWithTheirFirstLine() {
        assertArrayEquals(new String[] {"ERROR", "java.io.IOException: disk on fire"},
                RegistryPluginCatalog.notServing(failed("java.io.IOException: disk on fire\n\tat a.b(C.java:2)")));
    }

    @Test
    void unsatisfiedReferencesAreSkipsNamingThem() {
        ComponentConfigurationDTO dto = new ComponentConfigurationDTO();
        dto.state = ComponentConfigurationDTO.UNSATISFIED_REFERENCE;
        UnsatisfiedReferenceDTO ref = new UnsatisfiedReferenceDTO();
        ref.name = "store";
        dto.unsatisfiedReferences = new UnsatisfiedReferenceDTO[] {ref};
        assertArrayEquals(new String[] {"SKIP", "missing requirement store: skip plugin"},
                RegistryPluginCatalog.notServing(dto));
    }

    @Test
    void activeComponentsAreServing() {
        ComponentConfigurationDTO dto = new ComponentConfigurationDTO();
        dto.state = ComponentConfigurationDTO.ACTIVE;
        assertNull(RegistryPluginCatalog.notServing(dto));
    }
}
