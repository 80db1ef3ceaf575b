package io.nnviz.recording;

import io.nnviz.recording.format.RunEvents;
import io.nnviz.recording.format.RunJson;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.storage.LocalRunStore;
import io.nnviz.recording.storage.RunStore;
import io.nnviz.recording.storage.RunStores;
import io.nnviz.recording.view.RunComparison;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The runs of a runs root ({@link RecorderBuilder#runsRoot}): every run directory under the root
 * (one level down, or two for roots grouped by experiment), read back as run logs for comparison
 * ({@link RunComparison}): from its {@code run.json} snapshot or its {@code events.jsonl} log
 * ({@link RunEvents}), whichever reaches the later step, so a run still going or killed mid-write
 * shows every value it logged. A run neither file of which can be read is left out and named in
 * {@link #problems()}: it never stops the others from being read. The root may be a local folder or
 * any {@link RunStore} (HDFS, S3 with {@code nnviz-hadoop}). The runs are read when opened, each a
 * read-only {@link RunLog}; open the root again to see what changed since. Immutable.
 *
 * <pre>{@code
 * Runs runs = Runs.open(Path.of("runs"));
 * RunComparison.of(runs.logs()).addTo(HtmlReport.titled("sweep")).write(Path.of("out"));
 * }</pre>
 */
public final class Runs {
    /** The run's file in its directory. */
    public static final String RUN_FILE = "run.json";
    private final String root;
    private final List<RunLog> logs;
    private final List<String> problems;

    private Runs(String root, List<RunLog> logs, List<String> problems) {
        this.root = root;
        this.logs = List.copyOf(logs);
        this.problems = List.copyOf(problems);
    }

    /** Reads every run under the local folder {@code root}, in the order they started. */
    public static Runs open(Path root) throws IOException {
        Objects.requireNonNull(root, "root");
        if (!Files.isDirectory(root)) {
            throw new IOException(root + ": no such runs root (a directory of run directories)");
        }
        return open(new LocalRunStore(root));
    }

    /**
     * Reads every run under {@code root}: a local path, or a URI of any store on the class path
     * ({@code hdfs://namenode:8020/runs}, {@code s3a://bucket/runs} with {@code nnviz-hadoop}).
     */
    public static Runs open(String root) throws IOException {
        try (RunStore store = RunStores.open(root)) {
            return open(store);
        }
    }

    /**
     * Reads every run of {@code store}, in the order they started: a few runs at a time (one per
     * core, at most {@value #READERS}), each run's memory its log's own bound.
     */
    public static Runs open(RunStore store) throws IOException {
        List<String> dirs = directories(store);
        List<RunLog> logs = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int threads = Math.max(1, Math.min(READERS, Math.min(dirs.size(), Runtime.getRuntime().availableProcessors())));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "nnviz-runs-reader");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Read>> reads = new ArrayList<>();
            for (String d : dirs) {
                reads.add(pool.submit(() -> {
                    List<String> mine = new ArrayList<>();
                    return new Read(load(store, d, mine), mine);
                }));
            }
            for (Future<Read> f : reads) { // in directory order, so problems read the same every time
                Read r = f.get();
                r.log().ifPresent(l -> logs.add(l.view()));
                problems.addAll(r.problems());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("reading the runs of " + store.location() + " was interrupted");
        } catch (ExecutionException e) {
            throw new IOException(store.location() + ": " + e.getCause(), e.getCause()); // read() itself never throws
        } finally {
            pool.shutdownNow();
        }
        logs.sort(Comparator.comparing((RunLog l) -> l.info().started()).thenComparing(l -> l.info().name()));
        return new Runs(store.location(), logs, problems);
    }

    /** Runs read at once at most. */
    static final int READERS = 4;

    private record Read(Optional<MutableRunLog> log, List<String> problems) {
    }

    /**
     * One run directory {@code dir} of {@code store}: from its {@code run.json} or its event logs,
     * whichever reaches the later step (the logs of several workers merged by step, {@link Shards});
     * empty, and a line in {@code problems} naming it, if neither reads. An event log whose last
     * record the snapshot already holds is not read at all.
     */
    public static Optional<RunLog> read(RunStore store, String dir, List<String> problems) {
        return load(store, dir, problems).map(MutableRunLog::view);
    }

    /** {@link #read}, the run writable: for a recorder resuming it. */
    static Optional<MutableRunLog> load(RunStore store, String dir, List<String> problems) {
        String prefix = dir.isEmpty() ? "" : dir + "/";
        MutableRunLog snapshot = null, events = null;
        String why = "no run.json or event log";
        List<String> logs = new ArrayList<>();
        boolean hasJson = false;
        try {
            for (String f : store.files(dir, 0)) {
                String name = f.substring(f.lastIndexOf('/') + 1);
                if (RunEvents.isLog(name)) {
                    logs.add(f);
                } else if (name.equals(RUN_FILE)) {
                    hasJson = true;
                }
            }
        } catch (IOException | RuntimeException e) {
            problems.add(dir + ": left out (" + e.getMessage() + ")");
            return Optional.empty();
        }
        if (hasJson) {
            try {
                snapshot = RunJson.read(store, prefix + RUN_FILE);
            } catch (IOException | RuntimeException e) {
                why = e.getMessage();
            }
        }
        List<MutableRunLog> shards = new ArrayList<>();
        for (String f : logs) {
            try {
                if (snapshot != null && logs.size() == 1) {
                    Optional<RunEvents.Last> last = RunEvents.last(store, f);
                    if (last.isPresent() && last.get().coveredBy(snapshot)) {
                        if (last.get().finishedAt() > 0) {
                            snapshot.finish(last.get().finishedAt()); // the log ended after the snapshot's last flush
                        }
                        continue; // the snapshot holds everything the log does: no need to read it
                    }
                }
                RunEvents.Read r = RunEvents.read(store, f, snapshot != null ? snapshot.maxPoints() : 1000);
                shards.add(r.log());
                if (r.badLines() > 0) {
                    problems.add(f + ": " + r.badLines() + " unreadable lines skipped");
                }
            } catch (IOException | RuntimeException e) {
                why = snapshot == null && !hasJson ? e.getMessage() : why + "; " + e.getMessage();
            }
        }
        if (!shards.isEmpty()) {
            events = Shards.merge(shards);
        }
        // the snapshot has everything up to its flush; the event log every value up to now (or the crash)
        MutableRunLog best = snapshot == null ? events : events == null ? snapshot : events.lastStep() > snapshot.lastStep() ? events : snapshot;
        MutableRunLog other = best == snapshot ? events : snapshot;
        if (best != null && other != null && best.finishedAt().isEmpty() && other.finishedAt().isPresent() && other.lastStep() <= best.lastStep()) {
            best.finish(other.finishedAt().getAsLong()); // one of the two was written after the recorder closed
        }
        if (best == null) {
            problems.add((dir.isEmpty() ? "" : dir) + ": left out (" + why + ")");
        }
        return Optional.ofNullable(best);
    }

    /** The run directories of {@code store} (two levels down, as paths from its root): those holding a run.json or an event log. */
    public static List<String> directories(RunStore store) throws IOException {
        Set<String> dirs = new TreeSet<>();
        for (String f : store.files("", 2)) {
            int slash = f.lastIndexOf('/');
            String name = f.substring(slash + 1);
            if (slash > 0 && (name.equals(RUN_FILE) || RunEvents.isLog(name))) {
                dirs.add(f.substring(0, slash));
            }
        }
        return List.copyOf(dirs);
    }

    /** The root read, as given. */
    public String root() {
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
