package io.nnviz.recording;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The runs of a runs root ({@link RecorderBuilder#runsRoot}): every {@code run.json} in the root's
 * directories (one level down, or two for roots grouped by experiment), read back as run logs for
 * comparison ({@link RunComparison}). A run whose file cannot be read (cut short by a crash,
 * damaged, still being created) is left out and named in {@link #problems()}: it never stops the
 * others from being read.
 *
 * <pre>{@code
 * Runs runs = Runs.open(Path.of("runs"));
 * RunComparison.addTo(HtmlReport.titled("sweep"), runs.logs()).write(Path.of("out"));
 * }</pre>
 */
public final class Runs {
    /** The run's file in its directory. */
    public static final String RUN_FILE = "run.json";
    private final Path root;
    private final List<RunLog> logs;
    private final List<String> problems;

    private Runs(Path root, List<RunLog> logs, List<String> problems) {
        this.root = root;
        this.logs = List.copyOf(logs);
        this.problems = List.copyOf(problems);
    }

    /** Reads every run under {@code root}, in the order they started. */
    public static Runs open(Path root) throws IOException {
        Objects.requireNonNull(root, "root");
        if (!Files.isDirectory(root)) {
            throw new IOException(root + ": no such runs root (a directory of run directories)");
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(root, 3)) {
            files = s.filter(p -> p.getFileName().toString().equals(RUN_FILE) && Files.isRegularFile(p)).sorted().toList();
        }
        List<RunLog> logs = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Path f : files) {
            try {
                logs.add(RunJson.read(f));
            } catch (IOException | RuntimeException e) {
                problems.add(root.relativize(f) + ": left out (" + e.getMessage() + ")");
            }
        }
        logs.sort(Comparator.comparing((RunLog l) -> l.info().started()).thenComparing(l -> l.info().name()));
        return new Runs(root, logs, problems);
    }

    /** The root read. */
    public Path root() {
        return root;
    }

    /** The runs read, in the order they started. */
    public List<RunLog> logs() {
        return logs;
    }

    /** The runs that could not be read, each with why. */
    public List<String> problems() {
        return problems;
    }

    /** A run's directory under a root: its name made safe for any file system, and the first 8 characters of its id. */
    static String directoryName(RunInfo info) {
        String name = info.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^[-.]+|-+$", "");
        if (name.isEmpty()) {
            name = "run";
        }
        if (name.length() > 48) {
            name = name.substring(0, 48);
        }
        String id = info.id().replaceAll("[^A-Za-z0-9]", "");
        return name + "-" + id.substring(0, Math.min(8, id.length()));
    }
}
