package org.containerj.registry.impl;

import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import com.electronwill.nightconfig.core.Config;
import com.electronwill.nightconfig.core.io.ParsingException;
import com.electronwill.nightconfig.core.io.ParsingMode;
import com.electronwill.nightconfig.toml.TomlFormat;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.registry.impl.RegistryHost.ClientPair;
import org.tinylog.Logger;

/**
 * containerd's registry host configuration: a directory ({@code config_path}, default
 * {@code /etc/containerj/certs.d}) with one sub-directory per registry host holding a
 * {@code hosts.toml}, or Docker-style certificate files ({@code *.crt} CAs,
 * {@code *.cert}/{@code *.key} client pairs) when there is no hosts.toml.
 *
 * <p>The directory of {@code host:port} is {@code host_port_} or {@code host:port}
 * (tried in that order); {@code _default} applies to hosts without a directory. The
 * endpoints are the {@code [host."URL"]} tables in file order, then {@code server} (or
 * the registry itself when there is no server). An endpoint without a scheme is https;
 * {@code http://} makes it plain http. A hosts.toml that does not parse is reported in
 * the log and the directory's certificate files are used instead, as containerd does.
 */
final class HostsDirectory {
    static final String HOSTS_FILE = "hosts.toml";
    static final String DEFAULT_DIR = "_default";
    static final String DOCKER_HUB_ENDPOINT = "registry-1.docker.io";

    private HostsDirectory() {
    }

    /**
     * The endpoints for {@code registryHost} (a reference's host) in trial order.
     *
     * @param configPath the hosts directory; null or absent means none
     * @param plainHttp  the request's default scheme is http ({@code --plain-http})
     */
    static List<RegistryHost> hosts(Path configPath, String registryHost, boolean plainHttp) {
        List<RegistryHost> hosts = null;
        Path dir = configPath == null ? null : hostDir(configPath, registryHost);
        if (dir != null) {
            Logger.tag("registry").debug("{}: host directory {}", registryHost, dir);
            hosts = loadHostDir(dir);
        }
        if (hosts == null) {
            hosts = new ArrayList<>(List.of(unset(List.of(), List.of(), null)));
        }
        // NOTE: an empty list (a hosts.toml whose endpoints are all filtered) stays empty
        if (!hosts.isEmpty() && hosts.get(hosts.size() - 1).authority().isEmpty()) {
            RegistryHost last = hosts.remove(hosts.size() - 1);
            hosts.add(defaultEndpoint(registryHost, plainHttp, last));
        }
        return List.copyOf(hosts);
    }

    /** The first of {@code host_port_}, {@code host:port}, {@code _default} that is a directory. */
    static Path hostDir(Path root, String host) {
        List<String> names = new ArrayList<>();
        String portDir = portDirectory(host);
        if (portDir != null) {
            names.add(portDir);
        }
        names.add(host);
        names.add(DEFAULT_DIR);
        for (String name : names) {
            if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0) {
                continue;
            }
            Path p = root.resolve(name);
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }

    /** {@code host_port_} for {@code host:port}; null without a port. */
    static String portDirectory(String host) {
        int colon = host.lastIndexOf(':');
        if (colon <= 0 || colon == host.length() - 1 || host.indexOf(']', colon) >= 0) {
            return null;
        }
        String port = host.substring(colon + 1);
        if (!port.chars().allMatch(Character::isDigit)) {
            return null;
        }
        return host.substring(0, colon) + "_" + port + "_";
    }

