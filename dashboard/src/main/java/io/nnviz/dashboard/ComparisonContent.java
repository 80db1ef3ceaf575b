package io.nnviz.dashboard;

import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.view.RunComparison;
import io.nnviz.recording.view.RunFigures;

import java.util.List;
import java.util.function.Supplier;

/**
 * A comparison page's content ({@link LiveDashboard#showComparison}): {@link RunComparison}'s
 * table and figures of the runs the supplier gives at each look, versioned so that a figure is
 * drawn again only when a run is added, read again or logs more.
 */
final class ComparisonContent implements RunView.Content {
    private final String name;
    private final Supplier<List<RunLog>> runs;

    ComparisonContent(String name, Supplier<List<RunLog>> runs) {
        this.name = name;
        this.runs = runs;
    }

    @Override
    public RunLog counters() {
        RunLog latest = null;
        for (RunLog r : runs.get()) { // the counters follow the run that got furthest
            latest = latest == null || r.lastStep() > latest.lastStep() ? r : latest;
        }
        return latest != null ? latest : MutableRunLog.create(RunInfo.named(name), 2);
    }

    @Override
    public List<RunFigures.Entry> entries() {
        List<RunLog> all = runs.get();
        return RunComparison.of(all).entries(version(all));
    }

    /** Finished once every run compared is. */
    @Override
    public boolean finished() {
        List<RunLog> all = runs.get();
        return !all.isEmpty() && all.stream().allMatch(r -> r.finishedAt().isPresent());
    }

    @Override
    public RunComparison.Table table() {
        return RunComparison.of(runs.get()).table();
    }

    @Override
    public long tableVersion() {
        return version(runs.get());
    }

    /** Changes when a run is added, replaced (read again) or logs more. */
    static long version(List<RunLog> runs) {
        long v = runs.size();
        for (RunLog r : runs) {
            v = v * 1_000_003L + System.identityHashCode(r) * 31L + r.scalarVersion() + r.histogramVersion();
        }
        return v;
    }
}
