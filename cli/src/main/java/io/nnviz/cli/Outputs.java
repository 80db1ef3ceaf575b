package io.nnviz.cli;

import io.nnviz.renderers.Drawn;
import io.nnviz.api.ModelView;
import io.nnviz.renderers.AtomicFiles;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.report.HtmlReport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A command's outputs, written into a staging folder inside the output folder and moved into place
 * only when everything succeeded: a failed run leaves nothing behind.
 */
final class Outputs implements AutoCloseable {
    enum Kind { svg, png, html, dot }

    /** Staging folders are named after the process writing them: {@code .nnviz-partial-PID-random}. */
    static final String STAGING = ".nnviz-partial-";

    /** Pixels per SVG unit of the PNG files. */
    private static final double PNG_SCALE = 1.5;

    private final Path out, staging;
    private final Set<Kind> kinds;
    private final List<String> written = new ArrayList<>();
    private final boolean createdOut;
    private boolean committed;
    /** Figure files being drawn on other threads (without html: with it, the report draws them), awaited before the commit. */
    private final List<CompletableFuture<?>> pending = new ArrayList<>();
    private ExecutorService pool;

    private Outputs(Path out, Path staging, Set<Kind> kinds, boolean createdOut) {
        this.out = out;
        this.staging = staging;
        this.kinds = kinds;
        this.createdOut = createdOut;
    }

