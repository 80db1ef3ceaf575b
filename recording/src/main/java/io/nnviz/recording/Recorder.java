package io.nnviz.recording;

import io.nnviz.analysis.doctor.Finding;
import io.nnviz.api.ModelView;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.MetricNames;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.TrainingEvent;
import io.nnviz.recording.capture.CapturePolicy;
import io.nnviz.recording.capture.Captures;
import io.nnviz.recording.diagnosis.Diagnosis;
import io.nnviz.recording.format.RunJson;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.run.Stamped;
import io.nnviz.recording.sink.RunSink;
import io.nnviz.recording.view.RunReport;
import io.nnviz.renderers.report.HtmlReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A hook that records a training run: the loss and metrics every step and the metrics of every
 * epoch into its {@link RunLog}, weight histograms, filter snapshots and probe activations as its
 * {@link RecorderBuilder policy} says ({@link Captures}), and the run to its {@link RunSink}s
 * (TensorBoard, {@code run.json}, the event log). Configured once with {@link #builder()},
 * immutable after {@code build()}; {@link #defaults()} is enough for a first report. Its
 * {@link #log()} is read-only: only the recorder writes its run.
 *
 * <pre>{@code
 * Recorder rec = Recorder.builder().histogramsEvery(20).tensorBoard(Path.of("runs/cnn")).build();
 * try (Attachment a = NNViz.attach(network, rec)) { network.fit(data, 2); }
 * rec.epochScalar("validation/accuracy", 1, 0.87);        // your own values, any time
 * rec.addTo(HtmlReport.titled("cnn").model(model)).write(Path.of("report")); // RunReport's figures
 * }</pre>
 *
 * <h2>One run across attachments</h2>
 * Attach the same recorder again (the same network, a new DJL trainer, a new TensorFlow session)
 * and the run goes on: when a framework counts its steps from 1 again, the recorder continues from
 * its last global step, and epochs from the last ended epoch, so curves never go back. A run read
 * back from {@code run.json} continues the same way ({@link #resume(Path)}). Attach it to
 * one training loop at a time.
 *
 * <h2>The training doctor</h2>
 * Unless {@link RecorderBuilder#diagnose} turns it off, the recorder also keeps what the doctor's
 * rules read and runs them as the run goes ({@code io.nnviz.analysis.doctor}): {@link #findings()}
 * gives what they find, {@link RecorderBuilder#onFinding} hears each finding once, and
 * {@link RecorderBuilder#stopOn} stops training at the first finding of a severity (through
 * {@link #stopReason()}); the report leads with them.
 *
 * <h2>The training thread</h2>
 * It does the least it can there: a series update per value, and on probe steps one small forward
 * pass. Histograms, images and every sink write go to one background thread behind a bounded
 * queue that drops (and counts, {@link #dropped()}) rather than stalls training.
 */
public final class Recorder implements Hook, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Recorder.class);

    private final MutableRunLog log;
    private final Sinks sinks;
    private final Captures captures;
    /** The doctor at work on the run, or null when it is off. */
    private final Diagnosis diagnosis;
    /** Whether the first non-finite step was diagnosed on the training thread already. */
    private volatile boolean nonFiniteChecked;
    private final AtomicBoolean closed = new AtomicBoolean(), warnedClosed = new AtomicBoolean();
    /** Closes a recorder nobody closed when the JVM exits, so what it was given still reaches its sinks; null without sinks. */
    private final Thread atExit;
    private volatile ModelView model;
    private boolean rebase = true;
    private long stepOffset;
    private int epochOffset;

    Recorder(CapturePolicy policy, MutableRunLog log, List<RunSink> sinks, Diagnosis diagnosis) {
        this.log = log;
        this.sinks = new Sinks(sinks, log);
        this.captures = new Captures(policy, log, this.sinks);
        this.diagnosis = diagnosis;
        this.atExit = sinks.isEmpty() ? null : new Thread(this::closeAtExit, "nnviz-recorder-exit");
        if (atExit != null) {
            try {
                Runtime.getRuntime().addShutdownHook(atExit);
            } catch (IllegalStateException e) { // built while the JVM is already shutting down: close() is all there is
                LOG.debug("nnviz recorder: no exit hook, the JVM is shutting down");
            }
        }
    }

    private void closeAtExit() {
        if (!closed.get()) {
            LOG.info("nnviz recorder: run '{}' closed at JVM exit (close() was not called); its values are written", log.info().name());
            close();
        }
    }

    /**
     * Loss every step, weight histograms (30 bins) and update ratios of conv, dense, recurrent and
     * output layers every 10 steps, filters every 50, at most 1000 points a series, no probes;
     * the intervals stretch where those captures and nnviz's work on every step would take more
     * than half a percent of the training time ({@link RecorderBuilder#budget}).
     */
    public static Recorder defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static RecorderBuilder builder() {
        return new RecorderBuilder(null);
    }

    /**
     * A builder that continues the run saved in {@code runJson} ({@link RunJson}): its series,
     * histograms and snapshots, its run id, and its global step and epoch.
     *
     * @throws IOException if the file cannot be read
     */
    public static RecorderBuilder resume(Path runJson) throws IOException {
        return new RecorderBuilder(RunJson.read(runJson));
    }

    /**
     * A builder that continues the run in {@code runDirectory} of the runs root {@code root} (a
     * path or a URI, {@code hdfs://...}), read as {@link Runs} reads it (its run.json or its event
     * logs, whichever reaches later), and writes on into the same directory (the event log
     * appended to where the store can, else a new segment).
     *
     * @throws IOException if the root cannot be opened or the run cannot be read
     */
    public static RecorderBuilder resume(String root, String runDirectory) throws IOException {
        return RecorderBuilder.resuming(root, runDirectory);
    }

    // ---- the hook ------------------------------------------------------------------------------

    @Override
    public void onAttach(ModelView m) {
        synchronized (this) {
            rebase = true;
        }
        captures.attached();
        if (m != null) {
            model = m;
            log.info(log.info().withModel(m.name(), m.framework(), m.parameterCount()));
        }
    }

    /**
     * The global step of a step the framework numbers {@code local}. The first step after an attach
     * decides: a framework that counts on (DL4J keeps its iteration count) is taken as it is; one that
     * starts again at 1 is moved after the run's last step, and its epochs after the last ended one.
     */
    private synchronized long global(long local, int localEpoch) {
        if (rebase) {
            rebase = false;
            long last = log.lastStep();
            if (local <= last) {
                stepOffset = last - local + 1;
                epochOffset = Math.max(0, log.epochsEnded() - localEpoch);
            } else {
                stepOffset = 0;
                epochOffset = 0;
            }
        }
        return local + stepOffset;
    }

    private synchronized int globalEpoch(int local) {
        return local + epochOffset;
    }

    @Override
    public CaptureRequest request(long step, int epoch) {
        if (closed.get()) {
            return CaptureRequest.NONE;
        }
        return captures.request(global(step, epoch));
    }

    @Override
    public void onStepEnd(TrainingEvent e) {
        long started = System.nanoTime();
        if (trainingAfterClose(e)) {
            return;
        }
        long g = global(e.step(), e.epoch());
        log.advance(g, globalEpoch(e.epoch()));
        log.wallClock(System.currentTimeMillis());
        log.scalar("loss", g, e.loss());
        e.metrics().forEach((k, v) -> log.scalar(k, g, v));
        double loss = e.loss();
        Map<String, Double> metrics = e.metrics();
        sinks.write(s -> {
            s.scalar("loss", g, loss);
            for (Map.Entry<String, Double> m : metrics.entrySet()) {
                s.scalar(m.getKey(), g, m.getValue());
            }
        });
        captures.stepMetrics(metrics);
        captures.stepEnded(g, model, e.snapshot(), started, e.nnvizNanos());
        if (diagnosis != null) {
            boolean nonFinite = !Double.isFinite(loss) || MetricNames.hasNonFiniteCounts(metrics);
            if (nonFinite && !nonFiniteChecked) {
                nonFiniteChecked = true;
                diagnosis.check(); // now, on the training thread: a stop policy stops at this very step
            } else { // queued after the step's statistics, which the worker computes first
                diagnosis.pace(started, captures.histogramStep(g), sinks::offer);
            }
        }
    }

    /** Why training should stop (a stop policy met a finding), or null: asked after every step. */
    @Override
    public String stopReason() {
        return diagnosis == null ? null : diagnosis.stopReason();
    }

    /**
     * The doctor's findings on the run as recorded so far, most severe first: diagnosed now, once
     * the background work queued so far is done (empty when {@link RecorderBuilder#diagnose} is off).
     */
    public List<Finding> findings() {
        if (diagnosis == null) {
            return List.of();
        }
        sinks.drain(60);
        return diagnosis.check();
    }

    /**
     * The findings of the doctor's latest check, without checking now: cheap, for a page that polls
     * (the live dashboard's banner); the recorder checks at a NaN loss, and otherwise as often as keeps the
     * doctor to a thousandth of the time: soon after new statistics, else about once a second.
     */
    public List<Finding> latestFindings() {
        return diagnosis == null ? List.of() : diagnosis.findings();
    }

    /** The factor the budget stretches the configured capture intervals by now (1: as configured). */
    public int captureStretch() {
        return captures.stretch();
    }

    @Override
    public void onEpochEnd(TrainingEvent e) {
        if (trainingAfterClose(e)) {
            return;
        }
        int epoch = globalEpoch(e.epoch());
        Map<String, Double> metrics = e.metrics();
        metrics.forEach((k, v) -> log.epochScalar(k, epoch, v));
        log.epochEnded(epoch);
        sinks.write(s -> {
            for (Map.Entry<String, Double> m : metrics.entrySet()) {
                s.epochScalar(m.getKey(), epoch, m.getValue());
            }
        });
        if (diagnosis != null) {
            diagnosis.pace(System.nanoTime(), true, sinks::offer);
        }
        sinks.flushLater();
    }

    @Override
    public void onTrainingEnd(TrainingEvent e) {
        if (!closed.get()) {
            captures.finalState(model, log.lastStep());
            if (diagnosis != null) {
                diagnosis.queueCheck(sinks::offer);
            }
            sinks.flushLater();
        }
    }

    // ---- your own values -----------------------------------------------------------------------

    /**
     * Records a value of your own at a global step (for example {@code "validation/loss"}); goes to every sink.
     *
     * @throws IllegalStateException if the recorder is closed: the value could reach no sink
     */
    public void scalar(String name, long step, double value) {
        Objects.requireNonNull(name, "name");
        requireOpen(name);
        log.scalar(name, step, value);
        sinks.write(s -> s.scalar(name, step, value));
    }

    /** Records a value of your own at the run's latest step. */
    public void scalar(String name, double value) {
        scalar(name, log.lastStep(), value);
    }

    /**
     * Records a per-epoch value of your own at a zero-based epoch (the run's epochs, as
     * {@link TrainingEvent#epoch()} counts them; charts show it as epoch + 1).
     *
     * @throws IllegalStateException if the recorder is closed: the value could reach no sink
     */
    public void epochScalar(String name, int epoch, double value) {
        Objects.requireNonNull(name, "name");
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        requireOpen(name);
        log.epochScalar(name, epoch, value);
        sinks.write(s -> s.epochScalar(name, epoch, value));
    }

    // ---- closed ------------------------------------------------------------------------------

    /**
     * The framework still calling after close(): a hook never breaks training, so this is said
     * once, as a warning naming the step, rather than thrown.
     */
    private boolean trainingAfterClose(TrainingEvent e) {
        if (!closed.get()) {
            return false;
        }
        if (warnedClosed.compareAndSet(false, true)) {
            LOG.warn("nnviz recorder: training went on after the recorder was closed; step {} and later are not recorded "
                    + "(close the Attachment before the Recorder, or resume the run)", e.step());
        }
        return true;
    }

    /** Your own values after close() would reach no sink: that is an error at the call, never a silent loss. */
    private void requireOpen(String name) {
        if (closed.get()) {
            throw new IllegalStateException("nnviz recorder: '" + name + "' was logged after close(), so it could reach no sink; "
                    + "log values before closing the recorder (closing an Attachment does not close it), or resume the run to go on");
        }
    }

    // ---- the run -------------------------------------------------------------------------------

    /** The run recorded so far, read-only: what reports and dashboards read, while it goes on changing. */
    public RunLog log() {
        return log.view();
    }

    /** The weights of the run's first capture, by layer id, if {@link RecorderBuilder#keepInitialWeights} asked for them. */
    public Optional<Stamped<Map<String, List<WeightTensor>>>> initialWeights() {
        return log.initialWeights();
    }

    /** The model the recorder was last attached to, if it was told. */
    public Optional<ModelView> model() {
        return Optional.ofNullable(model);
    }

    /**
     * Waits (at most a minute) until the background work queued so far is done and the sinks have
     * flushed. Recording goes on afterwards.
     */
    public void flush() {
        if (!closed.get()) {
            sinks.flushLater();
        }
        if (!sinks.drain(60)) {
            LOG.warn("nnviz recorder: background work still running after a minute; figures may miss the latest histograms");
        }
    }

    /**
     * Adds the run to a report ({@link RunReport}): the architecture and the trained filters of the
     * report's model ({@link HtmlReport#model(ModelView)}) or else of the one the recorder was
     * attached to, the curves, histograms, filters, probes and embedding (captured again now if
     * training went on after the latest capture). Flushes first; recording goes on.
     *
     * @return {@code report}
     */
    public HtmlReport addTo(HtmlReport report) {
        flush();
        ModelView m = model;
        captures.embeddingAsTrained(m);
        RunReport r = RunReport.of(log.view(), m);
        return (diagnosis == null ? r : r.doctor(diagnosis.doctor())).addTo(report);
    }

    /** Writes the run as {@code run.json} ({@link RunJson}); flushes first; recording goes on. */
    public void writeJson(Path file) throws IOException {
        flush();
        RunJson.write(log, file);
    }

    /** Background work dropped because training outran the background thread. */
    public long dropped() {
        return log.dropped();
    }

    /** Sink calls that failed (for example a full disk); the run went on without them. */
    public long sinkErrors() {
        return sinks.errors();
    }

    /** The sinks, in the order they are called. */
    public List<RunSink> sinks() {
        return sinks.list();
    }

    /**
     * Ends the recording: finishes the background work, closes the sinks. Idempotent. A recorder
     * with sinks that is never closed is closed when the JVM exits normally, so nothing given to it
     * is lost; values logged after {@code close()} throw.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (atExit != null && Thread.currentThread() != atExit) {
            try {
                Runtime.getRuntime().removeShutdownHook(atExit);
            } catch (IllegalStateException e) { // the JVM is shutting down: the hook may run, and finds the recorder closed
                LOG.debug("nnviz recorder: closed during JVM shutdown");
            }
        }
        log.finish(System.currentTimeMillis()); // before the sinks close: their last write (run.json, the event log's end) says so
        sinks.close();
    }
}
