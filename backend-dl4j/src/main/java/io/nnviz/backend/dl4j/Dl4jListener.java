package io.nnviz.backend.dl4j;

import io.nnviz.api.hook.DispatchedAttachment;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.HookDispatcher;
import io.nnviz.api.hook.MetricNames;
import io.nnviz.api.hook.Snapshot;
import io.nnviz.api.hook.TrainingEvent;
import io.nnviz.api.hook.TrainingStoppedException;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * nnviz hooks as a DL4J {@link TrainingListener}: add it to a network yourself, or let
 * {@code NNViz.attach(network, hooks)} do it. {@link #close()} removes it from the network it
 * listened to and ends training for the hooks.
 *
 * <pre>{@code
 * Dl4jListener nnviz = Dl4jListener.builder(recorder)
 *         .evaluate("validation", testIterator)       // validation/loss and validation/accuracy each epoch
 *         .build();
 * net.addListeners(nnviz);
 * net.fit(trainIterator, 5);
 * nnviz.close();
 * }</pre>
 *
 * <p>Per step the hooks get DL4J's score as the loss, and each layer's learning rate as a metric
 * (unless {@link Builder#learningRates} turns it off); on the steps they ask: activations (copied
 * out of DL4J's workspace during the forward pass), gradients (before the updater), weights, the
 * outputs and labels of the captured samples, and update : parameter ratios (when the iteration
 * is done). At the end of each epoch ({@code fit(iterator)}, or {@link #epochEnd()} for a loop of
 * {@code fit(DataSet)} calls) it evaluates the data sets it was given and delivers their loss and
 * accuracy with {@code onEpochEnd}. Steps are DL4J's iteration count + 1, so a network trained on
 * after a re-attach continues its own count. State is per thread, so several workers calling it
 * at once (as under {@code ParallelWrapper}) each build their own step; the dispatcher serialises
 * delivery. Nothing thrown here reaches {@code fit()}, except the {@link TrainingStoppedException}
 * of a hook that asks training to stop ({@link Hook#stopReason()}). A request's non-finite check
 * ({@link io.nnviz.api.hook.CaptureRequest#nonFinite}) sums the deepest output and the gradient
 * every step it is asked, and on a step with NaN or infinite values reports each layer's count.
 */
public final class Dl4jListener extends BaseTrainingListener implements DispatchedAttachment {
    private static final Logger LOG = LoggerFactory.getLogger(Dl4jListener.class);

    private final List<Hook> hooks;
    private final List<Dl4jEvaluation> evaluations;
    /** The data given to {@link #validateOn}, evaluated after {@link #evaluations}. */
    private volatile Dl4jEvaluation validation;
    private final boolean learningRates;
    private final ThreadLocal<Dl4jStep> state = new ThreadLocal<>();
    private volatile Dl4jModel model;
    private volatile HookDispatcher dispatcher;
    private volatile Model network;
    private volatile boolean closed;
    private volatile double lastLoss = Double.NaN;
    private volatile long lastStep;
    private volatile boolean warnedOther;

    private Dl4jListener(Builder b) {
        this.hooks = List.copyOf(b.hooks);
        this.evaluations = List.copyOf(b.evaluations);
        this.learningRates = b.learningRates;
    }

    /** A listener for {@code hooks}, with learning rates and no epoch evaluations. */
    public static Dl4jListener of(Hook... hooks) {
        return builder(hooks).build();
    }

    /** A builder for a listener delivering to {@code hooks}. */
    public static Builder builder(Hook... hooks) {
        return new Builder(List.of(hooks));
    }

    /** Options of a {@link Dl4jListener}. */
    public static final class Builder {
        private final List<Hook> hooks;
        private final List<Dl4jEvaluation> evaluations = new ArrayList<>();
        private boolean learningRates = true;

        private Builder(List<Hook> hooks) {
            this.hooks = hooks;
        }

        /**
         * At the end of each epoch, evaluates {@code data} and reports {@code split/loss} (DL4J's
         * score, averaged over the examples) and, for a softmax classifier, {@code split/accuracy}
         * (DL4J's {@code Evaluation}); {@code split} is for example {@code "validation"} or
         * {@code "train"} (a held-out slice of the training data costs less than all of it).
         */
        public Builder evaluate(String split, DataSetIterator data) {
            evaluations.add(new Dl4jEvaluation(split, data));
            return this;
        }

        /** Whether each layer's learning rate is reported every step (default true). */
        public Builder learningRates(boolean on) {
            learningRates = on;
            return this;
        }

        /** The listener. */
        public Dl4jListener build() {
            return new Dl4jListener(this);
        }
    }

    /** Adds a listener for {@code hooks} to {@code network}, bound to it at once: what {@code NNViz.attach} does. */
    static Dl4jListener attach(Object network, List<Hook> hooks) {
        Dl4jModel model = Dl4jModel.ofNetwork(network);
        Model net = (Model) network;
        Dl4jListener l = of(hooks.toArray(new Hook[0])).bind(net, model);
        net.addListeners(l);
        return l;
    }

    /** Binds to {@code net} now, describing it with {@code described}; a listener already bound stays as it is. */
    private Dl4jListener bind(Model net, Dl4jModel described) {
        synchronized (this) {
            if (network == null) {
                network = net;
                model = described;
                dispatcher = new HookDispatcher(described, hooks, this::detach);
            }
        }
        return this;
    }

    /**
     * The dispatcher for the network calling back, binding to it at the first callback if
     * {@code NNViz.attach} has not bound the listener already; other networks of
     * the same size are taken for replicas of it (as under {@code ParallelWrapper}, which hands one
     * listener to every worker's copy); anything else is ignored, with one warning.
     */
    private HookDispatcher bound(Model m) {
        if (closed) {
            return null;
        }
        HookDispatcher d = dispatcher;
        if (d == null && (m instanceof MultiLayerNetwork || m instanceof ComputationGraph)) {
            synchronized (this) {
                if (dispatcher == null) {
                    bind(m, Dl4jModel.ofNetwork(m));
                }
                d = dispatcher;
            }
        }
        if (d == null || m == network) {
            return d;
        }
        if (m.numParams() == model.parameterCount()) {
            return d; // a replica
        }
        if (!warnedOther) {
            warnedOther = true;
            LOG.warn("nnviz: a Dl4jListener bound to one network was called by another of a different size; it listens to one network (or its replicas)");
        }
        return null;
    }

    /** DL4J's iteration and epoch counts of a network: {iterations, epochs}. */
    private static long[] counts(Model m) {
        if (m instanceof MultiLayerNetwork n) {
            return new long[] {n.getIterationCount(), n.getEpochCount()};
        }
        if (m instanceof ComputationGraph g) {
            return new long[] {g.getIterationCount(), g.getEpochCount()};
        }
        return new long[] {0, 0};
    }

    /** The state of this thread's step in progress, starting it if needed. */
    private Dl4jStep begin(Model m, HookDispatcher d) {
        long[] c = counts(m);
        long step = c[0] + 1;
        Dl4jStep s = state.get();
        if (s == null || s.step != step) {
            s = new Dl4jStep(model, step, d.request(step, (int) c[1]));
            state.set(s);
        }
        return s;
    }

    @Override
    public void onForwardPass(Model m, List<INDArray> activations) {
        // a multi-layer network's list: the input, then layer 0, 1, ... (the output layer left out)
        Map<String, INDArray> byKey = new LinkedHashMap<>();
        for (int i = 0; i < activations.size(); i++) {
            byKey.put(i == 0 ? "input" : String.valueOf(i - 1), activations.get(i));
        }
        copyActivations(m, byKey, true);
    }

    @Override
    public void onForwardPass(Model m, Map<String, INDArray> activations) {
        copyActivations(m, activations, false); // a graph's map: vertex name to activation
    }

    /**
     * Copies what this step asked for out of DL4J's workspace, keyed by DL4J key (layer index or vertex name); a
     * multi-layer network's list also gives its output layer's input.
     */
    private void copyActivations(Model m, Map<String, INDArray> byKey, boolean multiLayer) {
        long t0 = 0;
        HookDispatcher d = null;
        try {
            d = bound(m);
            if (d == null) {
                return;
            }
            Dl4jStep s = begin(m, d);
            t0 = System.nanoTime();
            s.copyActivations(byKey);
            s.checkActivations(byKey);
            if (multiLayer) {
                s.keepOutputLayerInput(byKey);
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("nnviz: could not copy activations; the step goes on without them", e);
        } finally {
            spent(d, t0);
        }
    }

    @Override
    public void onGradientCalculation(Model m) {
        long t0 = 0;
        HookDispatcher d = null;
        try {
            d = bound(m);
            if (d == null) {
                return;
            }
            Dl4jStep s = begin(m, d);
            t0 = System.nanoTime();
            if (s.request.gradients() && m.gradient() != null) {
                s.copyGradients(m.gradient().gradientForVariable());
            }
            s.checkGradients(m);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("nnviz: could not copy gradients; the step goes on without them", e);
        } finally {
            spent(d, t0);
        }
    }

    /** Adds the time since {@code t0} (0: nothing started) to the attachment's time in nnviz. */
    private static void spent(HookDispatcher d, long t0) {
        if (t0 != 0 && d != null) {
            d.addTimeInNnviz(System.nanoTime() - t0);
        }
    }

    @Override
    public void iterationDone(Model m, int iteration, int epoch) {
        HookDispatcher d = bound(m);
        if (d == null) {
            return;
        }
        try {
            Dl4jStep s = state.get();
            long step = iteration + 1L;
            if (s == null || s.step != step) {
                s = new Dl4jStep(model, step, d.request(step, epoch));
            }
            state.remove();
            long t0 = System.nanoTime();
            Snapshot snap = s.snapshot(m);
            Map<String, Double> metrics = new LinkedHashMap<>();
            if (learningRates) {
                Dl4jMetrics.learningRates(m, model, metrics);
            }
            if (s.request.updates()) {
                Dl4jMetrics.updateRatios(m, model, s.request, metrics);
            }
            metrics.putAll(s.nonFiniteMetrics());
            double loss = m.score();
            lastLoss = loss;
            lastStep = step;
            spent(d, t0);
            d.stepEnd(new TrainingEvent(step, epoch, loss, metrics, snap));
        } catch (TrainingStoppedException e) {
            throw e; // a hook asked to stop: out of fit(), the one way to stop DL4J's loop from a listener
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("nnviz: could not deliver step {}; training goes on", iteration + 1, e);
        }
    }

    @Override
    public void onEpochEnd(Model m) {
        HookDispatcher d = bound(m);
        if (d != null) {
            deliverEpochEnd(m, d, (int) counts(m)[1]);
        }
    }

    /**
     * Ends an epoch of a loop that calls {@code fit(DataSet)} itself (DL4J calls {@link #onEpochEnd}
     * only from {@code fit(iterator)}): runs the evaluations, delivers {@code onEpochEnd}, and counts
     * the epoch on the network ({@code incrementEpochCount()}), as {@code fit(iterator)} does.
     */
    public void epochEnd() {
        Model m = network;
        HookDispatcher d = m == null ? null : bound(m);
        if (d == null) {
            throw new IllegalStateException("the listener has not seen a training step yet, or is closed");
        }
        deliverEpochEnd(m, d, (int) counts(m)[1]);
        if (m instanceof MultiLayerNetwork n) {
            n.incrementEpochCount();
        } else if (m instanceof ComputationGraph g) {
            g.incrementEpochCount();
        }
    }

    private void deliverEpochEnd(Model m, HookDispatcher d, int epoch) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        List<Dl4jEvaluation> all = new ArrayList<>(evaluations);
        if (validation != null) {
            all.add(validation);
        }
        for (Dl4jEvaluation e : all) {
            try {
                e.evaluate(m, metrics);
            } catch (RuntimeException | LinkageError ex) {
                LOG.warn("nnviz: could not evaluate the {} data at the end of epoch {}; training goes on", e.split(), epoch, ex);
            }
        }
        try {
            d.epochEnd(new TrainingEvent(lastStep, epoch, lastLoss, metrics, Snapshot.EMPTY));
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("nnviz: could not deliver the end of epoch {}", epoch, e);
        }
    }

    /**
     * Evaluates {@code data}, a {@code DataSetIterator} or a {@code DataSet}, at the end of each
     * epoch as {@code validation/loss} and {@code validation/accuracy}, as {@link Builder#evaluate} does.
     */
    @Override
    public Dl4jListener validateOn(Object data) {
        validation = Dl4jEvaluation.of(MetricNames.VALIDATION, data);
        return this;
    }

    private void detach() {
        Model net = network;
        if (net == null) {
            return;
        }
        Collection<TrainingListener> current = net instanceof MultiLayerNetwork n ? n.getListeners() : ((ComputationGraph) net).getListeners();
        if (current == null) {
            return;
        }
        List<TrainingListener> keep = new ArrayList<>(current);
        if (keep.removeIf(l -> l == this)) {
            net.setListeners(keep);
        }
    }

    /** The dispatcher delivering to the hooks: null until the listener is bound, by {@code NNViz.attach} or at its first callback. */
    @Override
    public HookDispatcher dispatcher() {
        return dispatcher;
    }

    /** Removes the listener from its network and ends training for the hooks; idempotent. */
    @Override
    public void close() {
        HookDispatcher d;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            d = dispatcher;
        }
        if (d != null) {
            d.close(); // runs detach, then onTrainingEnd
        }
    }

    @Override
    public String toString() {
        return "Dl4jListener" + (network == null ? "(not bound)" : "(" + Objects.requireNonNull(model).name() + ")");
    }
}
