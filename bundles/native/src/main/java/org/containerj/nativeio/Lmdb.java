package org.containerj.nativeio;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import org.containerj.nativeio.impl.NativeBundle;

/**
 * Makes lmdbjava's native LMDB library loadable inside OSGi. Call {@link #load()} before
 * the first use of any {@code org.lmdbjava} class.
 *
 * <p>lmdbjava picks its library once, when its classes initialise, from the system
 * property {@value #NATIVE_LIB_PROPERTY}: when that names a library (a path such as
 * Debian's {@code /usr/lib/x86_64-linux-gnu/liblmdb.so.0}, or {@code lmdb}) that one is
 * used. Otherwise lmdbjava would copy its embedded build to a fresh temporary file found
 * through the thread context class loader, which inside OSGi does not see this bundle and
 * which a killed daemon leaves behind. So when the property is not set, this class copies
 * the embedded glibc build ({@code org/lmdbjava/native/<arch>-linux-gnu.so}) into this
 * bundle's data area (the same file every start, rewritten only when its bytes changed),
 * points the property at it, and then lets lmdbjava initialise. Outside OSGi it uses a
 * private directory under {@code java.io.tmpdir} the same way.
 */
public final class Lmdb {

    /** lmdbjava's system property naming an external LMDB library. */
    public static final String NATIVE_LIB_PROPERTY = "lmdbjava.native.lib";

    /**
     * Set next to {@value #NATIVE_LIB_PROPERTY} when this class points that at a library it
     * unpacked, so that a later copy of this bundle (after an uninstall, whose data area is
     * gone) knows the value is its own to replace rather than a user's choice.
     */
    static final String UNPACKED_PROPERTY = "org.containerj.nativeio.lmdb.unpacked";

    private static final String RESOURCE_DIR = "org/lmdbjava/native/";

    private static String library;

    private Lmdb() {
    }

    /**
     * Loads LMDB if that has not happened yet and returns what was loaded: the value of
     * {@value #NATIVE_LIB_PROPERTY}, or the embedded resource when lmdbjava extracted it
     * itself (outside OSGi).
     *
     * @throws IllegalStateException when the library cannot be unpacked or loaded
     */
    public static String load() {
        return load(null);
    }

    /**
     * Like {@link #load()}, but when the system property {@value #NATIVE_LIB_PROPERTY} is
     * unset and {@code preferred} is not empty, sets the property to it first. Lets a
     * caller pass the value of a framework property of the same name. Ignored once LMDB
     * is loaded.
     */
    public static synchronized String load(String preferred) {
        if (library != null) {
            return library;
        }
        // a value equal to UNPACKED_PROPERTY was unpacked by an earlier copy of this bundle:
        // not a choice of the user, and perhaps gone with that copy's data area
        String earlier = System.getProperty(UNPACKED_PROPERTY);
        String configured = System.getProperty(NATIVE_LIB_PROPERTY);
        if (configured == null || configured.isEmpty() || configured.equals(earlier)) {
            configured = null;
            if (preferred != null && !preferred.isEmpty() && !preferred.equals(earlier)) {
                System.setProperty(NATIVE_LIB_PROPERTY, preferred);
                configured = preferred;
            }
        }
        if (configured == null) {
            File area = NativeBundle.dataArea();
            Path dir = area != null ? area.toPath().resolve("lmdb") : privateTempDir();
            if (dir != null) {
                Path unpacked = unpack(dir);
                configured = unpacked.toString();
                System.setProperty(UNPACKED_PROPERTY, configured);
                System.setProperty(NATIVE_LIB_PROPERTY, configured);
            } else if (earlier != null) {
                System.clearProperty(NATIVE_LIB_PROPERTY);
            }
        }
        initialise();
        library = configured != null ? configured : embeddedResource();
        return library;
    }

    /** The LMDB version of the loaded library, e.g. {@code 0.9.33}; loads it first. */
    public static String version() {
        load();
        org.lmdbjava.Meta.Version v = org.lmdbjava.Meta.version();
        return v.major + "." + v.minor + "." + v.patch;
    }

    private static void initialise() {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // lmdbjava extracts its embedded library through the context class loader when
        // the property is unset (outside OSGi only: inside, the property is set above).
        thread.setContextClassLoader(Lmdb.class.getClassLoader());
        try {
            Class.forName("org.lmdbjava.Library", true, Lmdb.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            Throwable cause = e instanceof ExceptionInInitializerError && e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cannot load the LMDB native library ("
                    + NATIVE_LIB_PROPERTY + "=" + System.getProperty(NATIVE_LIB_PROPERTY) + "): " + cause, cause);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * Outside OSGi (unit tests, tools): {@code <java.io.tmpdir>/containerj-lmdb-<user>},
     * created 0700, and used only while it is a real directory owned by this user with no
     * access for others; null otherwise (lmdbjava then extracts to a temporary file).
     */
    private static Path privateTempDir() {
        try {
            String user = System.getProperty("user.name", "unknown").replaceAll("[^A-Za-z0-9._-]", "_");
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "containerj-lmdb-" + user);
            Set<PosixFilePermission> owner = PosixFilePermissions.fromString("rwx------");
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(owner));
                } catch (FileAlreadyExistsException raced) {
                    // checked below like any existing directory
                }
            }
            PosixFileAttributes attrs = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            UserPrincipal me = dir.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(System.getProperty("user.name"));
            if (attrs.isDirectory() && !attrs.isSymbolicLink() && attrs.owner().equals(me)
                    && attrs.permissions().equals(owner)) {
                return dir;
            }
            return null;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    static String embeddedResource() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux")) {
            throw new IllegalStateException("no embedded LMDB library for os.name " + os + "; set " + NATIVE_LIB_PROPERTY);
        }
        String name = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> throw new IllegalStateException(
                    "no embedded LMDB library for os.arch " + arch + "; set " + NATIVE_LIB_PROPERTY);
        };
        return RESOURCE_DIR + name + "-linux-gnu.so";
    }

    private static Path unpack(Path dir) {
        String resource = embeddedResource();
        byte[] bytes;
        try (InputStream in = Lmdb.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the LMDB library " + resource + " is missing from bundle "
                        + "org.containerj.native; set " + NATIVE_LIB_PROPERTY);
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
        Path target = dir.resolve(resource.substring(RESOURCE_DIR.length()));
        try {
            Files.createDirectories(dir);
            if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), bytes)) {
                return target;
            }
            Path tmp = Files.createTempFile(dir, "lmdb-", ".tmp");
            try {
                Files.write(tmp, bytes);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the LMDB library to " + target, e);
        }
    }
}
