package io.nnviz.backend.tensorflow;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.DispatchedAttachment;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.HookDispatcher;
import io.nnviz.api.hook.MetricNames;
import io.nnviz.api.hook.Snapshot;
import io.nnviz.api.hook.TrainingEvent;
import io.nnviz.api.hook.TrainingReporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Hooks on your own TensorFlow training loop (TensorFlow Java has no trainer to listen to), in the
 * style of PyTorch's {@code SummaryWriter}: after each step, hand over the loss you fetched anyway.
 *
 * <pre>{@code
 * try (TfTraining training = TfTraining.attach(session, recorder)) {      // or NNViz.attach(session, recorder)
 *     for (int epoch = 0; epoch < epochs; epoch++) {
 *         for (Batch b : batches) {
 *             try (Result r = session.runner().feed("images", b.x()).feed("labels", b.y())
 *                     .fetch("loss").addTarget("train").run()) {
 *                 training.stepEnd(((TFloat32) r.get(0)).getFloat());
 *             }
 *         }
 *         training.epochEnd(Map.of("validation/accuracy", evaluate(testSet)));
 *     }
 * }
 * }</pre>
 *
 * What a hook asks for is taken without touching your run: weights by a short run of nnviz's own
 * right after {@link #step} (the weights after the update, copied by TensorFlow and read into Java
 * when a hook first reads them, on its own thread); activations from the tensors you fetched and
 * pass to {@link #stepEnd(double, Map, Result)} ({@link #wanted()} names the layer outputs the hooks
 * want at the next step). Or let nnviz add what the hooks want to your runner with
 * {@link #run(Session.Runner)}: its fetches go after yours, so your indices do not move, and it
 * reads the loss itself from the loss op named at attach; this is also the way to get gradients,
 * and to have the NaN and infinite values in each layer's output counted on every step (for the
 * doctor's non-finite rule: where they first appear).
 * Nothing here throws into your loop once a step has run: a failed capture is logged and the step
 * is delivered without it.
 */
public final class TfTraining implements TrainingReporter, DispatchedAttachment {
    private static final Logger LOG = LoggerFactory.getLogger(TfTraining.class);

    private final TfModel model;
    private final Output<?> lossEcho;
    private final Output<?> loss;
    private final HookDispatcher dispatcher;
    private final TfWeightCopies weights;
    private long step;
    private int epoch;
    private double lastLoss = Double.NaN;
    private CaptureRequest next;
    private Map<String, Output<?>> weightGradients;
    private TfNonFinite nonFinite;
    private boolean nonFiniteBuilt;
    private TfValidation validation;

    private TfTraining(TfModel model, Output<?> loss, List<Hook> hooks) {
        this.model = model;
        this.loss = loss;
        this.lossEcho = loss == null ? null : echo(model, loss);
        this.weights = new TfWeightCopies(model); // graph changes make TensorFlow plan again: make them now, not mid-training
        model.sampledFetches().inputEcho();
        this.dispatcher = new HookDispatcher(model, hooks, () -> { });
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Output<?> echo(TfModel model, Output<?> loss) {
        return Ops.create(model.graph()).withSubScope("nnviz").withName("loss").identity((Operand) loss).asOutput();
    }

    /**
     * Attaches hooks to a loop training {@code target}: a {@link TfModel}, a {@link TfGraph}, a
     * {@link SavedModelBundle} or a bare {@link Session} (then the first float placeholder is the
     * input and the first op that depends on every variable the output; see {@link TfGraph#guess}).
     */
    public static TfTraining attach(Object target, Hook... hooks) {
        return attach(target, null, hooks);
    }

    /**
     * As {@link #attach(Object, Hook...)}, naming the scalar loss op, which {@link #run} fetches
     * (and differentiates, for gradient histograms); {@code lossOp} may be null for {@link #step}.
     */
    public static TfTraining attach(Object target, String lossOp, Hook... hooks) {
        Objects.requireNonNull(target, "target");
        TfModel model;
        if (target instanceof TfModel m) {
            model = m;
        } else if (target instanceof TfGraph g) {
            model = TfModel.of(g);
        } else if (target instanceof SavedModelBundle b) {
            model = TfModel.of(b);
        } else if (target instanceof Session s) {
            model = TfModel.of("TensorFlow session", TfGraph.guess(s), null);
        } else {
            throw new InvalidInputException("TfTraining attaches to a TfModel, TfGraph, SavedModelBundle or Session, not "
                    + target.getClass().getName());
        }
        Output<?> loss = null;
        if (lossOp != null) {
            GraphOperation op = model.graph().operation(lossOp);
            if (op == null) {
                throw new InvalidInputException("the graph has no operation named '" + lossOp + "' (the loss)");
            }
            loss = op.output(0);
        }
        // the model is not closed with the training: what it wraps stays the caller's (a bundle flattened into a graph of
        // nnviz's own leaves that graph open)
        return new TfTraining(model, loss, List.of(hooks));
    }

    /** The model the hooks see. */
    public TfModel model() {
        return model;
    }

    /** What the hooks want at the next step (asked once per step). */
    public CaptureRequest request() {
        if (next == null) {
            next = dispatcher.request(step + 1, epoch);
        }
        return next;
    }

    /**
     * The graph outputs (op names) whose values the hooks want at the next step; fetch them in
     * your run and pass its result to {@link #stepEnd(double, Map, Result)}. Empty on most steps.
     */
    public List<String> wanted() {
        CaptureRequest r = request();
        if (!r.activations()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (LayerInfo l : model.layers()) {
            String op = model.group(l.id()).output.op().name();
            if (!l.id().equals(model.inputOp().name()) && r.layers().test(l) && !out.contains(op)) {
                out.add(op);
            }
        }
        return out;
    }

    /** The step that just ran had this loss and these metrics (named as {@link MetricNames} says). */
    @Override
    public void stepEnd(double loss, Map<String, Double> metrics) {
        stepEnd(loss, metrics, null);
    }

    /**
     * The step that just ran had this loss and metrics, and fetched {@code fetched} (may be null):
     * the activations the hooks asked for ({@link #wanted()}) are copied from it. The result stays
     * yours to close.
     */
    public void stepEnd(double loss, Map<String, Double> metrics, Result fetched) {
        Objects.requireNonNull(metrics, "metrics");
        long t0 = System.nanoTime();
        CaptureRequest r = request();
        Snapshot snap = Snapshot.EMPTY;
        try {
            Map<String, Tensor> acts = fetched != null && r.activations() ? activationsFrom(fetched, r) : Map.of();
            Map<String, List<WeightTensor>> w = r.weights() ? weights.copy(r.layers()) : Map.of();
            if (!acts.isEmpty() || !w.isEmpty()) {
                snap = new Snapshot(w, Map.of(), acts, null, null, null);
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("nnviz: could not copy step {}'s captures; the step goes on without them", step + 1, e);
        }
        deliver(loss, metrics, snap, t0);
    }

    private void deliver(double loss, Map<String, Double> metrics, Snapshot snap, long t0) {
        step++;
        next = null;
        lastLoss = loss;
        dispatcher.addTimeInNnviz(System.nanoTime() - t0);
        dispatcher.stepEnd(new TrainingEvent(step, epoch, loss, metrics, snap));
    }

    /** The wanted layers' outputs found among {@code fetched}'s keys ({@code op} or {@code op:0}), first samples, NCHW. */
    private Map<String, Tensor> activationsFrom(Result fetched, CaptureRequest r) {
        Map<String, org.tensorflow.Tensor> byOp = new LinkedHashMap<>();
        for (Map.Entry<String, org.tensorflow.Tensor> e : fetched) {
            String k = e.getKey();
            byOp.putIfAbsent(k.endsWith(":0") ? k.substring(0, k.length() - 2) : k, e.getValue());
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (LayerInfo l : model.layers()) {
            org.tensorflow.Tensor t = byOp.get(model.group(l.id()).output.op().name());
            if (t != null && r.layers().test(l) && !l.id().equals(model.inputOp().name())) {
                out.put(l.id(), TfTensors.canonical(t, Math.max(1, r.maxSamples())));
            }
        }
        return out;
    }

    /**
     * Runs your step with what the hooks want added after your own fetches (the loss, and on the
     * steps they ask: the first samples of the batch and of the wanted layers' outputs, cut and made
     * NCHW by TensorFlow in your run, and the weights' gradients), delivers the step, and returns
     * the result: yours to close, your fetches at the indices you gave them. Use a new runner for
     * each step. A failing run throws as {@code runner.run()} would, and delivers nothing.
     *
     * @throws IllegalStateException if no loss op was named at attach
     */
    public Result run(Session.Runner runner) {
        Objects.requireNonNull(runner, "runner");
        if (lossEcho == null) {
            throw new IllegalStateException("run() reads the loss itself: name its op at attach, TfTraining.attach(target, \"loss\", hooks)");
        }
        long t0 = System.nanoTime();
        CaptureRequest r = request();
        TfStepFetches f;
        try {
            f = new TfStepFetches(model, r, lossEcho, weights, this::weightGradients, r.nonFinite() ? nonFinite() : null);
            f.add(runner);
        } catch (RuntimeException e) {
            LOG.warn("nnviz: could not add step {}'s captures to the run; it captures only the loss", step + 1, e);
            f = new TfStepFetches(model, CaptureRequest.NONE, lossEcho, weights, this::weightGradients, null);
            f.add(runner);
        }
        dispatcher.addTimeInNnviz(System.nanoTime() - t0);
        Result result = runner.run();
        t0 = System.nanoTime();
        double lossValue = Double.NaN;
        Snapshot snap = Snapshot.EMPTY;
        Map<String, Double> metrics = Map.of();
        try {
            int base = result.size() - f.count();
            lossValue = f.loss(result, base);
            metrics = f.nonFinite(result, base + 1);
            snap = f.read(result, f.snapshotStart(base));
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("nnviz: could not read step {}'s captures; the step goes on without them", step + 1, e);
        }
        deliver(lossValue, metrics, snap, t0);
        return result;
    }

    /** The per-layer non-finite counts, added to the graph (under {@code nnviz/nonfinite/}) the first time a hook asks for the check. */
    private synchronized TfNonFinite nonFinite() {
        if (!nonFiniteBuilt) {
            nonFiniteBuilt = true;
            nonFinite = TfNonFinite.of(model, loss);
        }
        return nonFinite;
    }

    /** d(loss)/d(each variable), added to the graph (under {@code nnviz_weight_gradients/}) the first time a hook asks for gradients. */
    private synchronized Map<String, Output<?>> weightGradients() {
        if (weightGradients == null) {
            weightGradients = TfGradients.ofWeights(model, loss);
        }
        return weightGradients;
    }

    /**
     * Ends an epoch with its metrics (for example {@code "train/accuracy"}), after evaluating the
     * data given to {@link #validateOn}; hooks get {@code onEpochEnd}.
     */
    @Override
    public void epochEnd(Map<String, Double> metrics) {
        Map<String, Double> all = new LinkedHashMap<>();
        metrics.forEach((k, v) -> all.put(MetricNames.canonical(k), v));
        if (validation != null) {
            try {
                all.putAll(validation.evaluate(model, loss));
            } catch (RuntimeException e) {
                LOG.warn("nnviz: could not evaluate the validation data at the end of epoch {}; training goes on", epoch, e);
            }
        }
        dispatcher.epochEnd(new TrainingEvent(step, epoch, lastLoss, all, Snapshot.EMPTY));
        epoch++;
        next = null;
    }

    /**
     * Evaluates {@code data} at each {@link #epochEnd}: an {@code Iterable} of feeds
     * ({@code Map<String, Tensor>} from placeholder name to tensor: the model's input and the
     * labels), run through the loss op named at attach ({@code validation/loss}) and, where the
     * labels name classes (one-hot, or class indices), counted into {@code validation/accuracy}.
     * The tensors stay yours: close them after training.
     */
    @Override
    public TfTraining validateOn(Object data) {
        validation = TfValidation.of(data, loss);
        return this;
    }


    /** The dispatcher delivering to the hooks, made at attach: never null. */
    @Override
    public HookDispatcher dispatcher() {
        return dispatcher;
    }

    /**
     * Ends training for the hooks; their last weights are read into Java first (they must outlive
     * the session). The graph and session stay yours, and the few ops nnviz added (under
     * {@code nnviz/} and, for gradients, {@code nnviz_weight_gradients/}) stay in the graph
     * (TensorFlow cannot remove ops).
     */
    @Override
    public void close() {
        weights.close();
        dispatcher.close();
    }
}
