package io.nnviz.dashboard;

import io.nnviz.recording.Runs;
import io.nnviz.recording.format.RunEvents;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.storage.LocalRunStore;
import io.nnviz.recording.storage.RunStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A runs root on a {@link LiveDashboard}: every run directory under it ({@link Runs}) shown on a
 * page of its own and all of them on one comparison page ({@value #COMPARISON}, as
 * {@link LiveDashboard#showComparison}), read again when its files change and new runs added as they start, by a
 * daemon thread looking every {@code interval}. A run that cannot be read is logged, once per
 * change, and the others go on.
 *
 * <pre>{@code
 * try (LiveDashboard dash = LiveDashboard.start(); RunsWatcher w = RunsWatcher.start(dash, Path.of("runs"), 2000)) { ... }
 * }</pre>
 */
public final class RunsWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunsWatcher.class);
    private final LiveDashboard dash;
    private final RunStore root;
    private final Map<String, String> seen = new HashMap<>(); // run directory -> the sizes and times of its files when last read
    private final Set<String> shown = new TreeSet<>();
    /** The latest read of every run shown, by page name: what the comparison page draws. */
    private final Map<String, RunLog> latest = new ConcurrentSkipListMap<>();
    /** The comparison page's name. */
    public static final String COMPARISON = "compare";
    private final Thread thread;
    private volatile boolean stop;

    private RunsWatcher(LiveDashboard dash, RunStore root, long intervalMillis) {
        this.dash = dash;
        this.root = root;
        this.thread = new Thread(() -> {
            while (!stop) {
                try {
                    scan();
                } catch (RuntimeException e) { // a store that fails once must not end the watching: the pages would freeze
                    LOG.warn("nnviz: reading the runs root {} failed ({}); trying again", root.location(), e.toString());
                }
                try {
                    Thread.sleep(intervalMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "nnviz-runs-watcher");
        thread.setDaemon(true);
    }

    /** Shows every run under {@code root} now and keeps the pages current, looking every {@code intervalMillis}. */
    public static RunsWatcher start(LiveDashboard dash, Path root, long intervalMillis) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException(root + ": no such runs root (a directory of run directories)");
        }
        return start(dash, new LocalRunStore(root), intervalMillis);
    }

    /** {@link #start(LiveDashboard, Path, long)} on any run store (HDFS, S3 with {@code nnviz-hadoop}); the caller closes the store after the watcher. */
    public static RunsWatcher start(LiveDashboard dash, RunStore root, long intervalMillis) throws IOException {
        Objects.requireNonNull(dash, "dash");
        Objects.requireNonNull(root, "root");
        root.files("", 0); // a root that cannot be listed fails here, not silently in the thread
        if (intervalMillis < 10) {
            throw new IllegalArgumentException("look at least every 10 ms, not " + intervalMillis);
        }
        RunsWatcher w = new RunsWatcher(dash, root, intervalMillis);
        dash.showComparison(COMPARISON, () -> List.copyOf(w.latest.values()));
        w.scan();
        w.thread.start();
        return w;
    }

    /** The runs shown so far, by page name. */
    public synchronized List<String> shown() {
        return new ArrayList<>(shown);
    }

    private synchronized void scan() {
        List<String> dirs;
        try {
            dirs = Runs.directories(root);
        } catch (IOException | RuntimeException e) {
            LOG.warn("nnviz: cannot list the runs root {}: {}", root.location(), e.getMessage());
            return;
        }
        for (String d : dirs) {
            String name = pageName(d);
            String stamp = name + "\n" + stamp(d);
            if (stamp.equals(seen.get(d))) {
                continue;
            }
            List<String> problems = new ArrayList<>();
            Optional<RunLog> log = Runs.read(root, d, problems);
            problems.forEach(p -> LOG.warn("nnviz: {}", p));
            log.ifPresent(l -> {
                dash.showRun(name, l);
                latest.put(name, l);
                shown.add(name);
            });
            seen.put(d, stamp);
        }
    }

    /** A page name the dashboard takes: the directory's name, made safe. */
    static String pageName(String d) {
        String n = d.substring(d.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9_.-]+", "-");
        n = n.isEmpty() ? "run" : n;
        return n.length() > 64 ? n.substring(0, 64) : n;
    }

    /** The sizes and times of a run directory's files: what changes when a run writes on. */
    private String stamp(String d) {
        StringBuilder s = new StringBuilder();
        try {
            for (String f : root.files(d, 0)) {
                s.append(f).append(':').append(root.size(f)).append('@').append(root.modified(f));
                if (RunEvents.isLog(f.substring(f.lastIndexOf('/') + 1))) {
                    // HDFS reports a file being written at its last whole block's length and time: its tail shows what was hflushed
                    s.append('#').append(Arrays.hashCode(root.tail(f, 256)));
                }
                s.append(' ');
            }
        } catch (IOException e) {
            s.append("? ");
        }
        return s.toString();
    }

    @Override
    public void close() {
        stop = true;
        thread.interrupt();
    }
}
