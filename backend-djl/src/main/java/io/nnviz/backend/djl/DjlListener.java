package io.nnviz.backend.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.listener.TrainingListener;
import ai.djl.util.Pair;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.DispatchedAttachment;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.HookDispatcher;
import io.nnviz.api.hook.Snapshot;
import io.nnviz.api.hook.TrainingEvent;
import io.nnviz.api.spi.DeferredCopies;
import io.nnviz.backend.djl.ndarray.NdArrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * nnviz hooks as a DJL {@link TrainingListener}: add it to a config yourself
 * ({@code config.addTrainingListeners(DjlListener.of(recorder))}), or let
 * {@code NNViz.attach(config or trainer, hooks)} do it. It learns the model at the first batch.
 * {@link #close()} removes it from the listener list it was added to and ends training for the
 * hooks.
 *
 * <pre>{@code
 * DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
 *         .addEvaluator(new Accuracy()).addTrainingListeners(TrainingListener.Defaults.logging());
 * try (Trainer trainer = model.newTrainer(config); Attachment a = NNViz.attach(trainer, recorder)) {
 *     trainer.initialize(new Shape(32, 784));
 *     EasyTrain.fit(trainer, 5, trainSet, validationSet);   // train/ and validation/ Accuracy and loss each epoch
 * }
 * }</pre>
 *
 * <p>Per batch: the loss, the trainer's loss on the batch's labels and predictions (read from DJL's
 * evaluator listener when it runs before this one, as in {@code TrainingListener.Defaults}; else
 * computed here: {@code DjlStepLoss}), and, when asked, weights and their gradients (read after the backward pass, before {@code trainer.step()}).
 * Activations come from the real training forward pass when the model's block is a
 * {@link TapBlock}: the request for step N+1 is asked at the end of step N, which arms the tap for
 * that one forward (the first step is never tapped). On the first step whose loss is not finite, and
 * if the hooks ask for the non-finite check, the NaN and infinite values are counted per layer
 * ({@code DjlNonFinite}). Per epoch: the trainer's evaluators on the
 * training and validation batches ({@code DjlEvaluations}). Steps count from 1 for each trainer;
 * a recorder attached to the next trainer continues its own count.
 */
public final class DjlListener implements TrainingListener, DispatchedAttachment {
    private static final Logger LOG = LoggerFactory.getLogger(DjlListener.class);

    private final List<Hook> hooks;
    private volatile List<TrainingListener> installedIn;
    private volatile DjlEvaluations evaluations;
    private volatile HookDispatcher dispatcher;
    private volatile DjlModel model;
    private volatile boolean detached;
    private volatile Dataset validation;
    private long step;
    private int epoch;
    private CaptureRequest pending;
    private final DjlStepLoss stepLoss = new DjlStepLoss();
    private Map<String, NDArray> taps;
    private double lastLoss = Double.NaN;
    private boolean nonFiniteCounted;

    private DjlListener(List<Hook> hooks) {
        this.hooks = List.copyOf(hooks);
    }

    /** A listener delivering to {@code hooks}. */
    public static DjlListener of(Hook... hooks) {
        return new DjlListener(List.of(hooks));
    }

    /** Adds this listener to {@code listeners} (a config's or trainer's own list), which {@link #close()} removes it from. */
    DjlListener installIn(List<TrainingListener> listeners) {
        listeners.add(this);
        installedIn = listeners;
        return this;
    }

    private synchronized HookDispatcher ensureDispatcher() {
        if (dispatcher == null) {
            dispatcher = new HookDispatcher(model, hooks, () -> detached = true);
        }
        return dispatcher;
    }

    @Override
    public void onTrainingBegin(Trainer trainer) {
        // the block is initialised after the trainer is made: it is described at the first batch
        evaluations(trainer);
    }

    /** The epoch evaluations, set up once the trainer (and so its listener list) is known. */
    private synchronized DjlEvaluations evaluations(Trainer trainer) {
        if (evaluations == null) {
            List<TrainingListener> list = installedIn;
            if (list == null) { // added to a config by the user: the trainer's list is that config's list
                list = DjlTrainers.listeners(trainer).orElse(null);
                installedIn = list;
            }
            evaluations = new DjlEvaluations(list, this);
            evaluations.begin(trainer);
        }
        return evaluations;
    }

    /** Describes the model once its block is initialised (the first batch), before hooks see anything. */
    private synchronized void describe(Trainer trainer) {
        if (model != null || dispatcher != null) {
            return;
        }
        try {
            var in = trainer.getModel().getBlock().getInputShapes();
            if (in != null && in.length == 1) {
                // under the DJL model's manager: the hooks keep this view after training (a recorder's report draws the trained
                // model's saliency from it), so it lives as long as the model, not the trainer or this listener
                model = DjlModel.of(trainer.getModel().getName(), trainer.getModel().getBlock(), in[0], trainer.getModel().getNDManager());
            }
        } catch (RuntimeException e) {
            LOG.warn("nnviz: could not describe the DJL model; hooks get steps without weights", e);
        }
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        if (detached) {
            return;
        }
        long t0 = System.nanoTime();
        describe(trainer);
        HookDispatcher d = ensureDispatcher();
        long s = ++step;
        CaptureRequest r = pending != null ? pending : d.request(s, epoch);
        pending = null;
        TapBlock tap = trainer.getModel().getBlock() instanceof TapBlock tb ? tb : null;
        Map<String, NDArray> tapped = taps;
        taps = null;
        if (tap != null) {
            tap.disarm();
        }
        double loss = Double.NaN;
        Snapshot snap = Snapshot.EMPTY;
        Map<String, Double> metrics = Map.of();
        try {
            NDList labels = batchData.getLabels().values().iterator().next();
            NDList preds = batchData.getPredictions().values().iterator().next();
            loss = stepLoss.of(trainer, evaluations(trainer), labels, preds);
            evaluations(trainer).trainingBatch(trainer, batchData, loss);
            if (r.nonFinite() && !Double.isFinite(loss) && model != null && !nonFiniteCounted) {
                nonFiniteCounted = true; // the first such step says where; after it every step is NaN and counting costs a forward pass
                metrics = DjlNonFinite.counts(model, trainer.getManager(), batchData.getBatch().getData());
            }
            if ((r.weights() || r.gradients()) && model != null) {
                if (lastCopies != null) {
                    lastCopies.loadAll(); // nothing to do unless a hook kept the last ones unread
                    lastCopies = null;
                }
                NDManager copyManager = trainer.getManager().newSubManager();
                DeferredCopies copies = new DeferredCopies(copyManager::close);
                Map<String, List<WeightTensor>> weights = new LinkedHashMap<>(), grads = new LinkedHashMap<>();
                for (Map.Entry<String, DjlDescriber.Node> e : model.nodes().entrySet()) {
                    LayerInfo layer = model.layer(e.getKey()).orElse(null);
                    if (layer == null || e.getValue().join() || layer.weights().isEmpty() || !r.layers().test(layer)) {
                        continue;
                    }
                    List<WeightTensor> w = new ArrayList<>(), g = new ArrayList<>();
                    for (Pair<String, Parameter> p : e.getValue().block().getParameters()) {
                        NDArray a = p.getValue().getArray();
                        if (r.weights()) {
                            w.add(WeightTensor.of(layer.id(), p.getKey(), DjlDescriber.role(e.getValue().block(), p.getKey()),
                                    deferredCopy(a, copyManager, copies)));
                        }
                        if (r.gradients() && a.hasGradient()) {
                            try (NDArray grad = a.getGradient()) { // duplicated before the optimizer's step and the next backward
                                g.add(WeightTensor.of(layer.id(), p.getKey(), DjlDescriber.role(e.getValue().block(), p.getKey()),
                                        deferredCopy(grad, copyManager, copies)));
                            }
                        }
                    }
                    if (!w.isEmpty()) {
                        weights.put(layer.id(), w);
                    }
                    if (!g.isEmpty()) {
                        grads.put(layer.id(), g);
                    }
                }
                snap = new Snapshot(weights, grads, Map.of(), null, null, null);
                lastCopies = copies;
            }
            if (r.activations() && tapped != null && model != null) {
                Map<String, Tensor> acts = new LinkedHashMap<>();
                for (Map.Entry<String, NDArray> e : tapped.entrySet()) {
                    LayerInfo layer = model.layer(e.getKey()).orElse(null);
                    if (layer != null && r.layers().test(layer)) {
                        acts.put(layer.id(), head(e.getValue(), Math.max(1, r.maxSamples())));
                    }
                }
                snap = new Snapshot(snap.weights(), snap.gradients(), acts, null, null, null);
            }
            if (r.outputs()) { // the batch's predictions are at hand: its first samples, with their inputs and labels
                long n = Math.max(1, r.maxSamples());
                snap = new Snapshot(snap.weights(), snap.gradients(), snap.activations(), head(batchData.getBatch().getData().head(), n),
                        head(labels.head(), n), head(preds.head(), n));
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("nnviz: could not copy step {}; training goes on", s, e);
        }
        lastLoss = loss;
        d.addTimeInNnviz(System.nanoTime() - t0);
        d.stepEnd(new TrainingEvent(s, epoch, loss, metrics, snap));
        // ask now what the next step wants, so its real forward pass can be tapped if needed
        pending = d.request(s + 1, epoch);
        if (tap != null && pending.activations()) {
            taps = new ConcurrentHashMap<>();
            tap.arm(taps);
        }
    }

    /** The first {@code n} samples of {@code a} (all if fewer), copied into Java. */
    private static Tensor head(NDArray a, long n) {
        if (n >= a.getShape().get(0)) {
            return NdArrays.copy(a); // the whole batch: no slice to make first
        }
        try (NDArray h = a.get(new NDIndex().addSliceDim(0, n))) { // an index built, not parsed from text on every capture
            return NdArrays.copy(h);
        }
    }

    /** The last sampled step's weight copies, made to exist before the next are taken. */
    private volatile DeferredCopies lastCopies;

    /**
     * A copy of a parameter or its gradient for a hook: made by the engine ({@code duplicate}, in native memory, while the values are
     * hot) into {@code manager}, and read into Java, the expensive part (fresh memory, through a direct buffer), when
     * a hook first reads it, usually on its background thread.
     */
    private static Tensor deferredCopy(NDArray a, NDManager manager, DeferredCopies copies) {
        NDArray c = a.duplicate();
        c.attach(manager);
        return copies.add(Shape.ofLongs(a.getShape().getShape()), () -> {
            float[] v = NdArrays.floats(c);
            c.close();
            return v;
        });
    }

    @Override
    public void onEpoch(Trainer trainer) {
        if (!detached) {
            Map<String, Double> metrics = Map.of();
            try {
                metrics = evaluations(trainer).epoch(trainer);
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("nnviz: could not read the evaluators at the end of epoch {}; training goes on", epoch, e);
            }
            Dataset v = validation;
            if (v != null) {
                try {
                    metrics = DjlEvaluations.withValidation(metrics, DjlEvaluations.validate(trainer, v));
                } catch (Exception | LinkageError e) {
                    LOG.warn("nnviz: could not evaluate the validation data at the end of epoch {}; training goes on", epoch, e);
                }
            }
            ensureDispatcher().epochEnd(new TrainingEvent(step, epoch, lastLoss, metrics, Snapshot.EMPTY));
        }
        epoch++;
    }

    /**
     * Evaluates {@code data}, a DJL {@code Dataset}, at the end of each epoch with the trainer's
     * own evaluators (its loss and, say, {@code Accuracy}), as {@code validation/loss},
     * {@code validation/accuracy}, ...; these replace the values of a validation set given to
     * {@code EasyTrain.fit}, so one metric has one value per epoch.
     */
    @Override
    public DjlListener validateOn(Object data) {
        if (!(data instanceof Dataset d)) {
            throw new IllegalArgumentException("DJL validation data is an ai.djl.training.dataset.Dataset, not "
                    + (data == null ? "null" : data.getClass().getName()));
        }
        validation = d;
        return this;
    }

    @Override
    public void onValidationBatch(Trainer trainer, BatchData batchData) {
        // validation batches are not training steps; they count into the epoch's validation values
        if (!detached) {
            evaluations(trainer).validationBatch(trainer, batchData);
        }
    }

    @Override
    public void onTrainingEnd(Trainer trainer) {
        loadLastCopies(); // before the trainer's manager, which holds the engine's copies, closes
        ensureDispatcher().trainingEnd(TrainingEvent.of(step, epoch, lastLoss));
    }

    private void loadLastCopies() {
        DeferredCopies c = lastCopies;
        lastCopies = null;
        if (c != null) {
            try {
                c.loadAll();
            } catch (RuntimeException e) {
                LOG.warn("nnviz: could not read the last weight copies", e);
            }
        }
    }

    /** The dispatcher delivering to the hooks (null before the first callback). */
    @Override
    public HookDispatcher dispatcher() {
        return dispatcher;
    }

    /** Removes the listener from the list it was added to and ends training for the hooks; idempotent. */
    @Override
    public void close() {
        loadLastCopies();
        List<TrainingListener> list = installedIn;
        if (list != null) {
            list.remove(this);
        }
        ensureDispatcher().close();
        // the model view is not closed here: hooks were given it and may use it after training (see describe); it is
        // freed with the DJL model
    }
}
