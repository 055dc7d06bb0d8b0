package org.containerj.config.impl;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * What one file (the main file or an import) says, validated: a key the file does not set is
 * null (a list: empty), so that {@link DaemonConfig#merge} can tell "not set" from a value.
 *
 * @param file the file
 * @param version {@code version}
 * @param root {@code root}
 * @param state {@code state}
 * @param grpc the {@code [grpc]} table as properties, null when the file has none
 * @param debug the {@code [debug]} table as properties, null when the file has none
 * @param disabledPlugins {@code disabled_plugins}
 * @param requiredPlugins {@code required_plugins}
 * @param oomScore {@code oom_score}
 * @param imports {@code imports}, as written
 * @param plugins {@code [plugins."<type>.<id>"]} tables as properties, by PID
 * @param proxyPlugins {@code [proxy_plugins.NAME]} tables as properties, by NAME
 */
record ConfigFragment(
    Path file,
    Long version,
    String root,
    String state,
    SortedMap<String, Object> grpc,
    SortedMap<String, Object> debug,
    List<String> disabledPlugins,
    List<String> requiredPlugins,
    Long oomScore,
    List<String> imports,
    Map<String, SortedMap<String, Object>> plugins,
    Map<String, SortedMap<String, Object>> proxyPlugins) {
}
