package io.nnviz.backend.tensorflow;

import io.nnviz.api.Layer;
import io.nnviz.api.NnvizException;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.Snapshot;
import io.nnviz.api.hook.TrainingEvent;
import io.nnviz.api.spi.DeferredCopies;
import io.nnviz.api.spi.HookDispatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Hooks for a hand-written TensorFlow training loop. TensorFlow Java has no trainer to listen to,
 * so each step asks for a {@link Step}, whose runner already fetches the loss and whatever the
 * hooks asked for at that step; you add your feeds, targets and fetches, run, and hand the result
 * back. Sampled steps cost a few small fetches; the others cost nothing but the loss.
 *
 * <pre>{@code
 * TfModel model = (TfModel) NNViz.inspect(TfGraph.of(graph, session).input("images").output("logits"));
 * try (TfTraining training = TfTraining.attach(model, "loss", recorder)) {
 *     for (int epoch = 0; epoch < epochs; epoch++) {
 *         for (Batch b : batches) {
 *             TfTraining.Step step = training.step();
 *             try (TFloat32 x = images(b); TFloat32 y = labels(b);
 *                  Result r = step.runner().feed("images", x).feed("labels", y).addTarget("train").run()) {
 *                 step.done(r);          // copies what it needs; r is still yours to close
 *             }
 *         }
 *         training.epochEnd();
 *     }
 * }
 * }</pre>
 * Weights a hook asks for are the weights after the step's update: a short run of nnviz's own after
 * yours has TensorFlow copy them, and they are copied into Java (and put in canonical layout) when a
 * hook first reads them, usually on its own background thread. Activations and inputs are cut to
 * the samples asked for, and made NCHW, by TensorFlow in your run.
 * The loss costs no fetch on most steps: the step's own run writes it into a small ring variable
 * under {@code nnviz/}, read when a later step fetches anyway (one a hook asked something of) or at
 * least every 32 steps, and by {@link #epochEnd()} and {@link #close()}. Hooks get every step, in
 * order, a few steps late on those steps; a step whose hooks asked for more is delivered at once.
 * Run each step's runner once: the ring counts runs.
 * Your own fetches come after {@link Step#fetchCount()} in the result (0 on most steps). Nothing here throws into
 * your loop once the step has started: failures are logged and the step goes on without its
 * capture.
 */
public final class TfTraining implements Attachment {
    private static final Logger LOG = LoggerFactory.getLogger(TfTraining.class);

    private final TfModel model;
    private final Output<?> loss;
    private final HookDispatcher dispatcher;
    private long step;
    private int epoch;
    private double lastLoss = Double.NaN;
    private Map<String, Output<?>> weightGradients;
    /**
     * The loss ring: TensorFlow writes each step's loss into a small variable in the step's own run
     * (a target, no fetch), and nnviz reads the ring when a step fetches anyway or every
     * {@link #RING} steps; null if it could not be built (then every step fetches its loss).
     */
    private final LossRing ring;
    /** Steps run whose losses are in the ring and not delivered yet: {step, ring slot}, oldest first. */
    private final java.util.ArrayDeque<long[]> pending = new java.util.ArrayDeque<>();
    /** Ring writes so far: the next step's slot is this modulo {@link #RING}. */
    private long ringWrites;

    /** Steps a loss ring holds; a step fetches at least this often. */
    static final int RING = 32;

    private TfTraining(TfModel model, Output<?> loss, List<Hook> hooks, LossRing ring) {
        this.model = model;
        this.loss = loss;
        this.dispatcher = new HookDispatcher(model, hooks, () -> { });
        this.ring = ring;
    }

    /** The ring's graph parts, under nnviz/: the variable, the per-step update target. */
    record LossRing(Output<?> values, GraphOperation update) {
        @SuppressWarnings({"unchecked", "rawtypes"})
        static LossRing build(TfModel model, Output<?> loss) {
            org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(model.graph()).withSubScope("nnviz");
            var values = tf.withName("loss_ring").variable(org.tensorflow.ndarray.Shape.of(RING), org.tensorflow.types.TFloat32.class);
            var count = tf.withName("loss_count").variable(org.tensorflow.ndarray.Shape.scalar(), org.tensorflow.types.TInt64.class);
            var initValues = tf.assign(values, tf.zeros(tf.constant(new long[] {RING}), org.tensorflow.types.TFloat32.class));
            var initCount = tf.assign(count, tf.constant(0L));
            var index = tf.reshape(tf.math.floorMod(count, tf.constant((long) RING)), tf.constant(new int[] {1}));
            var value = tf.reshape(tf.dtypes.cast((org.tensorflow.Operand) loss, org.tensorflow.types.TFloat32.class), tf.constant(new int[] {1}));
            var write = tf.scatterUpdate(values, index, value);
            var next = tf.withControlDependencies(List.of(write)).withName("loss_ring_update").assignAdd(count, tf.constant(1L));
            model.session().runner().addTarget(initValues).addTarget(initCount).run().close();
            return new LossRing(values.asOutput(), (GraphOperation) next.op());
        }
    }

    /** Attaches hooks to a training loop on {@code model}'s session; {@code lossOp} names the scalar loss. */
    public static TfTraining attach(TfModel model, String lossOp, Hook... hooks) {
        Objects.requireNonNull(model, "model");
        GraphOperation op = model.graph().operation(Objects.requireNonNull(lossOp, "lossOp"));
        if (op == null) {
            throw new io.nnviz.api.InvalidInputException("the graph has no operation named '" + lossOp + "' (the loss)");
        }
        model.inputEcho(); // graph changes make TensorFlow re-plan the next run: do them now, not mid-training
        LossRing ring = null;
        try {
            ring = LossRing.build(model, op.output(0));
        } catch (RuntimeException e) {
            LOG.warn("nnviz: no in-graph loss ring ({}); every step fetches its loss", e.toString());
        }
        TfTraining t = new TfTraining(model, op.output(0), List.of(hooks), ring);
        for (GraphReader.Group g : model.layerGroups().values()) {
            g.weights.forEach(t::deepCopy);
        }
        return t;
    }

    /** Starts the next step (steps count from 1). */
    public Step step() {
        step++;
        CaptureRequest r = dispatcher.request(step, epoch);
        return new Step(step, r);
    }

    /** Ends an epoch; hooks get {@code onEpochEnd}. */
    public void epochEnd() {
        flush();
        dispatcher.epochEnd(TrainingEvent.of(step, epoch, lastLoss));
        epoch++;
    }

    /** One training step: fetches added to a runner, then read back from its result. */
    public final class Step {
        private final long number;
        private final CaptureRequest request;
        private final List<String> activationIds = new ArrayList<>();
        private final List<String> gradientIds = new ArrayList<>();
        private int fetches;
        /** The sampled input fetch, if activations or outputs were asked for; then one fetch per id in activationIds. */
        private TfModel.SampledFetch inputFetch;
        private final List<TfModel.SampledFetch> activationFetches = new ArrayList<>();
        /** This step fetches its loss (and the ring of the steps before it); else the loss only goes to the ring. */
        private boolean direct;
        private boolean ringFetched;
        private long slot = -1;
        private Session.Runner runner;

        private Step(long number, CaptureRequest request) {
            this.number = number;
            this.request = request;
        }

        /** The step number. */
        public long number() {
            return number;
        }

        /** What the hooks asked for at this step. */
        public CaptureRequest request() {
            return request;
        }

        /** A runner of the model's session that already fetches the loss and the sampled values. */
        public Session.Runner runner() {
            if (runner != null) {
                return runner;
            }
            runner = model.session().runner(); // what the loop would make itself: not nnviz's time
            long t0 = System.nanoTime();
            // fetch directly when a hook wants activations, outputs or gradients, or before the ring could wrap onto an
            // undelivered step; weights are copied by nnviz's own run after the step (see done), so they need no fetch here
            direct = ring == null || request.activations() || request.outputs() || request.gradients() || pending.size() >= RING - 1;
            if (ring != null) {
                slot = ringWrites++ % RING;
                runner.addTarget(ring.update());
            }
            if (!direct) {
                dispatcher.addTimeInNnviz(System.nanoTime() - t0);
                return runner;
            }
            runner.fetch(loss);
            fetches = 1;
            if (!pending.isEmpty()) {
                runner.fetch(ring.values()); // the steps since the last delivery (this step's own slot is not read)
                fetches++;
                ringFetched = true;
            }
            try {
                if (request.activations() || request.outputs()) {
                    // the first samples of the batch and of each wanted layer's output, cut (and made NCHW) by TensorFlow
                    int samples = Math.max(1, request.maxSamples());
                    inputFetch = model.sampled(model.inputEcho(), samples); // a fed tensor cannot be fetched: through an Identity
                    runner.fetch(inputFetch.output());
                    fetches++;
                    List<Output<?>> seen = new ArrayList<>();
                    for (Layer l : model.layers()) {
                        boolean wanted = request.activations() && request.layers().test(l)
                                || request.outputs() && l.id().equals(lastLayerId());
                        if (!wanted || l.id().equals(model.inputOp().name())) {
                            continue;
                        }
                        Output<?> o = model.group(l.id()).output;
                        if (!seen.contains(o)) {
                            seen.add(o);
                            TfModel.SampledFetch f = model.sampled(o, samples);
                            runner.fetch(f.output());
                            fetches++;
                            activationIds.add(l.id());
                            activationFetches.add(f);
                        }
                    }
                }
                if (request.gradients()) {
                    for (Map.Entry<String, Output<?>> e : weightGradients().entrySet()) {
                        String layer = e.getKey().substring(0, e.getKey().indexOf('\n'));
                        Layer l = model.layer(layer).orElse(null);
                        if (l != null && request.layers().test(l)) {
                            runner.fetch(e.getValue());
                            fetches++;
                            gradientIds.add(e.getKey());
                        }
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("nnviz: could not add the sampled fetches of step {}; it captures only the loss", number, e);
            } finally {
                dispatcher.addTimeInNnviz(System.nanoTime() - t0);
            }
            return runner;
        }

        /** How many fetches nnviz added; yours start at this index in the result. */
        public int fetchCount() {
            return fetches;
        }

        /** Reads the loss and captures from the result of running {@link #runner()}, and delivers the step. */
        public void done(Result result) {
            long t0 = System.nanoTime();
            if (runner == null) { // done() without runner(): nothing of nnviz's ran; the steps before go first
                flush();
                lastLoss = Double.NaN;
                dispatcher.stepEnd(new TrainingEvent(number, epoch, Double.NaN, Map.of(), Snapshot.EMPTY));
                return;
            }
            if (!direct && !request.weights()) {
                pending.add(new long[] {number, slot});
                dispatcher.addTimeInNnviz(System.nanoTime() - t0);
                return; // delivered when a later step, epochEnd() or close() reads the ring
            }
            double lossValue = Double.NaN;
            Snapshot snap = Snapshot.EMPTY;
            float[] earlier = null;
            Map<String, List<WeightTensor>> weights = Map.of();
            try {
                if (request.weights()) {
                    // this step's own loss is in the ring (not direct) or in the result (direct)
                    WeightCopy copy = copyWeights(request.layers(), !direct);
                    weights = copy.weights();
                    if (!direct) { // the ring, read after this step's run, holds its loss too
                        earlier = copy.losses();
                        lossValue = earlier == null ? Double.NaN : earlier[(int) slot];
                    }
                }
                if (direct) {
                    lossValue = scalar(result.get(0));
                    if (ringFetched) {
                        earlier = Tf.floats(result.get(1));
                    }
                }
                if (!request.isEmpty()) {
                    snap = direct ? capture(result, weights) : new Snapshot(weights, Map.of(), Map.of(), null, null, null);
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("nnviz: could not read step {}'s captures; the step goes on without them", number, e);
            }
            deliverPending(earlier); // the steps before go out first (without a loss if the ring could not be read)
            lastLoss = lossValue;
            dispatcher.addTimeInNnviz(System.nanoTime() - t0);
            try {
                dispatcher.stepEnd(new TrainingEvent(number, epoch, lossValue, Map.of(), snap));
            } catch (NnvizException e) {
                throw e; // strict mode only
            }
        }

        private Snapshot capture(Result result, Map<String, List<WeightTensor>> weights) {
            int k = ringFetched ? 2 : 1;
            Tensor inputs = null;
            Map<String, Tensor> acts = new LinkedHashMap<>();
            Tensor outputs = null;
            if (inputFetch != null) {
                inputs = TfModel.canonical(result.get(k++), inputFetch);
                for (int i = 0; i < activationIds.size(); i++) {
                    String id = activationIds.get(i);
                    Tensor a = TfModel.canonical(result.get(k++), activationFetches.get(i));
                    if (request.outputs() && id.equals(lastLayerId())) {
                        outputs = a;
                    }
                    Layer l = model.layer(id).orElseThrow();
                    if (request.activations() && request.layers().test(l)) {
                        acts.put(id, a);
                    }
                }
            }
            Map<String, List<WeightTensor>> grads = new LinkedHashMap<>();
            for (String key : gradientIds) {
                String layer = key.substring(0, key.indexOf('\n'));
                String weight = key.substring(key.indexOf('\n') + 1);
                GraphReader.Weight w = model.group(layer).weights.stream().filter(x -> x.name().equals(weight)).findFirst().orElseThrow();
                grads.computeIfAbsent(layer, x -> new ArrayList<>())
                        .add(WeightTensor.of(layer, w.name(), w.role(), w.toCanonical().apply(Tf.copy(result.get(k++)))));
            }
            return new Snapshot(weights, grads, acts, inputs, null, outputs);
        }
    }

    private String lastLayerId() {
        return model.layers().get(model.layers().size() - 1).id();
    }

    /**
     * Per weight, what nnviz's run fetches for a copy of it: a {@code DeepCopy} under {@code nnviz/weight_copy}, made
     * at attach, for reference variables (a fetch of one would alias the buffer the next step updates in place); the
     * weight itself for resource variables (TensorFlow reads them copy-on-write) and constants.
     */
    private final Map<GraphReader.Weight, Output<?>> deepCopies = new java.util.HashMap<>();
    /** The last sampled step's weights, made to exist before the next are taken (if no hook has read them). */
    private DeferredCopies lastCopies;

    /** The runners of {@link #copyWeights} by the weights they copy, without and with the ring: a runner can run again. */
    private final Map<List<Map.Entry<String, GraphReader.Weight>>, Session.Runner[]> copyRunners = new java.util.HashMap<>();

    /** A sampled step's weights by layer, and the loss ring's values if they were asked for. */
    private record WeightCopy(Map<String, List<WeightTensor>> weights, float[] losses) {
    }

    /**
     * Reads a sampled step's weights (and, when asked, the loss ring) in a run of nnviz's own after the step's run,
     * so they are the weights after its update. TensorFlow copies each weight ({@code DeepCopy}, its own kernel, while
     * the values are hot) into tensors this run's result holds; the copies into Java arrays, the expensive part (fresh
     * memory, read from another core), happen when a hook first reads each tensor ({@link DeferredCopies}).
     */
    private WeightCopy copyWeights(io.nnviz.api.hook.LayerSelector selector, boolean readRing) {
        if (lastCopies != null) {
            lastCopies.loadAll(); // nothing to do unless a hook kept the last ones unread
            lastCopies = null;
        }
        List<Map.Entry<String, GraphReader.Weight>> ws = weightsOf(selector);
        if (copyRunners.size() >= 16 && !copyRunners.containsKey(ws)) { // hooks that pick ever new weight sets: do not grow
            copyRunners.clear();
        }
        Session.Runner[] forWeights = copyRunners.computeIfAbsent(ws, x -> new Session.Runner[2]);
        Session.Runner r = forWeights[readRing ? 1 : 0];
        if (r == null) {
            r = model.session().runner();
            if (readRing) {
                r.fetch(ring.values());
            }
            for (Map.Entry<String, GraphReader.Weight> e : ws) {
                r.fetch(deepCopy(e.getValue()));
            }
            forWeights[readRing ? 1 : 0] = r;
        }
        Result result = r.run();
        DeferredCopies copies = new DeferredCopies(result::close);
        try {
            int k = 0;
            float[] losses = readRing ? Tf.floats(result.get(k++)) : null;
            Map<String, List<WeightTensor>> weights = new LinkedHashMap<>();
            for (Map.Entry<String, GraphReader.Weight> e : ws) {
                GraphReader.Weight w = e.getValue();
                org.tensorflow.Tensor copy = result.get(k++);
                Tensor values = copies.add(Tf.shape(copy.shape()), () -> Tf.floats(copy));
                Tensor canonical = w.perm() != null ? values.permuteLater(w.perm()) : w.toCanonical().apply(values);
                weights.computeIfAbsent(e.getKey(), x -> new ArrayList<>()).add(WeightTensor.of(e.getKey(), w.name(), w.role(), canonical));
            }
            lastCopies = copies;
            return new WeightCopy(weights, losses);
        } catch (RuntimeException | LinkageError e) {
            copies.close();
            throw e;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Output<?> deepCopy(GraphReader.Weight w) {
        return deepCopies.computeIfAbsent(w, x -> !x.source().type().startsWith("Variable") ? x.source().output(0)
                : org.tensorflow.op.Ops.create(model.graph()).withSubScope("nnviz").withSubScope("weight_copy")
                        .deepCopy((org.tensorflow.Operand) x.source().output(0)).asOutput());
    }

    /** The weights a layer selector picks, worked out once per selector (hooks keep theirs). */
    private final Map<io.nnviz.api.hook.LayerSelector, List<Map.Entry<String, GraphReader.Weight>>> weightsBySelector =
            new java.util.IdentityHashMap<>();

    private List<Map.Entry<String, GraphReader.Weight>> weightsOf(io.nnviz.api.hook.LayerSelector selector) {
        List<Map.Entry<String, GraphReader.Weight>> ws = weightsBySelector.get(selector);
        if (ws == null) {
            ws = new ArrayList<>();
            for (Layer l : model.layers()) {
                if (l.weights().isEmpty() || !selector.test(l)) {
                    continue;
                }
                for (GraphReader.Weight w : model.group(l.id()).weights) {
                    if (l.weights().stream().anyMatch(spec -> spec.name().equals(w.name()))) {
                        ws.add(Map.entry(l.id(), w));
                    }
                }
            }
            if (weightsBySelector.size() >= 16) { // hooks that make a new selector every time: do not grow
                weightsBySelector.clear();
            }
            ws = List.copyOf(ws);
            weightsBySelector.put(selector, ws);
        }
        return ws;
    }

    /** d(loss)/d(each weight), built once in the graph under nnviz/ the first time a hook asks for gradients. */
    private synchronized Map<String, Output<?>> weightGradients() {
        if (weightGradients == null) {
            List<String> keys = new ArrayList<>();
            List<Output<?>> xs = new ArrayList<>();
            for (Map.Entry<String, GraphReader.Group> e : model.layerGroups().entrySet()) {
                for (GraphReader.Weight w : e.getValue().weights) {
                    if (w.source().type().startsWith("Var")) {
                        keys.add(e.getKey() + "\n" + w.name());
                        xs.add(w.source().output(0));
                    }
                }
            }
            Map<String, Output<?>> out = new LinkedHashMap<>();
            if (!xs.isEmpty()) {
                Output<?>[] dx = model.graph().addGradients("nnviz_weight_gradients", new Output<?>[] {loss},
                        xs.toArray(new Output<?>[0]), null);
                for (int i = 0; i < dx.length; i++) {
                    if (dx[i] != null) {
                        out.put(keys.get(i), dx[i]);
                    }
                }
            }
            weightGradients = out;
        }
        return weightGradients;
    }

    @Override
    public long hookErrors() {
        return dispatcher.hookErrors();
    }

    @Override
    public long stepsSeen() {
        return dispatcher.stepsSeen();
    }

    @Override
    public long timeInNnvizNanos() {
        return dispatcher.timeInNnvizNanos();
    }

    private static double scalar(org.tensorflow.Tensor t) {
        return t instanceof org.tensorflow.types.TFloat32 f ? f.getFloat() : Tf.copy(t).getFlat(0);
    }

    /** Delivers the pending steps in order, their losses from the ring's values (NaN if those could not be read). */
    private void deliverPending(float[] ringValues) {
        while (!pending.isEmpty()) {
            long[] p = pending.poll();
            double l = ringValues == null ? Double.NaN : ringValues[(int) p[1]];
            lastLoss = l;
            dispatcher.stepEnd(new TrainingEvent(p[0], epoch, l, Map.of(), Snapshot.EMPTY));
        }
    }

    /** Reads the ring and delivers every pending step. */
    private void flush() {
        if (ring == null || pending.isEmpty()) {
            return;
        }
        float[] values = null;
        try (Result r = model.session().runner().fetch(ring.values()).run()) {
            values = Tf.floats(r.get(0));
        } catch (RuntimeException e) {
            LOG.warn("nnviz: could not read the losses of the last {} steps", pending.size(), e);
        }
        deliverPending(values);
    }

    @Override
    public void close() {
        flush();
        if (lastCopies != null) {
            try {
                lastCopies.loadAll(); // the values must outlive the session
            } catch (RuntimeException e) {
                LOG.warn("nnviz: could not read the last weight copies", e);
            }
            lastCopies = null;
        }
        dispatcher.close();
    }
}
