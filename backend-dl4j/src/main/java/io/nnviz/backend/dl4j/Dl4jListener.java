package io.nnviz.backend.dl4j;

import io.nnviz.api.Layer;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Snapshot;
import io.nnviz.api.hook.TrainingEvent;
import io.nnviz.api.spi.HookDispatcher;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DL4J's own {@code TrainingListener}, delivering steps to nnviz hooks through a
 * {@link HookDispatcher}.
 *
 * <p>Per step: on the forward pass it asks the hooks what they want and copies the activations
 * (and input samples) they asked for, out of DL4J's workspace, before the callback returns; after
 * the gradient calculation it copies gradients; when the iteration is done it copies weights and
 * the loss and delivers the event. Steps are DL4J's iteration count + 1. State is per thread, so
 * several workers calling it at once (as under {@code ParallelWrapper}) each build their own
 * step; the dispatcher serialises delivery. Nothing thrown here reaches {@code fit()}.
 */
final class Dl4jListener extends BaseTrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(Dl4jListener.class);

    private final Dl4jModel model;
    private final HookDispatcher dispatcher;
    private final ThreadLocal<StepState> state = new ThreadLocal<>();
    private volatile double lastLoss = Double.NaN;
    private volatile long lastStep;
    private volatile int lastEpoch;

    /** What one thread has captured for the step in progress. */
    private static final class StepState {
        final long step;
        final CaptureRequest request;
        final Map<String, Tensor> activations = new LinkedHashMap<>();
        final Map<String, List<WeightTensor>> gradients = new LinkedHashMap<>();
        Tensor inputs;
        Dl4jModel.Node inputNode;

        StepState(long step, CaptureRequest request) {
            this.step = step;
            this.request = request;
        }
    }

    Dl4jListener(Dl4jModel model, HookDispatcher dispatcher) {
        this.model = model;
        this.dispatcher = dispatcher;
    }

    HookDispatcher dispatcher() {
        return dispatcher;
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
    private StepState begin(Model m) {
        long[] c = counts(m);
        long step = c[0] + 1;
        StepState s = state.get();
        if (s == null || s.step != step) {
            s = new StepState(step, dispatcher.request(step, (int) c[1]));
            state.set(s);
        }
        return s;
    }

    private boolean wanted(Dl4jModel.Node n, CaptureRequest r) {
        Layer l = model.layer(n.id).orElse(null);
        return l != null && r.layers().test(l);
    }

    @Override
    public void onForwardPass(Model m, List<INDArray> activations) {
        // a multi-layer network's list: the input, then layer 0, 1, ... (the output layer left out)
        Map<String, INDArray> byKey = new LinkedHashMap<>();
        for (int i = 0; i < activations.size(); i++) {
            byKey.put(i == 0 ? "input" : String.valueOf(i - 1), activations.get(i));
        }
        copyActivations(m, byKey);
    }

    @Override
    public void onForwardPass(Model m, Map<String, INDArray> activations) {
        copyActivations(m, activations); // a graph's map: vertex name to activation
    }

    /** Copies what this step asked for out of DL4J's workspace, keyed by DL4J key (layer index or vertex name). */
    private void copyActivations(Model m, Map<String, INDArray> byKey) {
        long t0 = 0;
        try {
            StepState s = begin(m);
            t0 = System.nanoTime();
            CaptureRequest r = s.request;
            if (!r.activations() && !r.outputs()) {
                return;
            }
            for (Map.Entry<String, INDArray> e : byKey.entrySet()) {
                Dl4jModel.Node n = model.nodeByKey(e.getKey());
                if (n == null) {
                    continue;
                }
                boolean isInput = model.layer(n.id).map(l -> l.kind() == io.nnviz.api.LayerKind.INPUT).orElse(false);
                if (isInput) {
                    if (s.inputs == null) {
                        capture(s, n, e.getValue());
                    }
                } else if (r.activations() && wanted(n, r)) {
                    s.activations.put(n.id, n.canonical(e.getValue(), r.maxSamples()));
                }
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("nnviz: could not copy activations; the step goes on without them", e);
        } finally {
            spent(t0);
        }
    }

    private static void capture(StepState s, Dl4jModel.Node input, INDArray x) {
        int k = Math.max(1, s.request.maxSamples());
        s.inputs = input.canonical(x, k);
        s.inputNode = input;
    }

    @Override
    public void onGradientCalculation(Model m) {
        long t0 = 0;
        try {
            StepState s = begin(m);
            t0 = System.nanoTime();
            if (!s.request.gradients() || m.gradient() == null) {
                return;
            }
            Map<String, INDArray> flat = m.gradient().gradientForVariable();
            Map<String, Map<String, INDArray>> byLayer = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> e : flat.entrySet()) {
                int cut = e.getKey().lastIndexOf('_');
                if (cut <= 0) {
                    continue;
                }
                byLayer.computeIfAbsent(e.getKey().substring(0, cut), k -> new LinkedHashMap<>())
                        .put(e.getKey().substring(cut + 1), e.getValue());
            }
            for (Map.Entry<String, Map<String, INDArray>> e : byLayer.entrySet()) {
                Dl4jModel.Node n = model.nodeByKey(e.getKey());
                if (n != null && !n.paramKeys.isEmpty() && wanted(n, s.request)) {
                    s.gradients.put(n.id, model.weightsOf(n, e.getValue()));
                }
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("nnviz: could not copy gradients; the step goes on without them", e);
        } finally {
            spent(t0);
        }
    }

    /** Adds the time since {@code t0} (0: nothing started) to the attachment's time in nnviz. */
    private void spent(long t0) {
        if (t0 != 0) {
            dispatcher.addTimeInNnviz(System.nanoTime() - t0);
        }
    }

    @Override
    public void iterationDone(Model m, int iteration, int epoch) {
        try {
            StepState s = state.get();
            long step = iteration + 1L;
            if (s == null || s.step != step) {
                s = new StepState(step, dispatcher.request(step, epoch));
            }
            state.remove();
            long t0 = System.nanoTime();
            CaptureRequest r = s.request;
            Map<String, List<WeightTensor>> weights = new LinkedHashMap<>();
            if (r.weights()) {
                for (Dl4jModel.Node n : model.nodes().values()) {
                    org.deeplearning4j.nn.api.Layer live = liveLayer(m, n);
                    if (live != null && !n.paramKeys.isEmpty() && wanted(n, r)) {
                        weights.put(n.id, model.weightsOf(n, live.paramTable()));
                    }
                }
            }
            Tensor labels = null, outputs = null;
            if (r.outputs() && s.inputs != null) {
                outputs = outputs(m, s.inputNode, s.inputs);
                INDArray l = m instanceof MultiLayerNetwork n ? n.getLabels() : null;
                if (l == null && m instanceof ComputationGraph g && g.getOutputLayer(0) instanceof org.deeplearning4j.nn.api.layers.IOutputLayer o) {
                    l = o.getLabels();
                }
                labels = l == null ? null : Nd.copy(l, s.inputs.shape().dim(0));
            }
            Snapshot snap = r.isEmpty() ? Snapshot.EMPTY
                    : new Snapshot(weights, s.gradients, s.activations, r.activations() || r.outputs() ? s.inputs : null, labels, outputs);
            double loss = m.score();
            lastLoss = loss;
            lastStep = step;
            lastEpoch = epoch;
            spent(t0);
            dispatcher.stepEnd(new TrainingEvent(step, epoch, loss, Map.of(), snap));
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("nnviz: could not deliver step {}; training goes on", iteration + 1, e);
        }
    }

    /** The network's outputs for the captured input samples: a small inference pass, outside DL4J's workspaces. */
    private Tensor outputs(Model m, Dl4jModel.Node inputNode, Tensor inputs) {
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ignored =
                     org.nd4j.linalg.factory.Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray x = inputNode.fromCanonical(inputs);
            INDArray out = m instanceof MultiLayerNetwork n ? n.output(x, false) : ((ComputationGraph) m).output(false, x)[0];
            Dl4jModel.Node last = model.node(model.layers().get(model.layers().size() - 1).id());
            return last.canonical(out, 0);
        }
    }

    private static org.deeplearning4j.nn.api.Layer liveLayer(Model m, Dl4jModel.Node n) {
        if (n.layer == null) {
            return null;
        }
        if (m instanceof MultiLayerNetwork net) {
            return net.getLayer(Integer.parseInt(n.key));
        }
        if (m instanceof ComputationGraph g) {
            return g.getLayer(n.key);
        }
        return n.layer;
    }

    @Override
    public void onEpochEnd(Model m) {
        try {
            dispatcher.epochEnd(TrainingEvent.of(lastStep, lastEpoch, lastLoss));
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("nnviz: could not deliver the end of epoch {}", lastEpoch, e);
        }
    }
}