    private static List<RegistryHost> loadHostDir(Path dir) {
        String text;
        try {
            text = Files.readString(dir.resolve(HOSTS_FILE), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            text = "";
        } catch (IOException e) {
            throw ContainerjException.internal("cannot read " + dir.resolve(HOSTS_FILE) + ": " + e.getMessage(), e);
        }
        if (text.isBlank()) {
            return loadCertFiles(dir);
        }
        try {
            return parse(dir, text);
        } catch (ContainerjException e) {
            Logger.tag("registry").error("{}: {}; using the directory's certificate files", dir.resolve(HOSTS_FILE),
                    e.getMessage());
            return loadCertFiles(dir);
        }
    }

    /** The endpoints a hosts.toml names; INVALID_ARGUMENT with the reason when it is wrong. */
    static List<RegistryHost> parse(Path baseDir, String toml) {
        Config config = TomlFormat.instance().createConfig(LinkedHashMap::new);
        try {
            TomlFormat.instance().createParser().parse(new StringReader(toml), config, ParsingMode.REPLACE);
        } catch (ParsingException e) {
            throw ContainerjException.invalidArgument("failed to parse TOML: %s", e.getMessage());
        }
        List<RegistryHost> hosts = new ArrayList<>();
        Object hostTables = config.get("host");
        if (hostTables != null) {
            if (!(hostTables instanceof Config tables)) {
                throw ContainerjException.invalidArgument("invalid `host` tree");
            }
            for (Map.Entry<String, Object> e : tables.valueMap().entrySet()) {
                if (!(e.getValue() instanceof Config table)) {
                    throw ContainerjException.invalidArgument("host %s: expected a table", e.getKey());
                }
                hosts.add(endpoint(e.getKey(), baseDir, table));
            }
        }
        Object server = config.get("server");
        if (server != null && !(server instanceof String)) {
            throw ContainerjException.invalidArgument("server: expected a string");
        }
        hosts.add(endpoint(server == null ? "" : (String) server, baseDir, config));
        return hosts;
    }

    private static RegistryHost endpoint(String server, Path baseDir, Config c) {
        boolean overridePath = bool(c, "override_path", false);
        String scheme = "";
        String authority = "";
        String path = "";
        if (!server.isEmpty()) {
            String url = server.startsWith("http") ? server : "https://" + server;
            URI u;
            try {
                u = new URI(url);
            } catch (URISyntaxException e) {
                throw ContainerjException.invalidArgument("unable to parse server %s: %s", server, e.getMessage());
            }
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                    || u.getRawAuthority() == null || !ReferenceParser.isHost(u.getRawAuthority())) {
                throw ContainerjException.invalidArgument("unable to parse server %s", server);
            }
            scheme = u.getScheme();
            authority = u.getRawAuthority();
            String p = u.getRawPath() == null ? "" : u.getRawPath();
            if (!p.isEmpty()) {
                p = cleanPath(p);
                if (!p.endsWith("/v2") && !overridePath) {
                    p = p + "/v2";
                }
            } else if (!overridePath) {
                p = "/v2";
            }
            path = p.equals("/") ? "" : p;
        }
        Set<Capability> capabilities = EnumSet.noneOf(Capability.class);
        for (String name : strings(c, "capabilities")) {
            Capability cap = Capability.named(name);
            if (cap == null) {
                throw ContainerjException.invalidArgument("unknown capability %s", name);
            }
            capabilities.add(cap);
        }
        if (capabilities.isEmpty()) {
            capabilities = Capability.ALL;
        }
        List<Path> ca = new ArrayList<>();
        for (String f : strings(c, "ca")) {
            ca.add(absolute(f, baseDir));
        }
        List<ClientPair> clients = clientPairs(c.get("client"), baseDir);
        Object skip = c.get("skip_verify");
        if (skip != null && !(skip instanceof Boolean)) {
            throw ContainerjException.invalidArgument("skip_verify: expected a boolean");
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        Object header = c.get("header");
        if (header != null) {
            if (!(header instanceof Config h)) {
                throw ContainerjException.invalidArgument("header: expected a table");
            }
            for (Map.Entry<String, Object> e : h.valueMap().entrySet()) {
                headers.put(e.getKey(), stringList(e.getValue(), "header " + e.getKey()));
            }
        }
        return new RegistryHost(scheme, authority, path, capabilities, ca, clients, (Boolean) skip, headers, false);
    }

    private static List<ClientPair> clientPairs(Object client, Path baseDir) {
        List<ClientPair> pairs = new ArrayList<>();
        if (client == null) {
            return pairs;
        }
        if (client instanceof String s) {
            pairs.add(new ClientPair(absolute(s, baseDir), null));
            return pairs;
        }
        if (!(client instanceof List<?> list)) {
            throw ContainerjException.invalidArgument("invalid type %s for \"client\"", client.getClass().getSimpleName());
        }
        for (Object item : list) {
            if (item instanceof String s) {
                pairs.add(new ClientPair(absolute(s, baseDir), null));
            } else if (item instanceof List<?> pair) {
                List<String> files = stringList(pair, "client");
                if (files.size() != 2) {
                    throw ContainerjException.invalidArgument("invalid pair %s for \"client\"", files);
                }
                pairs.add(new ClientPair(absolute(files.get(0), baseDir), absolute(files.get(1), baseDir)));
            } else {
                throw ContainerjException.invalidArgument("invalid type %s for \"client\"",
                        item == null ? "null" : item.getClass().getSimpleName());
            }
        }
        return pairs;
    }

    /** A string or an array of strings; empty when absent. */
    private static List<String> strings(Config c, String key) {
        Object v = c.get(key);
        return v == null ? List.of() : stringList(v, key);
    }

    private static List<String> stringList(Object v, String what) {
        if (v instanceof String s) {
            return List.of(s);
        }
        if (v instanceof List<?> list) {
            List<String> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof String s)) {
                    throw ContainerjException.invalidArgument("%s: unable to cast %s to string", what, o);
                }
                out.add(s);
            }
            return out;
        }
        throw ContainerjException.invalidArgument("%s: expected a string or an array of strings", what);
    }

    private static boolean bool(Config c, String key, boolean fallback) {
        Object v = c.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Boolean b)) {
            throw ContainerjException.invalidArgument("%s: expected a boolean", key);
        }
        return b;
    }

    private static Path absolute(String file, Path baseDir) {
        Path p = Path.of(file);
        return p.isAbsolute() ? p : baseDir.resolve(p);
    }

    /** Lexical clean of a URL path: no empty, "." or ".." segments, no trailing slash. */
    static String cleanPath(String p) {
        List<String> out = new ArrayList<>();
        for (String seg : p.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                if (!out.isEmpty()) {
                    out.remove(out.size() - 1);
                }
                continue;
            }
            out.add(seg);
        }
        return "/" + String.join("/", out);
    }

    /** Docker's layout: {@code *.crt} are CAs, {@code x.cert} with {@code x.key} client pairs. */
    static List<RegistryHost> loadCertFiles(Path dir) {
        List<Path> ca = new ArrayList<>();
        List<ClientPair> clients = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(Files::isRegularFile).sorted().toList();
        } catch (NoSuchFileException e) {
            files = List.of();
        } catch (IOException e) {
            throw ContainerjException.internal("cannot list " + dir + ": " + e.getMessage(), e);
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (name.endsWith(".crt")) {
                ca.add(f);
            }
            if (name.endsWith(".cert")) {
                Path key = f.resolveSibling(name.substring(0, name.length() - 5) + ".key");
                clients.add(new ClientPair(f, Files.exists(key) ? key : null));
            }
        }
        return new ArrayList<>(List.of(unset(ca, clients, null)));
    }

    private static RegistryHost unset(List<Path> ca, List<ClientPair> clients, Boolean skipVerify) {
        return new RegistryHost("", "", "", Capability.ALL, ca, clients, skipVerify, Map.of(), false);
    }

    /**
     * The registry itself as the last endpoint: Docker Hub's API host for docker.io; for a
     * local registry (localhost or a loopback address) on a port other than 443 https
     * without verification with a fallback to http (80: http), as containerd 1.7 does;
     * otherwise https, or http with {@code plainHttp}.
     */
    private static RegistryHost defaultEndpoint(String registryHost, boolean plainHttp, RegistryHost last) {
        String scheme;
        String authority = registryHost;
        Boolean skipVerify = last.skipVerify();
        boolean fallback = false;
        if (registryHost.equals(ReferenceParser.DEFAULT_DOMAIN)) {
            scheme = "https";
            authority = DOCKER_HUB_ENDPOINT;
        } else if (isLocalhost(registryHost)) {
            String port = port(registryHost);
            if (plainHttp) {
                scheme = "http";
            } else if (port.isEmpty() || port.equals("443")) {
                scheme = "https";
            } else if (port.equals("80")) {
                scheme = "http";
            } else {
                scheme = "https";
                fallback = true;
            }
            if (!port.equals("80") && skipVerify == null) {
                skipVerify = true;
            }
        } else {
            scheme = plainHttp ? "http" : "https";
        }
        return new RegistryHost(scheme, authority, "/v2", Capability.ALL, last.caFiles(), last.clientPairs(),
                skipVerify, last.headers(), fallback);
    }

    /** The port of {@code host[:port]} or {@code [v6][:port]}; empty without one. */
    static String port(String host) {
        int close = host.lastIndexOf(']');
        int colon = host.lastIndexOf(':');
        if (colon < 0 || colon < close) {
            return "";
        }
        return host.substring(colon + 1);
    }

    /** The host without its port (and without IPv6 brackets). */
    static String hostname(String host) {
        String port = port(host);
        String name = port.isEmpty() ? host : host.substring(0, host.length() - port.length() - 1);
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        return name;
    }

    /** localhost, or an IP literal that is a loopback address (no name is looked up). */
    static boolean isLocalhost(String host) {
        String name = hostname(host);
        if (name.equals("localhost")) {
            return true;
        }
        if (!(name.matches("[0-9.]+") || name.contains(":"))) {
            return false;
        }
        try {
            return InetAddress.getByName(name).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }
}
