package io.nnviz.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * Backend "worlds": each framework with its natives in a class loader of its own, because DL4J's
 * and TensorFlow Java's natives (JavaCPP 1.5.7 and 1.5.11) cannot share one class path. The CLI's
 * jar carries each world's jars under {@code worlds/NAME/}; from a jar they are extracted once to
 * a cache folder ({@code ~/.cache/nnviz/worlds}, or {@code nnviz.cache}), keyed by their
 * checksums. Only the neutral API and logging are shared with the CLI; everything else is looked
 * up in the world first.
 */
final class Worlds {
    private static final Map<String, ClassLoader> LOADED = new ConcurrentHashMap<>();

    private Worlds() {
    }

    /** The class loader of world {@code name}, made on first use. */
    static ClassLoader get(String name) throws IOException {
        ClassLoader l = LOADED.get(name);
        if (l == null) {
            synchronized (LOADED) {
                l = LOADED.get(name);
                if (l == null) {
                    l = new WorldLoader(name, urls(name).toArray(URL[]::new), Worlds.class.getClassLoader());
                    LOADED.put(name, l);
                }
            }
        }
        return l;
    }

    /** The jars of world {@code name} (extracted from the CLI's jar if it runs from one). */
    static List<URL> urls(String name) throws IOException {
        Path self;
        try {
            self = Path.of(Worlds.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException("cannot tell where the nnviz CLI runs from", e);
        }
        if (Files.isDirectory(self)) { // classes folder (tests, development): the jars lie there unpacked
            Path dir = self.resolve("worlds").resolve(name);
            if (!Files.isDirectory(dir)) {
                throw new Missing(name);
            }
            return list(dir);
        }
        return list(extract(self, name)); // from the jar; it says so if the backend is not in it
    }

    private static List<URL> list(Path dir) throws IOException {
        List<URL> urls = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                try {
                    urls.add(p.toUri().toURL());
                } catch (MalformedURLException e) {
                    throw new IOException(e);
                }
            }
        }
        if (urls.isEmpty()) {
            throw new IOException("the " + dir + " backend folder holds no jars");
        }
        return urls;
    }

    /**
     * Extracts {@code worlds/NAME/*.jar} from the CLI's jar into the cache, once per content. Which
     * folder a jar's world is in is noted ({@code worlds.index/NAME-KEY}, the key from the jar's path,
     * size and time), so a command finds it without reading the jar's 35,000-entry directory again.
     */
    private static Path extract(Path jar, String name) throws IOException {
        Path cache = CliSupport.cacheRoot().resolve("worlds");
        Path index = cache.resolveSibling("worlds.index").resolve(name + "-" + jarKey(jar));
        try {
            String known = Files.readString(index).trim();
            Path dir = cache.resolve(known);
            if (known.startsWith(name + "-") && !known.contains("/") && Files.isDirectory(dir)) {
                used(dir);
                used(index);
                removeStale(cache, name, dir);
                return dir;
            }
        } catch (IOException | RuntimeException e) {
            // not noted yet, or by a cache since emptied: from the jar's directory, as the first time
        }
        Path dir = extractFromJar(jar, name, cache);
        try {
            Files.createDirectories(index.getParent());
            Path tmp = Files.writeString(index.resolveSibling(index.getFileName() + "." + ProcessHandle.current().pid() + ".tmp"),
                    dir.getFileName().toString());
            Files.move(tmp, index, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            removeStaleNotes(index.getParent());
        } catch (IOException | RuntimeException e) {
            // a note is a speed-up only
        }
        return dir;
    }

    /** What tells one build of the CLI's jar from another cheaply: its path, size and time. */
    private static String jarKey(Path jar) throws IOException {
        CRC32 key = new CRC32();
        key.update((jar.toAbsolutePath() + "\n" + Files.size(jar) + "\n" + Files.getLastModifiedTime(jar).toMillis()).getBytes(StandardCharsets.UTF_8));
        return Long.toHexString(key.getValue());
    }

    /** Removes the notes of jars not run for {@link #STALE} (their worlds go the same way). */
    private static void removeStaleNotes(Path notes) {
        Instant cutoff = Instant.now().minus(STALE);
        try (Stream<Path> s = Files.list(notes)) {
            for (Path n : s.toList()) {
                if (Files.isRegularFile(n, LinkOption.NOFOLLOW_LINKS) && Files.getLastModifiedTime(n).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(n);
                }
            }
        } catch (IOException | RuntimeException e) {
            // tidying is best effort
        }
    }

    /** Extracts {@code worlds/NAME/*.jar} from the CLI's jar into {@code cache}, once per content (a folder named by the entries' checksums). */
    private static Path extractFromJar(Path jar, String name, Path cache) throws IOException {
        String prefix = "worlds/" + name + "/";
        try (JarFile jf = new JarFile(jar.toFile())) {
            List<JarEntry> entries = jf.stream().filter(e -> e.getName().startsWith(prefix) && e.getName().endsWith(".jar")).toList();
            if (entries.isEmpty()) {
                throw new Missing(name);
            }
            CRC32 key = new CRC32();
            for (JarEntry e : entries) {
                key.update((e.getName() + e.getCrc() + e.getSize()).getBytes(StandardCharsets.UTF_8));
            }
            Path dir = cache.resolve(name + "-" + Long.toHexString(key.getValue()));
            if (Files.isDirectory(dir)) {
                used(dir);
                removeStale(cache, name, dir);
                return dir;
            }
            Files.createDirectories(cache);
            Path tmp = Files.createTempDirectory(cache, name + "-partial-");
            try {
                for (JarEntry e : entries) {
                    try (InputStream in = jf.getInputStream(e)) {
                        Files.copy(in, tmp.resolve(e.getName().substring(prefix.length())), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                removeStale(cache, name, dir);
            } catch (IOException e) {
                if (!Files.isDirectory(dir)) { // another process may have won the race: that is fine
                    throw e;
                }
            } finally {
                if (Files.exists(tmp)) {
                    try (Stream<Path> s = Files.walk(tmp)) {
                        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
            return dir;
        }
    }

    /** A world unused this long is another build's: its copy is removed (a running CLI touches its own at every start). */
    static final Duration STALE = Duration.ofDays(1);

    private static void used(Path dir) {
        try {
            Files.setLastModifiedTime(dir, FileTime.from(Instant.now()));
        } catch (IOException e) {
            // a read-only cache still works; it is only not tidied
        }
    }

    /**
     * Removes the copies other builds of the CLI extracted ({@code NAME-KEY} other than {@code keep})
     * and left unused for {@link #STALE}, and half-extracted folders of crashed runs: each build
     * extracts its own copy, a few hundred MB, and nothing else would ever delete the old ones.
     */
    static void removeStale(Path cache, String name, Path keep) {
        Instant cutoff = Instant.now().minus(STALE);
        try (Stream<Path> s = Files.list(cache)) {
            for (Path d : s.toList()) {
                String n = d.getFileName().toString();
                if (d.equals(keep) || !n.startsWith(name + "-") || Files.isSymbolicLink(d) || !Files.isDirectory(d)
                        || Files.getLastModifiedTime(d).toInstant().isAfter(cutoff)) {
                    continue;
                }
                try (Stream<Path> w = Files.walk(d)) {
                    w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } catch (IOException | RuntimeException e) {
            // tidying is best effort: the world in use is unaffected
        }
    }

    /** A world this CLI does not carry: a one-framework distribution ({@code nnviz-dl4j.jar}, ...) has only its own. */
    static final class Missing extends IOException {
        private static final long serialVersionUID = 1L;
        final String world;

        Missing(String world) {
            super("this nnviz carries no " + world + " backend");
            this.world = world;
        }
    }

    /** Child-first, except for the JDK, the neutral API and logging, which the CLI and the world share. */
    static final class WorldLoader extends URLClassLoader {
        static {
            registerAsParallelCapable();
        }

        WorldLoader(String name, URL[] urls, ClassLoader parent) {
            super("nnviz-world-" + name, urls, parent);
        }

        private static boolean shared(String cls) {
            return cls.startsWith("java.") || cls.startsWith("javax.") || cls.startsWith("jdk.") || cls.startsWith("sun.")
                    || cls.startsWith("io.nnviz.api.") || cls.startsWith("org.slf4j.");
        }

        @Override
        protected Class<?> loadClass(String cls, boolean resolve) throws ClassNotFoundException {
            if (shared(cls)) {
                return super.loadClass(cls, resolve);
            }
            synchronized (getClassLoadingLock(cls)) {
                Class<?> c = findLoadedClass(cls);
                if (c == null) {
                    try {
                        c = findClass(cls);
                    } catch (ClassNotFoundException e) {
                        c = super.loadClass(cls, false);
                    }
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        @Override
        public URL getResource(String res) {
            URL u = res.startsWith("META-INF/services/io.nnviz.api.") || res.startsWith("org/slf4j/") ? null : findResource(res);
            return u != null ? u : super.getResource(res);
        }
    }
}
