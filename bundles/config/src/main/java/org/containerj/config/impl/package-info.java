/**
 * Reads containerd's {@code config.toml} (version 2) into Configuration Admin.
 *
 * <p>{@link org.containerj.config.impl.ConfigReader} reads the file and its imports into a
 * {@link org.containerj.config.impl.DaemonConfig}; {@link org.containerj.config.impl.ConfigReloader}
 * applies it through {@link org.containerj.config.impl.ConfigAdminSync} and
 * {@link org.containerj.config.impl.PluginDisabler}; {@link org.containerj.config.impl.ConfigLoader}
 * is the DS component that does so at start-up and whenever
 * {@link org.containerj.config.impl.ConfigFileWatcher} sees the file change.
 */
package org.containerj.config.impl;