    /** Checks the output folder can be written before any work is done (a usage error if not). */
    static Outputs in(Path out, String formats) {
        if (out == null || out.toString().isBlank()) {
            throw new Main.UsageException("--out: an empty path; name the folder to write into");
        }
        Set<Kind> kinds = EnumSet.noneOf(Kind.class);
        for (String f : formats.split(",")) {
            try {
                kinds.add(Kind.valueOf(f.trim().toLowerCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new Main.UsageException("--format: unknown format '" + f.trim() + "' (use svg, png, html, dot)");
            }
        }
        if (kinds.isEmpty()) {
            throw new Main.UsageException("--format: name at least one of svg, png, html");
        }
        try {
            boolean created = !Files.exists(out);
            Files.createDirectories(out);
            removeStaleStaging(out);
            return new Outputs(out, Files.createTempDirectory(out, STAGING + ProcessHandle.current().pid() + "-"), kinds, created);
        } catch (FileAlreadyExistsException e) {
            throw new Main.UsageException(out + ": cannot write outputs there (a file, not a folder)");
        } catch (AccessDeniedException e) {
            throw new Main.UsageException(out + ": cannot write outputs there (permission denied)");
        } catch (IOException e) {
            throw new Main.UsageException(out + ": cannot write outputs there (" + e.getMessage() + ")");
        }
    }

    /**
     * Adds a figure to {@code report} under {@code section} and writes it as each chosen image
     * format, {@code name.svg} and {@code name.png}. With html chosen, the report draws it once and
     * the image files are copies of the report's (see {@link #report}); else they are drawn here.
     */
    void figure(HtmlReport report, String section, String name, Figure f) throws IOException {
        report.section(section).figure(name, f);
        if (kinds.contains(Kind.html)) {
            report.pngScale(PNG_SCALE).drawAhead();
            return;
        }
        files(name, CompletableFuture.completedFuture(f));
    }

    /** As {@link #figure}, the figure being of one layer: the report shows it when that layer is clicked. */
    void layerFigure(HtmlReport report, String section, String layerId, String name, Figure f) throws IOException {
        if (kinds.contains(Kind.html)) {
            report.section(section).layerFigure(layerId, name, f);
            report.pngScale(PNG_SCALE).drawAhead();
            return;
        }
        figure(report, section, name, f);
    }

    /**
     * The architecture: with html, the report's interactive one (every depth of the hierarchy,
     * the view that fits a screen also written as {@code NAME.svg/.png}), laid out from now on
     * other threads, and null is returned; else {@code fallback}, laid out and written on another
     * thread, and returned (to wait for), or null when no image format was chosen.
     */
    CompletableFuture<Figure> architecture(HtmlReport report, String name, ModelView m, Supplier<Figure> fallback) {
        if (kinds.contains(Kind.html)) {
            report.section("Architecture").architecture(m);
            report.pngScale(PNG_SCALE).drawAhead();
            return null;
        }
        if (!kinds.contains(Kind.svg) && !kinds.contains(Kind.png)) {
            return null; // no figure asked for (--format dot): no layout
        }
        CompletableFuture<Figure> f = CompletableFuture.supplyAsync(fallback, pool());
        files(name, f);
        return f;
    }

    /** Writes {@code f}'s chosen image files once it is made, on other threads: the command goes on meanwhile. */
    private void files(String name, CompletableFuture<Figure> f) {
        if (kinds.contains(Kind.svg)) {
            written.add(name + ".svg");
            pending.add(f.thenAcceptAsync(x -> write(() -> Figures.writeSvg(x, staging.resolve(name + ".svg"))), pool()));
        }
        if (kinds.contains(Kind.png)) {
            written.add(name + ".png");
            pending.add(f.thenAcceptAsync(x -> write(() -> Figures.writePng(x, staging.resolve(name + ".png"), PNG_SCALE)), pool()));
        }
    }

    private interface FileWrite {
        void run() throws IOException;
    }

    private static void write(FileWrite w) {
        try {
            w.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The threads that draw figure files: one per core. */
    private ExecutorService pool() {
        if (pool == null) {
            int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
            pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "nnviz-figures");
                t.setDaemon(true);
                return t;
            });
        }
        return pool;
    }

    /** Waits for the figure files being drawn; what one of them threw is thrown here, as it was thrown there. */
    void await() throws IOException {
        for (CompletableFuture<?> f : pending) {
            Drawn.join(f);
        }
        pending.clear();
    }

    /** Writes a text file (such as the DOT graph) if its kind was chosen. */
    void text(Kind kind, String name, String text) throws IOException {
        if (kinds.contains(kind)) {
            AtomicFiles.write(staging.resolve(name), text.getBytes(StandardCharsets.UTF_8));
            written.add(name);
        }
    }

    /** Writes the HTML report (index.html and its figures folder) if html was chosen, and the figures' image files from it. */
    void report(HtmlReport report) throws IOException {
        await();
        if (!kinds.contains(Kind.html)) {
            return;
        }
        report.pngScale(PNG_SCALE).write(staging);
        written.add("index.html");
        for (Map.Entry<String, String> e : report.figureFiles().entrySet()) {
            for (Kind k : List.of(Kind.svg, Kind.png)) {
                if (kinds.contains(k)) {
                    linkOrCopy(staging.resolve("figures").resolve(e.getValue() + "." + k), staging.resolve(e.getKey() + "." + k));
                    written.add(e.getKey() + "." + k);
                }
            }
        }
    }

    /**
     * Makes {@code copy} a second name of {@code file} (a hard link: no data copied and, on ext4, no new inode to
     * find, the costly part of making a file), or a copy where the file system has no links.
     */
    private static void linkOrCopy(Path file, Path copy) throws IOException {
        try {
            Files.createLink(copy, file);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Deletes staging folders left by runs that were killed (SIGKILL, a crash, power loss): those
     * whose process is gone. A folder of a run still going, or of another user, is left alone.
     */
    static void removeStaleStaging(Path out) {
        removeStaleStaging(out, true);
    }

    /**
     * As {@link #removeStaleStaging(Path)}, after a run that ended abnormally; the folder itself
     * goes too if that run made it ({@code existed} false) and nothing else is in it.
     */
    static void removeStaleStaging(Path out, boolean existed) {
        if (!Files.isDirectory(out, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        removeStale(out);
        if (!existed) {
            try {
                Files.deleteIfExists(out); // only when empty: anything else in it stays
            } catch (IOException e) {
                // not empty, or not ours to remove
            }
        }
    }

    private static void removeStale(Path out) {
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(STAGING) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                String rest = p.getFileName().toString().substring(STAGING.length());
                int dash = rest.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                } catch (NumberFormatException e) {
                    pid = -1; // an older run's name, without its process: gone if nobody has touched it for a day
                    if (Files.getLastModifiedTime(p).toMillis() > System.currentTimeMillis() - 86_400_000L) {
                        continue;
                    }
                }
                if (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                deleteTree(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // best effort: a leftover folder is harmless, and the new run writes its own
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** Moves everything into the output folder. */
    List<Path> commit() throws IOException {
        await();
        List<Path> done = new ArrayList<>();
        try (Stream<Path> s = Files.walk(staging)) {
            for (Path p : s.sorted().toList()) {
                if (p.equals(staging)) {
                    continue;
                }
                Path target = out.resolve(staging.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.move(p, target, StandardCopyOption.REPLACE_EXISTING);
                    done.add(target);
                }
            }
        }
        committed = true;
        return done;
    }

    /** Files written so far, by name. */
    List<String> written() {
        return written;
    }

    /** Removes the staging folder (and, if not committed, everything in it, and the output folder if this run made it). */
    @Override
    public void close() {
        if (pool != null) { // figures still being drawn would write into the folder as it goes
            pool.shutdownNow();
            try {
                pool.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> s = Files.walk(staging)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a leftover hidden .nnviz-partial folder is harmless
        }
        if (!committed && createdOut) {
            out.toFile().delete(); // only if empty
        }
    }
}
