package io.nnviz.cli;

import io.nnviz.api.spi.FileGate;
import io.nnviz.api.spi.ModelFormat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * Class-data sharing (AppCDS) for the child JVMs that run model commands: the classes a command
 * loads (the JDK's drawing and imaging classes, picocli, ELK, nnviz, the backend's) are parsed,
 * verified and laid out once, into archives the child JVMs map at start instead of loading them
 * from the jars again. A child loads about 3,500 classes before it has read a model; from the
 * archives that costs a fraction of the time.
 *
 * <p>The archives live in the cache ({@code ~/.cache/nnviz/cds}, or {@code nnviz.cache}), in a
 * folder per CLI jar (its path, size and time) and JVM, and are made on first use, JDK 17's way (it
 * has no {@code -XX:+AutoCreateSharedArchive}): the first command of a new jar runs with
 * {@code -XX:DumpLoadedClassList} and then writes the base archive from that list
 * ({@code -Xshare:dump}, about 2 s, once); the first command on each model format then runs on
 * the base and writes, at its exit, a dynamic archive of the classes the format's backend added
 * ({@code -XX:ArchiveClassesAtExit}, classes of the backend's class loader included; a few tenths
 * of a second, once per format). A command whose archives exist runs on both. Nothing else
 * changes: a jar rebuilt or moved gets a folder of its own, the JVM itself checks an archive
 * against the jar and runs without it when they differ, folders unused for a day are removed,
 * and an archive that could not be written is not tried again.
 *
 * <p>Only for the CLI run from its jar ({@code java -jar nnviz.jar}) on a HotSpot JVM, and not when
 * the JVM was given class-data sharing options of its own; {@code -Dnnviz.cds=false} turns it off.
 */
final class Cds {
    /** {@code -Dnnviz.cds=false}: no archives are used or made. */
    static final String PROPERTY = "nnviz.cds";
    /** Set in a child that writes an archive at its exit: the file where it writes its command's exit code first. */
    static final String DONE = "NNVIZ_CDS_DONE";
    /** A folder unused this long belongs to another jar or JVM: removed when the CLI next runs. */
    static final Duration STALE = Duration.ofDays(1);
    /** The longest a base archive may take to write before it is given up. */
    private static final long DUMP_SECONDS = 120;
    /** Above this heap the child has no compressed pointers, which the archives were written with. */
    private static final long MAX_HEAP = 31L << 30;
    /** What a run writes before it is kept: {@code classes-PID.lst}, {@code NAME-PID.jsa.tmp}. */
    private static final Pattern ORPHAN = Pattern.compile("(?:classes|[a-z0-9_]+)-(\\d+)\\.(?:lst|jsa\\.tmp|done)");

    private Cds() {
    }

    /** What a child run does with class-data sharing: the JVM options it gets, and what to keep once it ended. */
    static final class Plan {
        static final Plan NONE = new Plan(List.of(), null, null, null, null, null);

        private final List<String> options;
        private final Path dir, jar, classList, top, topTmp, done;

        private Plan(List<String> options, Path dir, Path jar, Path classList, Path top, Path topTmp) {
            this.options = options;
            this.dir = dir;
            this.jar = jar;
            this.classList = classList;
            this.top = top;
            this.topTmp = topTmp;
            this.done = topTmp == null ? null : topTmp.resolveSibling(topTmp.getFileName().toString().replace(".jsa.tmp", ".done"));
        }

        /** The JVM options, before the class path. */
        List<String> options() {
            return options;
        }

        /** What the child's environment gets: where it says its command ended, when it writes an archive at its exit. */
        Map<String, String> environment() {
            return done == null ? Map.of() : Map.of(DONE, done.toString());
        }

        /**
         * The command's own exit code when the child said it ended with one (before writing its archive at exit) and the
         * process then ended otherwise (the archive's writing crashed or ran past a limit), else null: that run's verdict is
         * the command's, and the archive is not tried again.
         */
        Integer commandEnded(int processCode, boolean killed) {
            if (done == null) {
                return null;
            }
            try {
                int code = Integer.parseInt(Files.readString(done).trim());
                Files.deleteIfExists(done);
                if (code == processCode && !killed) {
                    return null;
                }
                failed(top);
                Files.deleteIfExists(topTmp);
                return code;
            } catch (IOException | RuntimeException e) {
                return null; // the command itself did not end: its ending is the process's
            }
        }

