package io.nnviz.backend.dl4j;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.MetricNames;
import io.nnviz.api.hook.Snapshot;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one thread captures of one training step for {@link Dl4jListener}, as its request asks:
 * the input samples and activations of the forward pass and the gradients before the updater
 * (copied out of DL4J's workspaces as they pass), then the weights, outputs and labels once the
 * iteration is done, delivered together as one {@link Snapshot}; and, for a request's
 * {@link CaptureRequest#nonFinite} check, a sum over the deepest output and the score, and where
 * one is not finite the NaN and infinite values of every layer's output and gradient counted, as
 * metrics.
 */
final class Dl4jStep {
    final long step;
    final CaptureRequest request;
    private final Dl4jModel model;
    private final Map<String, Tensor> activations = new LinkedHashMap<>();
    private final Map<String, List<WeightTensor>> gradients = new LinkedHashMap<>();
    private Tensor inputs;
    private Dl4jNode inputNode;
    /** A multi-layer network's output layer input for the captured samples (its deepest activation handed over), key and rows. */
    private String outputLayerInputKey;
    private INDArray outputLayerInput;
    /** The non-finite counts of this step, as metrics by name, when the check found any. */
    private final Map<String, Double> nonFinite = new LinkedHashMap<>();

    Dl4jStep(Dl4jModel model, long step, CaptureRequest request) {
        this.model = model;
        this.step = step;
        this.request = request;
    }

    private boolean wanted(Dl4jNode n) {
        LayerInfo l = model.layer(n.id).orElse(null);
        return l != null && request.layers().test(l);
    }

    /** Copies the input samples and the activations the step asks for, keyed by DL4J key (layer index or vertex name). */
    void copyActivations(Map<String, INDArray> byKey) {
        CaptureRequest r = request;
        if (!r.activations() && !r.outputs()) {
            return;
        }
        for (Map.Entry<String, INDArray> e : byKey.entrySet()) {
            Dl4jNode n = model.nodeByKey(e.getKey());
            if (n == null) {
                continue;
            }
            boolean isInput = model.layer(n.id).map(l -> l.kind() == LayerKind.INPUT).orElse(false);
            if (isInput) {
                if (inputs == null) {
                    inputs = Dl4jTensors.canonical(n, e.getValue(), Math.max(1, r.maxSamples()));
                    inputNode = n;
                }
            } else if (r.activations() && wanted(n)) {
                activations.put(n.id, Dl4jTensors.canonical(n, e.getValue(), r.maxSamples()));
            }
        }
    }

    /**
     * The non-finite check of the forward pass: a sum over the deepest output DL4J hands over (NaN
     * and infinite values travel forward through the layers to it), one small reduction a step;
     * if it is not finite, every layer's NaN and infinite values counted (a copy of each output, on
     * this rare step only).
     */
    void checkActivations(Map<String, INDArray> byKey) {
        if (!request.nonFinite() || byKey.isEmpty()) {
            return;
        }
        INDArray deepest = null;
        for (Map.Entry<String, INDArray> e : byKey.entrySet()) {
            if (!e.getKey().equals("input")) {
                deepest = e.getValue();
            }
        }
        if (deepest == null || Double.isFinite(deepest.sumNumber().doubleValue())) {
            return;
        }
        for (Map.Entry<String, INDArray> e : byKey.entrySet()) {
            Dl4jNode n = model.nodeByKey(e.getKey());
            if (n != null && !model.layer(n.id).map(l -> l.kind() == LayerKind.INPUT).orElse(true)) {
                nonFinite.put(MetricNames.ofLayer(MetricNames.NONFINITE_ACTIVATIONS, n.id), (double) nonFiniteCount(e.getValue()));
            }
        }
    }

    /**
     * The non-finite check of the backward pass, before the updater: if the score is not finite (or
     * the forward pass was not), every layer's NaN and infinite gradient values counted. The
     * gradient itself is not summed every step, as DJL's and TensorFlow's backends do not: a pass
     * over every parameter (0.4 ms a LeNet step of 106 ms on one thread, far more of a dense
     * network's step) to find what the score shows one step later at the latest, since the update
     * carries a non-finite gradient into the weights and the next forward pass into the score.
     */
    void checkGradients(Model m) {
        if (!request.nonFinite() || m.gradient() == null || nonFinite.isEmpty() && Double.isFinite(m.score())) {
            return;
        }
        Map<String, Double> counts = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : m.gradient().gradientForVariable().entrySet()) {
            int cut = e.getKey().lastIndexOf('_');
            Dl4jNode n = cut > 0 ? model.nodeByKey(e.getKey().substring(0, cut)) : null;
            if (n != null) {
                counts.merge(MetricNames.ofLayer(MetricNames.NONFINITE_GRADIENTS, n.id), (double) nonFiniteCount(e.getValue()), Double::sum);
            }
        }
        for (Dl4jNode n : model.nodes().values()) { // in the model's order, input side first
            String key = MetricNames.ofLayer(MetricNames.NONFINITE_GRADIENTS, n.id);
            if (counts.containsKey(key)) {
                nonFinite.put(key, counts.get(key));
            }
        }
    }

    /** The step's non-finite counts as metrics ({@code nonfinite_activations/LAYER}, {@code nonfinite_gradients/LAYER}); empty if none was found. */
    Map<String, Double> nonFiniteMetrics() {
        return nonFinite;
    }

    private static long nonFiniteCount(INDArray a) {
        var stats = Dl4jTensors.copy(a).stats();
        return stats.nanCount() + stats.infCount();
    }

    /**
     * Copies the gradients of the layers the step asks for from DL4J's, by variable ({@code KEY_PARAM}),
     * before the updater rewrites them; the caller checks that the request wants gradients.
     */
    void copyGradients(Map<String, INDArray> byVariable) {
        Map<String, Map<String, INDArray>> byLayer = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : byVariable.entrySet()) {
            int cut = e.getKey().lastIndexOf('_');
            if (cut > 0) {
                byLayer.computeIfAbsent(e.getKey().substring(0, cut), k -> new LinkedHashMap<>())
                        .put(e.getKey().substring(cut + 1), e.getValue());
            }
        }
        for (Map.Entry<String, Map<String, INDArray>> e : byLayer.entrySet()) {
            Dl4jNode n = model.nodeByKey(e.getKey());
            if (n != null && !n.paramKeys.isEmpty() && wanted(n)) {
                gradients.put(n.id, Dl4jTensors.weights(n, e.getValue()));
            }
        }
    }

    /** The step's snapshot once network {@code m} has finished the iteration: what was copied, with its weights, outputs and labels. */
    Snapshot snapshot(Model m) {
        CaptureRequest r = request;
        Map<String, List<WeightTensor>> weights = new LinkedHashMap<>();
        if (r.weights()) {
            for (Dl4jNode n : model.nodes().values()) {
                Layer live = liveLayer(m, n);
                if (live != null && !n.paramKeys.isEmpty() && wanted(n)) {
                    weights.put(n.id, Dl4jTensors.weights(n, live.paramTable()));
                }
            }
        }
        Tensor labels = null, outputs = null;
        if (r.outputs() && inputs != null) {
            outputs = outputs(m);
            INDArray l = m instanceof MultiLayerNetwork n ? n.getLabels() : null;
            if (l == null && m instanceof ComputationGraph g && g.getOutputLayer(0) instanceof IOutputLayer o) {
                l = o.getLabels();
            }
            labels = l == null ? null : Dl4jTensors.copy(l, inputs.shape().dim(0));
        }
        return r.isEmpty() ? Snapshot.EMPTY
                : new Snapshot(weights, gradients, activations, r.activations() || r.outputs() ? inputs : null, labels, outputs);
    }

    /**
     * Keeps, when the step asks for outputs, the captured samples' rows of the deepest activation a
     * multi-layer network hands over (DL4J leaves its output layer out of the list): the input of
     * its output layer, so that {@link #snapshot} runs that layer alone on them.
     */
    void keepOutputLayerInput(Map<String, INDArray> byKey) {
        if (!request.outputs() || byKey.size() < 2) {
            return;
        }
        Map.Entry<String, INDArray> deepest = null;
        for (Map.Entry<String, INDArray> e : byKey.entrySet()) {
            deepest = e;
        }
        INDArray a = deepest.getValue();
        long rows = Math.min(a.size(0), Math.max(1, request.maxSamples()));
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            outputLayerInput = Dl4jTensors.firstRows(a, rows).dup(); // out of the workspace, which the backward pass reuses
            outputLayerInputKey = deepest.getKey();
        }
    }

    /**
     * The network's outputs for the captured input samples, outside DL4J's workspaces: a
     * multi-layer network's output layer alone on its input kept from the forward pass (a whole
     * inference pass of 32 samples took 46 ms of LeNet's 107 ms training step on one thread), else
     * a small inference pass from the captured inputs. Both use the weights after this step's update.
     */
    private Tensor outputs(Model m) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray out;
            if (m instanceof MultiLayerNetwork n && outputLayerInput != null && n.getnLayers() >= 2
                    && outputLayerInputKey.equals(String.valueOf(n.getnLayers() - 2))) {
                LayerWorkspaceMgr none = LayerWorkspaceMgr.noWorkspaces();
                InputPreProcessor pre = n.getLayerWiseConfigurations().getInputPreProcess(n.getnLayers() - 1);
                INDArray x = pre == null ? outputLayerInput : pre.preProcess(outputLayerInput, (int) outputLayerInput.size(0), none);
                out = n.getLayer(n.getnLayers() - 1).activate(x, false, none);
            } else {
                INDArray x = Dl4jTensors.networkInput(inputNode, inputs);
                out = m instanceof MultiLayerNetwork n ? n.output(x, false) : ((ComputationGraph) m).output(false, x)[0];
            }
            Dl4jNode last = model.node(model.layers().get(model.layers().size() - 1).id());
            return Dl4jTensors.canonical(last, out, 0);
        }
    }

    /** The layer of node {@code n} in network {@code m} (the network calling back may be a replica); null for nodes without one. */
    private static Layer liveLayer(Model m, Dl4jNode n) {
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
}
