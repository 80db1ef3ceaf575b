package io.nnviz.recording;

import io.nnviz.api.ModelView;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.TrainingEvent;
import io.nnviz.renderers.report.HtmlReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hook that records a training run into a {@link RunLog}: the loss and metrics every step, the
 * metrics of every epoch, weight histograms, filter snapshots and probe activations as its
 * {@link RecorderBuilder policy} says, and hands them to its {@link RunSink}s (TensorBoard,
 * {@code run.json}). Configured once with {@link #builder()}, immutable after {@code build()};
 * {@link #defaults()} is enough for a first report.
 *
 * <pre>{@code
 * Recorder rec = Recorder.builder().histogramsEvery(20).tensorBoard(Path.of("runs/cnn")).build();
 * try (Attachment a = NNViz.attach(network, rec)) { network.fit(data, 2); }
 * rec.epochScalar("validation/accuracy", 1, 0.87);        // your own values, any time
 * rec.addTo(HtmlReport.titled("cnn").model(model)).write(Path.of("report"));
 * }</pre>
 *
 * <h2>One run across attachments</h2>
 * Attach the same recorder again (the same network, a new DJL trainer, a new TensorFlow session)
 * and the run goes on: when a framework counts its steps from 1 again, the recorder continues from
 * its last global step, and epochs from the last ended epoch, so curves never go back. A run read
 * back from {@code run.json} continues the same way ({@link #resume(Path)}). Attach it to
 * one training loop at a time.
 *
 * <h2>The training thread</h2>
 * It does the least it can there: a series update per value, and on probe steps one small forward
 * pass. Histograms, images and every sink write go to one background thread behind a bounded
 * queue that drops (and counts, {@link #dropped()}) rather than stalls training.
 */
public final class Recorder implements Hook, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Recorder.class);

    private final RecorderBuilder.Policy policy;
    private final RunLog log;
    private final List<RunSink> sinks;
    private final Captures captures;
    private final Worker worker = new Worker("nnviz-recorder", 256);
    private final AtomicLong sinkErrors = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean(), warnedClosed = new AtomicBoolean();
    /** Closes a recorder nobody closed when the JVM exits, so what it was given still reaches its sinks; null without sinks. */
    private final Thread atExit;
    private final CaptureBudget budget;
    private final double sampledShare;
    private long requestedStep = -1;
    private int noted = 1;
    private volatile ModelView model;
    private boolean rebase = true;
    private long stepOffset;
    private int epochOffset;

    Recorder(RecorderBuilder.Policy policy, RunLog log, List<RunSink> sinks) {
        this.policy = policy;
        this.log = log;
        this.sinks = List.copyOf(sinks);
        this.captures = new Captures(policy, log, new Captures.Out() {
            @Override
            public void offer(Runnable task) {
                Recorder.this.offer(task);
            }

            @Override
            public void sinks(String what, Captures.SinkCall call) {
                Recorder.this.sinks(what, call);
            }

            @Override
            public boolean hasSinks() {
                return !Recorder.this.sinks.isEmpty();
            }
        });
        this.budget = new CaptureBudget(policy.budget());
        int sampled = 0;
        for (long g = 2; g <= 10_001; g++) { // the share of steps the configured intervals capture at
            sampled += g % policy.histogramsEvery() == 0 || g % policy.filtersEvery() == 0
                    || policy.probes() != null && g % policy.probesEvery() == 0 ? 1 : 0;
        }
        this.sampledShare = sampled / 10_000.0;
        if (policy.probes() != null) {
            log.probeInputs(policy.probes());
        }
        this.atExit = this.sinks.isEmpty() ? null : new Thread(this::closeAtExit, "nnviz-recorder-exit");
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
     * the intervals stretch where those captures would take more than half a percent of the
     * training time ({@link RecorderBuilder#budget}).
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
            budget.restart();
        }
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

    private boolean histogramStep(long g) {
        return g % ((long) policy.histogramsEvery() * budget.stretch()) == 0 || g == 1;
    }

    private boolean filterStep(long g) {
        return g % ((long) policy.filtersEvery() * budget.stretch()) == 0 || g == 1;
    }

    private boolean embeddingStep(long g) {
        return policy.embeddings() != null && (g % ((long) policy.probesEvery() * budget.stretch()) == 0 || g == 1);
    }

    private boolean probeStep(long g) {
        return policy.probes() != null && (g % ((long) policy.probesEvery() * budget.stretch()) == 0 || g == 1);
    }

    @Override
    public CaptureRequest request(long step, int epoch) {
        if (closed.get()) {
            return CaptureRequest.NONE;
        }
        long g = global(step, epoch);
        boolean hist = histogramStep(g);
        boolean first = policy.initialWeights() && log.initialWeights().isEmpty();
        if (!hist && !filterStep(g) && !first) {
            return CaptureRequest.NONE;
        }
        synchronized (this) {
            requestedStep = g;
        }
        CaptureRequest r = CaptureRequest.weights(policy.layers());
        if (hist && policy.gradients()) {
            r = r.withGradients();
        }
        return hist && policy.updateRatios() ? r.withUpdates() : r;
    }

    @Override
    public void onStepEnd(TrainingEvent e) {
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
        toSinks(s -> {
            s.scalar("loss", g, loss);
            for (Map.Entry<String, Double> m : metrics.entrySet()) {
                s.scalar(m.getKey(), g, m.getValue());
            }
        });
        boolean probes = probeStep(g) && model != null;
        if (probes) {
            captures.probes(model, g);
        }
        boolean embeds = embeddingStep(g) && model != null;
        if (embeds) {
            captures.embeddings(model, g);
        }
        probes |= embeds;
        if (histogramStep(g) && !e.snapshot().weights().isEmpty()) {
            captures.histograms(g, e.snapshot().gradients(), " (gradient)");
            captures.histograms(g, e.snapshot().weights(), "");
        }
        if (filterStep(g) && !e.snapshot().weights().isEmpty()) {
            captures.filters(g, e.snapshot().weights());
        }
        if (policy.initialWeights() && !e.snapshot().weights().isEmpty()) {
            log.initialWeights(g, e.snapshot().weights()); // kept once: the first
        }
        budgeted(g, probes);
    }

    /** Tells the budget how long this step took, from the end of the last one's callback, and notes a change of pace. */
    private synchronized void budgeted(long g, boolean probes) {
        budget.stepEnded(System.nanoTime(), probes || requestedStep == g, sampledShare);
        int s = budget.stretch();
        if (s != noted) {
            noted = s;
            log.note("sampling", String.format(java.util.Locale.ROOT, "From step %d, histograms every %d steps, filters every %d%s"
                            + " (the configured intervals x %d), to keep the recording within %.1f%% of the training time: its captures"
                            + " measured %.2f%% at the configured intervals.", g, policy.histogramsEvery() * s, policy.filtersEvery() * s,
                    policy.probes() == null ? "" : ", probes every " + policy.probesEvery() * s, s, budget.budget() * 100,
                    budget.share(sampledShare) * s * 100));
        }
    }

    /** The factor the budget stretches the configured capture intervals by now (1: as configured). */
    public int captureStretch() {
        return budget.stretch();
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
        toSinks(s -> {
            for (Map.Entry<String, Double> m : metrics.entrySet()) {
                s.epochScalar(m.getKey(), epoch, m.getValue());
            }
        });
        flushSinksLater();
    }

    @Override
    public void onTrainingEnd(TrainingEvent e) {
        if (!closed.get()) {
            captures.finalState(model, log.lastStep());
            flushSinksLater();
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
        toSinks(s -> s.scalar(name, step, value));
    }

    /** Records a value of your own at the run's latest step. */
    public void scalar(String name, double value) {
        scalar(name, log.lastStep(), value);
    }

    /**
     * Records a per-epoch value of your own at a zero-based epoch (the run's epochs, as
     * {@link io.nnviz.api.hook.TrainingEvent#epoch()} counts them; charts show it as epoch + 1).
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
        toSinks(s -> s.epochScalar(name, epoch, value));
    }

    // ---- sinks and the worker ------------------------------------------------------------------

    private void toSinks(Captures.SinkCall call) {
        if (!sinks.isEmpty()) {
            offer(() -> sinks("write", call));
        }
    }

    private void sinks(String what, Captures.SinkCall call) {
        for (RunSink s : sinks) {
            try {
                call.call(s);
            } catch (IOException | RuntimeException e) {
                long n = sinkErrors.incrementAndGet();
                if (n <= 5 || Long.bitCount(n) == 1) {
                    LOG.warn("nnviz recorder: sink {} failed to {} (error {}); the run goes on", s.getClass().getSimpleName(), what, n, e);
                }
            }
        }
    }

    private void offer(Runnable task) {
        if (!worker.offer(task)) {
            log.dropped(1);
        }
    }

    private void flushSinksLater() {
        if (!sinks.isEmpty()) {
            offer(() -> sinks("flush", s -> s.flush(log)));
        }
    }

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

    /** The run recorded so far: the read API of reports and dashboards. */
    public RunLog log() {
        return log;
    }

    /** The weights of the run's first capture, by layer id, if {@link RecorderBuilder#keepInitialWeights} asked for them. */
    public java.util.Optional<Stamped<Map<String, List<WeightTensor>>>> initialWeights() {
        return log.initialWeights();
    }

    /** The model the recorder was last attached to, if it was told. */
    public java.util.Optional<ModelView> model() {
        return java.util.Optional.ofNullable(model);
    }

    /**
     * Waits (at most a minute) until the background work queued so far is done and the sinks have
     * flushed. Recording goes on afterwards.
     */
    public void flush() {
        if (!closed.get()) {
            flushSinksLater();
        }
        if (!worker.drain(60)) {
            LOG.warn("nnviz recorder: background work still running after a minute; figures may miss the latest histograms");
        }
    }

    /**
     * Adds the run's figures to a report ({@link RunFigures}): the architecture and the trained
     * filters from the report's model ({@link HtmlReport#model(Model)}) or else the one the
     * recorder was attached to, the curves, histograms, filters and probes. Flushes first;
     * recording goes on.
     */
    public HtmlReport addTo(HtmlReport report) {
        flush();
        // the embedding as trained: captured now, on the caller's thread, if training went on after the latest capture
        ModelView m = model;
        if (policy.embeddings() != null && m != null && log.latestEmbedding().map(s -> s.step() < log.lastStep()).orElse(true)) {
            try {
                policy.embeddings().capture(m, log.lastStep(), log);
            } catch (RuntimeException ex) {
                LOG.warn("nnviz recorder: the embedding set could not be run through the model: {}", ex.getMessage());
            }
        }
        return RunFigures.addTo(report, log, report.model().orElse(model));
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
        return sinkErrors.get();
    }

    /** The sinks, in the order they are called. */
    public List<RunSink> sinks() {
        return sinks;
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
        if (!sinks.isEmpty()) {
            worker.offer(() -> sinks("close", s -> s.close(log)));
        }
        worker.close();
    }
}