        /** The class path the child must run with for the archives to apply (the jar, named as when they were written), or null for its own. */
        String classPath() {
            return jar == null ? null : jar.toString();
        }

        /**
         * After the child ended with {@code code}: a run that went well keeps what it wrote (the
         * class list becomes the base archive, the dynamic archive goes into place); anything else
         * is removed.
         */
        void finished(int code, boolean killed) {
            if (dir == null) {
                return;
            }
            try {
                if (classList != null) {
                    if (code == Main.OK && !killed && Files.size(classList) > 0) {
                        dumpBase(dir, jar, classList);
                    }
                    Files.deleteIfExists(classList);
                }
                if (topTmp != null) {
                    if (code == Main.OK && !killed && Files.isRegularFile(topTmp) && Files.size(topTmp) > 0) {
                        Files.move(topTmp, top, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } else if (code == Main.OK && !killed) {
                        failed(top); // the JVM wrote nothing: do not ask it again
                    }
                    Files.deleteIfExists(topTmp);
                }
            } catch (IOException | RuntimeException e) {
                // an archive is a speed-up only: the command's outcome is unchanged
            }
        }
    }

    /**
     * The plan for a child JVM running a command on {@code model} (null if none), with
     * {@code jvmArgs} (the parent's own options, which the child gets too) and a heap of at most
     * {@code heapBytes}.
     */
    static Plan plan(Path model, List<String> jvmArgs, long heapBytes) {
        try {
            Path jar = jar();
            if (jar == null || !"true".equals(System.getProperty(PROPERTY, "true")) || heapBytes > MAX_HEAP || !hotSpot()
                    || jvmArgs.stream().anyMatch(Cds::sharingOption)) {
                return Plan.NONE;
            }
            Path dir = dir(jar);
            Files.createDirectories(dir);
            used(dir);
            removeStale(dir.getParent(), dir);
            removeOrphans(dir);
            Path base = dir.resolve("base.jsa");
            long pid = ProcessHandle.current().pid();
            List<String> options = new ArrayList<>(List.of("-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
            if (!Files.isRegularFile(base)) {
                if (Files.exists(failedMark(base))) {
                    return Plan.NONE;
                }
                Path list = dir.resolve("classes-" + pid + ".lst");
                options.add("-XX:DumpLoadedClassList=" + list);
                return new Plan(options, dir, jar, list, null, null);
            }
            String format = format(model);
            Path top = format == null ? null : dir.resolve(format + ".jsa");
            if (top != null && Files.isRegularFile(top)) {
                options.add("-XX:SharedArchiveFile=" + base + File.pathSeparator + top);
                return new Plan(options, dir, jar, null, null, null);
            }
            options.add("-XX:SharedArchiveFile=" + base);
            if (top == null || Files.exists(failedMark(top))) {
                return new Plan(options, dir, jar, null, null, null);
            }
            Path tmp = dir.resolve(format + "-" + pid + ".jsa.tmp");
            options.add("-XX:ArchiveClassesAtExit=" + tmp);
            return new Plan(options, dir, jar, null, top, tmp);
        } catch (IOException | RuntimeException e) {
            return Plan.NONE; // no cache folder to be had (read-only home): the command runs as it would without
        }
    }

    /** The CLI's jar, absolute, when it runs from one and alone on the class path; else null. */
    static Path jar() {
        try {
            Path self = Path.of(Cds.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
            String cp = System.getProperty("java.class.path", "");
            if (!Files.isRegularFile(self) || !self.toString().endsWith(".jar") || cp.contains(File.pathSeparator)
                    || !Files.isSameFile(Path.of(cp), self)) {
                return null;
            }
            return self;
        } catch (Exception e) {
            return null;
        }
    }

    private static boolean hotSpot() {
        String vm = System.getProperty("java.vm.name", "");
        return vm.contains("HotSpot") || vm.contains("OpenJDK");
    }

    /** An option by which the user chose class-data sharing (or none) for themselves. */
    private static boolean sharingOption(String a) {
        return a.startsWith("-Xshare") || a.startsWith("-XX:SharedArchiveFile") || a.startsWith("-XX:ArchiveClassesAtExit")
                || a.startsWith("-XX:DumpLoadedClassList") || a.startsWith("-XX:SharedClassListFile") || a.contains("AutoCreateSharedArchive")
                || a.startsWith("-XX:-UseCompressedOops") || a.startsWith("-XX:-UseCompressedClassPointers");
    }

    /** The model's format as the archive names it (onnx, torchscript, ...), or null when it is none a backend reads. */
    static String format(Path model) {
        try {
            ModelFormat f = model == null ? null : FileGate.recognize(model).format();
            return f == null || f.backend() == null ? null : f.name().toLowerCase(Locale.ROOT);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** The folder of this jar's archives on this JVM: the jar's path, size and time and the JVM in its name. */
    static Path dir(Path jar) throws IOException {
        String id = jar + "\n" + Files.size(jar) + "\n" + Files.getLastModifiedTime(jar).toMillis() + "\n" + System.getProperty("java.home")
                + "\n" + System.getProperty("java.vm.version") + "\n" + System.getProperty("java.vm.name");
        // a checksum, not a digest: the name only tells jars apart (the JVM checks an archive against its jar anyway), and
        // MessageDigest loads the security providers, about 30 ms of every command's start before the child is started
        CRC32 crc = new CRC32();
        crc.update(id.getBytes(StandardCharsets.UTF_8));
        String key = HexFormat.of().toHexDigits(crc.getValue() << 32 | id.hashCode() & 0xFFFFFFFFL);
        return CliSupport.cacheRoot().resolve("cds").resolve("nnviz-" + key);
    }

    /** Writes the base archive from a class list: a JVM of its own, {@code -Xshare:dump}; its output is not the command's. */
    private static void dumpBase(Path dir, Path jar, Path classList) throws IOException {
        Path base = dir.resolve("base.jsa");
        Path tmp = dir.resolve("base-" + ProcessHandle.current().pid() + ".jsa.tmp");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:dump", "-Xmx1g",
                "-XX:SharedClassListFile=" + classList, "-XX:SharedArchiveFile=" + tmp, "-Xlog:cds=off", "-Xlog:gc+verify=off",
                "-cp", jar.toString());
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        Thread reaper = new Thread(p::destroyForcibly, "nnviz-cds-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        try {
            boolean done = p.waitFor(DUMP_SECONDS, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly().waitFor();
            }
            if (done && p.exitValue() == 0 && Files.isRegularFile(tmp) && Files.size(tmp) > 0) {
                Files.move(tmp, base, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                failed(base);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            Files.deleteIfExists(tmp);
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    private static Path failedMark(Path archive) {
        return archive.resolveSibling(archive.getFileName() + ".failed");
    }

    /** Marks an archive the JVM could not write, so no later command spends the time again. */
    private static void failed(Path archive) {
        try {
            Files.writeString(failedMark(archive), "the JVM did not write this archive; delete this file to try again\n");
        } catch (IOException e) {
            // then the next command tries again
        }
    }

    private static void used(Path dir) {
        try {
            Files.setLastModifiedTime(dir, FileTime.from(Instant.now()));
        } catch (IOException e) {
            // a read-only cache still works; it is only not tidied
        }
    }

    /** In the child: notes that the command ended with {@code code}, before the JVM writes its archive at exit ({@link Plan#commandEnded}). */
    static void commandEnded(int code) {
        String f = System.getenv(DONE);
        if (f != null) {
            try {
                Files.writeString(Path.of(f), Integer.toString(code));
            } catch (IOException | RuntimeException e) {
                // then a crash while writing the archive would be this run's ending, as without one
            }
        }
    }

    /** Removes what runs that were killed left half-written ({@code classes-PID.lst}, {@code NAME-PID.jsa.tmp}, {@code NAME-PID.done}): those whose process is gone. */
    static void removeOrphans(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Matcher m = ORPHAN.matcher(p.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).map(h -> !h.isAlive()).orElse(true)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            // tidying is best effort
        }
    }

    /** Removes the folders of other jars or JVMs unused for {@link #STALE}. */
    static void removeStale(Path cds, Path keep) {
        Instant cutoff = Instant.now().minus(STALE);
        try (Stream<Path> s = Files.list(cds)) {
            for (Path d : s.toList()) {
                if (d.equals(keep) || !d.getFileName().toString().startsWith("nnviz-") || Files.isSymbolicLink(d) || !Files.isDirectory(d)
                        || Files.getLastModifiedTime(d).toInstant().isAfter(cutoff)) {
                    continue;
                }
                try (Stream<Path> w = Files.walk(d)) {
                    w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } catch (IOException | RuntimeException e) {
            // tidying is best effort
        }
    }
}
