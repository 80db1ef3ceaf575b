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
 * The runs of a runs root ({@link RecorderBuilder#runsRoot}): every run directory under the root
 * (one level down, or two for roots grouped by experiment), read back as run logs for comparison
 * ({@link RunComparison}): from its {@code run.json} snapshot or its {@code events.jsonl} log
 * ({@link RunEvents}), whichever reaches the later step, so a run still going or killed mid-write
 * shows every value it logged. A run neither file of which can be read is left out and named in
 * {@link #problems()}: it never stops the others from being read.
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
        List<Path> dirs = directories(root);
        List<RunLog> logs = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Path d : dirs) {
            read(d, root.relativize(d).toString(), problems).ifPresent(logs::add);
        }
        logs.sort(Comparator.comparing((RunLog l) -> l.info().started()).thenComparing(l -> l.info().name()));
        return new Runs(root, logs, problems);
    }

    /**
     * One run directory: from its {@code run.json} or {@code events.jsonl}, whichever reaches the
     * later step; empty (and a line in {@code problems} naming it as {@code label}) if neither reads.
     */
    public static java.util.Optional<RunLog> read(Path d, String label, List<String> problems) {
        RunLog snapshot = null, events = null;
        String why = "no run.json or events.jsonl";
        Path json = d.resolve(RUN_FILE), log = d.resolve(RunEvents.FILE);
        if (Files.isRegularFile(json)) {
            try {
                snapshot = RunJson.read(json);
            } catch (IOException | RuntimeException e) {
                why = e.getMessage();
            }
        }
        if (Files.isRegularFile(log)) {
            try {
                RunEvents.Read r = RunEvents.read(log, snapshot != null ? snapshot.maxPoints() : 1000);
                events = r.log();
                if (r.badLines() > 0) {
                    problems.add(label + "/" + RunEvents.FILE + ": " + r.badLines() + " unreadable lines skipped");
                }
            } catch (IOException | RuntimeException e) {
                why = snapshot == null && !Files.isRegularFile(json) ? e.getMessage() : why + "; " + e.getMessage();
            }
        }
        // the snapshot has everything up to its flush; the event log every value up to now (or the crash)
        RunLog best = snapshot == null ? events : events == null ? snapshot : events.lastStep() > snapshot.lastStep() ? events : snapshot;
        if (best == null) {
            problems.add(label + ": left out (" + why + ")");
        }
        return java.util.Optional.ofNullable(best);
    }

    /** The run directories under {@code root} (two levels down): those holding a run.json or an events.jsonl. */
    public static List<Path> directories(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root, 3)) {
            return s.filter(p -> Files.isRegularFile(p) && (p.getFileName().toString().equals(RUN_FILE)
                    || p.getFileName().toString().equals(RunEvents.FILE))).map(Path::getParent).distinct().sorted().toList();
        }
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
