package io.nnviz.recording.diagnosis;

import io.nnviz.analysis.Curve;
import io.nnviz.analysis.doctor.TrainingRecord;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.run.Stamped;

import java.util.List;
import java.util.Objects;

/**
 * A run log as the doctor reads it ({@link TrainingRecord}): its series and histograms as they
 * are when read, and the number of classes its run names. The same whether the log is a
 * recorder's, live, or one read back from {@code run.json} or an event log.
 */
public final class RunRecord implements TrainingRecord {
    private final RunLog log;

    private RunRecord(RunLog log) {
        this.log = Objects.requireNonNull(log, "log");
    }

    /** The run {@code log}, for the doctor. */
    public static RunRecord of(RunLog log) {
        return new RunRecord(log);
    }

    @Override
    public List<String> stepSeriesNames() {
        return log.stepSeriesNames();
    }

    @Override
    public Curve stepSeries(String name) {
        return log.stepSeries(name);
    }

    @Override
    public List<String> epochSeriesNames() {
        return log.epochSeriesNames();
    }

    @Override
    public Curve epochSeries(String name) {
        return log.epochSeries(name);
    }

    @Override
    public List<String> histogramKeys() {
        return log.histogramKeys();
    }

    @Override
    public List<StepHistogram> histograms(String key) {
        return log.histograms(key).stream().map((Stamped<io.nnviz.api.Histogram> s) -> new StepHistogram(s.step(), s.value())).toList();
    }

    /** The number of class names the run was given ({@code RecorderBuilder.classNames}), else 0. */
    @Override
    public int classes() {
        return log.info().classNames().size();
    }

    @Override
    public long lastStep() {
        return log.lastStep();
    }
}
