package io.nnviz.recording;

import io.nnviz.analysis.Curve;
import io.nnviz.analysis.doctor.Doctor;
import io.nnviz.analysis.doctor.Finding;
import io.nnviz.analysis.doctor.Severity;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Tensor;
import io.nnviz.api.hook.LayerSelector;
import io.nnviz.recording.capture.CapturePolicy;
import io.nnviz.recording.capture.EmbeddingCapture;
import io.nnviz.recording.diagnosis.Diagnosis;
import io.nnviz.recording.format.RunEvents;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.sink.EventLogSink;
import io.nnviz.recording.sink.JsonSink;
import io.nnviz.recording.sink.RunSink;
import io.nnviz.recording.sink.TensorBoardSink;
import io.nnviz.recording.storage.RunStore;
import io.nnviz.recording.storage.RunStores;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Configures a {@link Recorder}: what it captures and how often, what it keeps, the run's name and
 * hyperparameters, and its sinks. Every setting has a default; {@link #build()} fixes them.
 *
 * <pre>{@code
 * Recorder rec = Recorder.builder()
 *         .histogramsEvery(20).gradients(true)
 *         .layers(LayerSelector.matching("conv.*|fc.*"))
 *         .probes(fourImages).probesEvery(200)
 *         .name("lenet-adam").hyperparameters(Map.of("lr", 1e-3, "batch", 32))
 *         .tensorBoard(Path.of("runs/lenet")).json(Path.of("runs/lenet/run.json"))
 *         .build();
 * }</pre>
 */
public final class RecorderBuilder {
    private final MutableRunLog resumed;
    private int histogramsEvery = 10, filtersEvery = 50, probesEvery = 100, maxPoints = 1000, bins = 30;
    private double budget = 0.005;
    private boolean gradients, updateRatios = true, initialWeights;
    private String runsRoot, runId, worker;
    private LayerSelector layers = LayerSelector.kinds(LayerKind.CONV, LayerKind.DENSE, LayerKind.OUTPUT, LayerKind.RECURRENT);
    private Tensor probes;
    private EmbeddingCapture embeddings;
    private List<String> classNames = List.of(), tags = List.of();
    private String name = defaultName();
    private Map<String, Object> hyperparameters = Map.of();
    private final List<RunSink> sinks = new ArrayList<>();
    private boolean built, diagnose = true;
    private Doctor doctor = Doctor.defaults();
    private Consumer<Finding> onFinding;
    private Severity stopOn;

    RecorderBuilder(MutableRunLog resumed) {
        this.resumed = resumed;
        if (resumed != null) {
            RunInfo i = resumed.info();
            name = i.name();
            hyperparameters = i.hyperparameters();
            tags = i.tags();
            classNames = i.classNames();
            maxPoints = resumed.maxPoints();
        }
    }

    private static int atLeast(String what, int n, int min) {
        if (n < min) {
            throw new IllegalArgumentException(what + " must be at least " + min + ", got " + n);
        }
        return n;
    }

    /** Weight (and gradient) histograms and update ratios every {@code n} steps (default 10). */
    public RecorderBuilder histogramsEvery(int n) {
        histogramsEvery = atLeast("histogramsEvery", n, 1);
        return this;
    }

    /** Also gradient histograms, where the backend supplies gradients (default off). */
    public RecorderBuilder gradients(boolean on) {
        gradients = on;
        return this;
    }

    /**
     * Keeps the selected layers' weights of the first step (a copy as large as those weights,
     * default off), so the report can show how far each layer moved since:
     * ||W - W_first|| / ||W_first|| on the architecture, and {@link Recorder#initialWeights()}
     * gives them for a {@code ModelDiff} of checkpoints of one run.
     */
    public RecorderBuilder keepInitialWeights(boolean on) {
        initialWeights = on;
        return this;
    }

    /** Update : parameter ratios (log10) with the histograms, where the backend sees updates (default on). */
    public RecorderBuilder updateRatios(boolean on) {
        updateRatios = on;
        return this;
    }

    /** A filter snapshot of the first convolution every {@code n} steps (default 50); first and latest are kept. */
    public RecorderBuilder filtersEvery(int n) {
        filtersEvery = atLeast("filtersEvery", n, 1);
        return this;
    }

    /** Which layers to record (default: conv, dense, recurrent and output layers). */
    public RecorderBuilder layers(LayerSelector selector) {
        layers = Objects.requireNonNull(selector, "selector");
        return this;
    }

    /**
     * Fixed probe inputs, a batch in the model's canonical input layout (images {@code NCHW},
     * sequences {@code [N, T, C]}); keep it small (one to four samples).
     */
    public RecorderBuilder probes(Tensor inputs) {
        Objects.requireNonNull(inputs, "inputs");
        if (inputs.rank() < 2 || inputs.shape().dim(0) < 1) {
            throw new IllegalArgumentException("probes must be a batch [N, ...] with N >= 1, got " + inputs.shape());
        }
        probes = inputs;
        return this;
    }

    /**
     * The embedding projector's set: labelled inputs (a batch in the canonical layout, a few hundred
     * samples) whose activations at the layer a classifier's representation is read (its last
     * dense layer before the output) are captured with the probes and drawn projected by PCA,
     * coloured by class.
     */
    public RecorderBuilder embeddings(Tensor inputs, int[] labels) {
        return embeddings(inputs, labels, null);
    }

    /** As {@link #embeddings(Tensor, int[])}, at layer {@code layerId} (null: the default). */
    public RecorderBuilder embeddings(Tensor inputs, int[] labels, String layerId) {
        embeddings = new EmbeddingCapture(inputs, Objects.requireNonNull(labels, "labels"), layerId);
        return this;
    }

    /** Probe activations every {@code n} steps (default 100). */
    public RecorderBuilder probesEvery(int n) {
        probesEvery = atLeast("probesEvery", n, 1);
        return this;
    }

    /** Points kept per series, and histograms kept per weight (half this); default 1000. */
    public RecorderBuilder maxPoints(int n) {
        if (resumed != null && n != resumed.maxPoints()) {
            throw new IllegalArgumentException("a resumed run keeps its maxPoints (" + resumed.maxPoints() + ")");
        }
        maxPoints = atLeast("maxPoints", n, 2);
        return this;
    }

    /**
     * The share of training time the recorder may take, as a fraction
     * (default 0.005: half a percent): it measures what its sampled captures (histograms, filters,
     * probes, with the backend's copies) cost, on their own step and on the two after it (caches the
     * copies evicted, the recorder's worker busy with them), nnviz's work on every step (the backend reading
     * the loss from the framework, the recorder logging it, the next step's request), and the CPU time of
     * the recorder's background worker as a share of all the machine's cores (each capture's statistics,
     * the doctor's checks: what a training using every core loses to it), and stretches
     * the capture intervals, by powers of two, while together they cost more; the report says
     * when it did. Where the work on every step alone is over the budget (a model whose steps take
     * a millisecond or two), the intervals stretch as far as they go. 0 keeps the intervals exactly
     * as configured.
     */
    public RecorderBuilder budget(double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("budget must be in [0, 1), got " + fraction);
        }
        budget = fraction;
        return this;
    }

    /**
     * Whether the training doctor diagnoses the run as it trains (default on): it captures, within
     * the same budget as the histograms, what its rules read (each layer's gradient RMS, dead and
     * saturated units from a few samples' activations, the share of the most predicted class, a
     * cheap NaN check every step until the first), as series every sink keeps, and runs its rules
     * at each histogram step and epoch end ({@link Recorder#findings()}, {@link #onFinding},
     * {@link #stopOn}). Off: none of that is captured and nothing is diagnosed live (a report
     * still diagnoses what the run has).
     */
    public RecorderBuilder diagnose(boolean on) {
        diagnose = on;
        return this;
    }

    /** The doctor that diagnoses the run: its rules and their thresholds (default {@link Doctor#defaults()}). */
    public RecorderBuilder doctor(Doctor d) {
        doctor = Objects.requireNonNull(d, "doctor");
        return this;
    }

    /**
     * Called once for each finding as the doctor first finds it while training runs (the same
     * finding, by rule and layers, is not repeated): on the recorder's background thread, or on the
     * training thread for a NaN loss. Keep it short; what it throws is logged.
     */
    public RecorderBuilder onFinding(Consumer<Finding> listener) {
        onFinding = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Stops training at the first finding of at least {@code severity} ({@code Severity.ERROR}: on
     * the first NaN or a diverged loss): the step after it is found, the framework's {@code fit}
     * throws {@link io.nnviz.api.hook.TrainingStoppedException} naming the finding (for a NaN loss,
     * the very step it appears). Default: never.
     */
    public RecorderBuilder stopOn(Severity severity) {
        stopOn = Objects.requireNonNull(severity, "severity");
        return this;
    }

    /** Histogram bins (default 30). */
    public RecorderBuilder bins(int n) {
        bins = atLeast("bins", n, 1);
        return this;
    }

    /** Names of the model's output classes, in order, for figure titles (default: class numbers). */
    public RecorderBuilder classNames(List<String> names) {
        classNames = List.copyOf(names);
        return this;
    }

    /**
     * The run's display name. By default the simple name of the application's main class (the
     * class whose {@code main} is running this thread, under {@code java} or Maven's
     * {@code exec:java} alike), else {@code "run"}.
     */
    public RecorderBuilder name(String runName) {
        name = Objects.requireNonNull(runName, "runName");
        return this;
    }

    /** The run's hyperparameters: strings, numbers, booleans (others are kept as text). */
    public RecorderBuilder hyperparameters(Map<String, ?> values) {
        hyperparameters = new LinkedHashMap<>(values);
        return this;
    }

    /** Free labels for the run. */
    public RecorderBuilder tags(String... labels) {
        tags = List.of(labels);
        return this;
    }

    /**
     * Also writes TensorBoard event files under {@code dir} ({@link TensorBoardSink}). A new run
     * replaces the event files an earlier nnviz run left there ({@link TensorBoardSink#replacing});
     * a resumed run appends to them. {@code sink(new TensorBoardSink(dir))} always appends.
     */
    public RecorderBuilder tensorBoard(Path dir) {
        return sink(resumed == null ? TensorBoardSink.replacing(dir) : new TensorBoardSink(dir));
    }

    /**
     * Stores the run in a directory of its own under {@code root}, {@code NAME-ID8/} (the run's name
     * made safe and the first 8 characters of its id): {@code events.jsonl}, the append-only log
     * of every value as it comes ({@link RunEvents}, {@link EventLogSink}: readable while written and after a crash),
     * {@code run.json} kept up to date at flushes, and TensorBoard's files in {@code tensorboard/}.
     * {@link Runs#open} reads every run of a root back for comparison; TensorBoard pointed at the
     * root overlays them.
     */
    public RecorderBuilder runsRoot(Path root) {
        return runsRoot(Objects.requireNonNull(root, "root").toString());
    }

    /**
     * {@link #runsRoot(Path)} on a root given as a local path or a URI: {@code hdfs://namenode:8020/runs},
     * {@code s3a://bucket/runs} and any other Hadoop file system with {@code io.nnviz:nnviz-hadoop}
     * on the class path ({@link RunStores}). A root that cannot be opened
     * fails {@link #build()}.
     */
    public RecorderBuilder runsRoot(String root) {
        this.runsRoot = Objects.requireNonNull(root, "root");
        return this;
    }

    /**
     * Makes this recorder one worker of a run several processes write (data-parallel training):
     * every worker builds its recorder with the same {@code runId} (and name), each with its own
     * {@code workerId} (letters, digits, {@code _}), and writes its own event log,
     * {@code events.WORKER.jsonl}, in the run's one directory; {@link Runs} merges the logs by
     * step (values several workers logged at one step averaged). Only a worker's event log and
     * TensorBoard file are written: the run has no {@code run.json} snapshot. Needs {@link #runsRoot}.
     */
    public RecorderBuilder worker(String runId, String workerId) {
        RunEvents.fileFor(Objects.requireNonNull(workerId, "workerId"));
        if (Objects.requireNonNull(runId, "runId").replaceAll("[^A-Za-z0-9]", "").isEmpty()) {
            throw new IllegalArgumentException("a run id needs letters or digits: " + runId);
        }
        this.runId = runId;
        this.worker = workerId;
        return this;
    }

    /** Also keeps {@code run.json} up to date at {@code file} ({@link JsonSink}). */
    public RecorderBuilder json(Path file) {
        return sink(new JsonSink(file));
    }

    /** Also sends the run to {@code sink}. */
    public RecorderBuilder sink(RunSink sink) {
        sinks.add(Objects.requireNonNull(sink, "sink"));
        return this;
    }

    /** The recorder. A builder builds once. */
    public Recorder build() {
        if (built) {
            throw new IllegalStateException("this builder already built a Recorder; a builder builds one");
        }
        built = true;
        MutableRunLog log = resumed;
        if (log == null) {
            RunInfo named = RunInfo.named(name);
            if (runId != null) {
                named = new RunInfo(runId, name, Map.of(), List.of(), named.started(), "", "", -1, List.of());
            }
            log = MutableRunLog.create(named.with(hyperparameters, tags, classNames), maxPoints);
        } else {
            log.info(new RunInfo(log.info().id(), name, hyperparameters, tags, log.info().started(), log.info().model(),
                    log.info().framework(), log.info().parameters(), classNames));
            log.reopen(); // a finished run resumed goes on
        }
        if (worker != null && runsRoot == null) {
            throw new IllegalStateException("worker(...) writes a shard of a run under a runs root: set runsRoot(...) too");
        }
        if (runsRoot != null) {
            try {
                addRunSinks(log);
            } catch (UncheckedIOException e) {
                // training must not stop because a disk is full or read-only: the run stays in memory (reports,
                // dashboards still work) and the failure is said once, where it is seen even without a logging binding
                String line = "nnviz: the run cannot be written under " + runsRoot + " (" + e.getMessage()
                        + "); it is recorded in memory only: reports and dashboards work, nothing reaches disk";
                log.note("storage", line.substring("nnviz: ".length()));
                Loud.once(line);
            }
        }
        if (!diagnose && (onFinding != null || stopOn != null)) {
            throw new IllegalStateException("onFinding and stopOn need the doctor: diagnose(false) turns it off");
        }
        Tensor p = probes != null ? probes : log.probeInputs().orElse(null);
        return new Recorder(new CapturePolicy(histogramsEvery, filtersEvery, probesEvery, bins, gradients, updateRatios, layers, p, budget,
                embeddings, initialWeights, diagnose), log, sinks, diagnose ? new Diagnosis(doctor, log.view(), onFinding, stopOn) : null);
    }

    /** {@link Recorder#resume(String, String)}: the run read as {@link Runs} reads it, written on under the same root. */
    static RecorderBuilder resuming(String root, String runDirectory) throws IOException {
        List<String> problems = new ArrayList<>();
        MutableRunLog log;
        try (RunStore store = RunStores.open(root)) {
            log = Runs.load(store, runDirectory, problems).orElseThrow(() -> new IOException(root + "/" + runDirectory
                    + ": no run to resume (" + String.join("; ", problems) + ")"));
        }
        if (!Runs.directoryName(log.info()).equals(runDirectory.substring(runDirectory.lastIndexOf('/') + 1))) {
            throw new IOException(runDirectory + ": holds run " + log.info().name() + " (" + log.info().id() + "), whose directory is "
                    + Runs.directoryName(log.info()) + "; resume it there");
        }
        return new RecorderBuilder(log).runsRoot(root.replaceAll("/+$", "") + (runDirectory.contains("/")
                ? "/" + runDirectory.substring(0, runDirectory.lastIndexOf('/')) : ""));
    }

    /** The sinks of a run under the runs root: its event log, run.json (unless a worker's shard) and TensorBoard files. */
    private void addRunSinks(MutableRunLog log) {
        RunStore store;
        try {
            store = RunStores.open(runsRoot);
        } catch (IOException e) {
            throw new UncheckedIOException("the runs root cannot be opened: " + e.getMessage(), e);
        }
        String dir = Runs.directoryName(log.info());
        try {
            sinks.add(new EventLogSink(store, dir + "/" + RunEvents.fileFor(worker), log));
        } catch (IOException | RuntimeException e) {
            try {
                store.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException("the run's event log cannot be written in " + store.location() + "/" + dir + ": "
                    + e.getMessage(), e instanceof IOException io ? io : new IOException(e));
        }
        if (worker == null) {
            sinks.add(new JsonSink(store, dir + "/" + Runs.RUN_FILE));
        }
        sinks.add(new TensorBoardSink(store, dir + "/tensorboard"));
        sinks.add(new RunSink() { // last: the store's connection outlives every file of the run
            @Override
            public void close(RunLog l) throws IOException {
                store.close();
            }
        });
    }

    /** Launchers whose {@code main} starts the application's rather than being it. */
    private static final List<String> LAUNCHERS = List.of("org.apache.maven.", "org.codehaus.", "org.junit.", "org.gradle.",
            "jdk.internal.", "sun.", "com.intellij.");

    /** The simple name of the outermost class whose {@code main} method is on this thread's stack, launchers aside, or "run". */
    static String defaultName() {
        return StackWalker.getInstance().walk(frames -> frames.filter(f -> f.getMethodName().equals("main"))
                        .map(StackWalker.StackFrame::getClassName).filter(c -> LAUNCHERS.stream().noneMatch(c::startsWith))
                        .reduce((inner, outer) -> outer))
                .map(c -> c.substring(c.lastIndexOf('.') + 1).replace('$', '.'))
                .filter(c -> !c.isBlank())
                .orElse("run");
    }
}
