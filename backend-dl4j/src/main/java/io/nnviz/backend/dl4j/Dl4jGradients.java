package io.nnviz.backend.dl4j;

import io.nnviz.api.Capability;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.UnsupportedCapabilityException;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Gradients of one output score with respect to the input and to any layer's activation, by a
 * forward pass in inference mode (no dropout, batch norm with its running statistics) and the
 * layers' own backward passes. The score is the output layer's pre-activation (the logit for a
 * softmax classifier) of unit {@code target}, summed over the batch (and time steps).
 *
 * <p>The network's layers hold inputs between the two passes, so callers lock the network.
 */
final class Dl4jGradients {
    private Dl4jGradients() {
    }

    /**
     * Activations and their gradients by node key (layer index or {@code "input"} for a multi-layer
     * network, vertex name for a graph), and the output layer's pre-activation (the scores differentiated).
     */
    record Result(Map<String, INDArray> activations, Map<String, INDArray> gradients, INDArray scores) {
    }

    /**
     * Runs {@code body} with the dropout of every layer switched off: DL4J's backward pass asks
     * dropout for the mask of a training forward pass, which an inference pass does not make.
     * The configurations are shared with the live network, so they are restored at once.
     */
    private static <T> T withoutDropout(List<NeuralNetConfiguration> confs, Supplier<T> body) {
        Map<NeuralNetConfiguration, IDropout> saved = new IdentityHashMap<>();
        for (NeuralNetConfiguration c : confs) {
            if (c != null && c.getLayer() != null && c.getLayer().getIDropout() != null) {
                saved.put(c, c.getLayer().getIDropout());
                c.getLayer().setIDropout(null);
            }
        }
        try {
            return body.get();
        } finally {
            saved.forEach((c, dropout) -> c.getLayer().setIDropout(dropout));
        }
    }

    static Result run(MultiLayerNetwork net, INDArray input, int target) {
        return run(net, input, target, true);
    }

    static Result run(ComputationGraph cg, INDArray[] inputs, int target) {
        return run(cg, inputs, target, true);
    }

    /** The forward pass alone: activations and the output layer's pre-activation, no gradients. */
    static Result forward(MultiLayerNetwork net, INDArray input) {
        return run(net, input, -1, false);
    }

    /** The forward pass alone, for a graph. */
    static Result forward(ComputationGraph cg, INDArray[] inputs) {
        return run(cg, inputs, -1, false);
    }

    private static Result run(MultiLayerNetwork net, INDArray input, int target, boolean backward) {
        List<NeuralNetConfiguration> confs = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            confs.add(net.getLayerWiseConfigurations().getConf(i));
        }
        if (net.getFlattenedGradients() == null) {
            net.initGradientsView(); // networks made by convertDataType or deserialised without an updater lack it
        }
        return withoutDropout(confs, () -> runMln(net, input, target, backward));
    }

    private static Result run(ComputationGraph cg, INDArray[] inputs, int target, boolean backward) {
        List<NeuralNetConfiguration> confs = new ArrayList<>();
        for (Layer l : cg.getLayers()) {
            confs.add(l.conf());
        }
        if (cg.getFlattenedGradients() == null) {
            cg.initGradientsView();
        }
        return withoutDropout(confs, () -> runCg(cg, inputs, target, backward));
    }

    private static Result runMln(MultiLayerNetwork net, INDArray input, int target, boolean backward) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        int n = net.getnLayers();
        int mb = (int) input.size(0);
        Map<String, INDArray> acts = new HashMap<>();
        Map<String, INDArray> grads = new HashMap<>();
        acts.put("input", input);
        INDArray x = input;
        for (int i = 0; i < n - 1; i++) {
            InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(i);
            if (pre != null) {
                x = pre.preProcess(x, mb, mgr);
            }
            x = net.getLayer(i).activate(x, false, mgr);
            acts.put(String.valueOf(i), x);
        }
        InputPreProcessor outPre = net.getLayerWiseConfigurations().getInputPreProcess(n - 1);
        INDArray h = outPre != null ? outPre.preProcess(x, mb, mgr) : x;
        Layer out = net.getLayer(n - 1);
        INDArray y = out.activate(h, false, mgr);
        acts.put(String.valueOf(n - 1), y);
        INDArray z = preActivation(out, h, mgr);
        if (!backward) {
            net.clear();
            return new Result(acts, Map.of(), z);
        }
        INDArray eps = scoreGradient(out, h, y, target, mgr);
        if (outPre != null) {
            eps = outPre.backprop(eps, mb, mgr);
        }
        for (int i = n - 2; i >= 0; i--) {
            grads.put(String.valueOf(i), eps);
            eps = layerBackward(net.getLayer(i), eps, mgr);
            InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(i);
            if (pre != null) {
                eps = pre.backprop(eps, mb, mgr);
            }
        }
        grads.put("input", eps);
        net.clear();
        return new Result(acts, grads, z);
    }

    private static Result runCg(ComputationGraph cg, INDArray[] inputs, int target, boolean backward) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        GraphVertex[] vertices = cg.getVertices();
        int[] order = cg.topologicalSortOrder();
        String outName = cg.getConfiguration().getNetworkOutputs().get(0);
        int mb = (int) inputs[0].size(0);
        cg.setInputs(inputs); // layer vertices with preprocessors read the batch size from the graph
        INDArray[] value = new INDArray[vertices.length];
        int inputIndex = 0;
        GraphVertex outVertex = null;
        INDArray outInput = null;
        for (int idx : order) {
            GraphVertex v = vertices[idx];
            if (v.isInputVertex()) {
                value[idx] = inputs[inputIndex++];
                continue;
            }
            VertexIndices[] in = v.getInputVertices();
            if (v.getVertexName().equals(outName)) {
                outVertex = v;
                outInput = value[in[0].getVertexIndex()];
                continue;
            }
            for (int k = 0; k < in.length; k++) {
                v.setInput(k, value[in[k].getVertexIndex()], mgr);
            }
            value[idx] = v.doForward(false, mgr);
        }
        if (outVertex == null || !outVertex.hasLayer()) {
            throw new IllegalStateException("output vertex '" + outName + "' is not a layer");
        }
        InputPreProcessor pre = outVertex instanceof LayerVertex lv ? lv.getLayerPreProcessor() : null;
        INDArray h = pre != null ? pre.preProcess(outInput, mb, mgr) : outInput;
        Layer out = outVertex.getLayer();
        INDArray y = out.activate(h, false, mgr);
        value[outVertex.getVertexIndex()] = y;
        INDArray z = preActivation(out, h, mgr);
        INDArray[] eps = new INDArray[vertices.length];
        INDArray e = backward ? scoreGradient(out, h, y, target, mgr) : null;
        if (backward) {
            eps[outVertex.getInputVertices()[0].getVertexIndex()] = pre != null ? pre.backprop(e, mb, mgr) : e;
        }
        for (int k = order.length - 1; backward && k >= 0; k--) {
            int idx = order[k];
            GraphVertex v = vertices[idx];
            if (v == outVertex || v.isInputVertex() || eps[idx] == null) {
                continue;
            }
            INDArray[] back;
            if (v.hasLayer() && v.getLayer() instanceof BatchNormalization) {
                InputPreProcessor p = v instanceof LayerVertex lv ? lv.getLayerPreProcessor() : null;
                INDArray g = layerBackward(v.getLayer(), eps[idx], mgr);
                back = new INDArray[] {p != null ? p.backprop(g, mb, mgr) : g};
            } else {
                v.setEpsilon(eps[idx]);
                back = v.doBackward(false, mgr).getSecond();
            }
            VertexIndices[] in = v.getInputVertices();
            for (int i = 0; i < in.length; i++) {
                if (back[i] == null) {
                    continue;
                }
                int from = in[i].getVertexIndex();
                eps[from] = eps[from] == null ? back[i].dup() : eps[from].add(back[i]);
            }
        }
        Map<String, INDArray> acts = new HashMap<>();
        Map<String, INDArray> grads = new HashMap<>();
        for (GraphVertex v : vertices) {
            if (value[v.getVertexIndex()] != null) {
                acts.put(v.getVertexName(), value[v.getVertexIndex()]);
            }
            if (eps[v.getVertexIndex()] != null) {
                grads.put(v.getVertexName(), eps[v.getVertexIndex()]);
            }
        }
        cg.clear();
        return new Result(acts, grads, z);
    }

    /**
     * A layer's backward pass for its inference-mode forward pass. DL4J's batch normalisation
     * backward pass differentiates through the batch statistics (training mode); at inference the
     * layer is affine, so its input gradient is {@code eps * gamma / std} per channel.
     */
    private static INDArray layerBackward(Layer layer, INDArray eps, LayerWorkspaceMgr mgr) {
        if (layer instanceof BatchNormalization bn) {
            var conf = bn.layerConf(); // the configuration's BatchNormalization
            INDArray std;
            if (bn.getParam("log10stdev") != null) {
                std = Transforms.exp(bn.getParam("log10stdev").mul(Math.log(10)), false);
            } else {
                std = Transforms.sqrt(bn.getParam("var").add(conf.getEps()), false);
            }
            INDArray gamma = bn.getParam("gamma");
            INDArray scale = gamma != null ? gamma.div(std) : std.rdiv(conf.getGamma());
            long c = scale.length();
            scale = scale.castTo(eps.dataType());
            long[] shape;
            if (eps.rank() == 4) {
                shape = conf.getCnn2DFormat() == CNN2DFormat.NHWC
                        ? new long[] {1, 1, 1, c} : new long[] {1, c, 1, 1};
            } else if (eps.rank() == 3) {
                shape = new long[] {1, c, 1};
            } else {
                shape = new long[] {1, c};
            }
            return eps.mul(scale.reshape(shape).broadcast(eps.shape()));
        }
        return layer.backpropGradient(eps, mgr).getSecond();
    }

    /**
     * d(sum of pre-activation unit {@code target}) / d(input of the output layer): column
     * {@code target} of W for layers with weights ([N, nIn] or, for sequence outputs, [N, nIn, T]);
     * a one-hot along the feature axis for loss layers without weights. For a convolution output
     * (image to image: super-resolution, segmentation) unit {@code target} is an output channel,
     * its pre-activation summed over every pixel, as attribution tools score dense predictions.
     */
    private static INDArray scoreGradient(Layer out, INDArray h, INDArray y, int target, LayerWorkspaceMgr mgr) {
        INDArray w = out.getParam("W");
        if (w != null && w.rank() == 4 && y.rank() == 4 && out.conf().getLayer() instanceof ConvolutionLayer c) {
            return convolutionScoreGradient(out, c, y, target, mgr);
        }
        long units = w != null ? w.size(1) : h.size(1);
        if (target < 0 || target >= units) {
            throw new InvalidInputException("target " + target + " is not an output unit: the output layer has "
                    + units + " units (0.." + (units - 1) + ")");
        }
        INDArray eps = Nd4j.zeros(h.dataType(), h.shape());
        if (w == null) {
            if (h.rank() == 2) {
                eps.getColumn(target).assign(1);
            } else {
                eps.get(NDArrayIndex.all(), NDArrayIndex.point(target)).assign(1);
            }
            return eps;
        }
        long nIn = w.size(0);
        INDArray col = w.get(NDArrayIndex.all(), NDArrayIndex.point(target))
                .reshape(nIn).castTo(h.dataType());
        if (h.rank() == 2) {
            eps.addiRowVector(col.reshape(1, nIn));
        } else if (h.rank() == 3) {
            // [N, nIn, T]: the column along the feature axis at every sample and time step
            eps.addi(col.reshape(1, col.length(), 1).broadcast(h.shape()));
        } else {
            throw new UnsupportedCapabilityException("output layer", Capability.INPUT_GRADIENT,
                    "its input has rank " + h.rank());
        }
        return eps;
    }

    /**
     * The output layer's pre-activation: what its activation function (softmax, sigmoid) is applied
     * to, and what {@link #scoreGradient} differentiates. The layer is run again with an identity
     * activation, as {@link #convolutionScoreGradient} does.
     */
    private static INDArray preActivation(Layer out, INDArray h, LayerWorkspaceMgr mgr) {
        if (!(out.conf().getLayer() instanceof BaseLayer conf)) {
            return out.activate(h, false, mgr).dup();
        }
        IActivation fn = conf.getActivationFn();
        conf.setActivationFn(new ActivationIdentity());
        try {
            return out.activate(h, false, mgr).dup();
        } finally {
            conf.setActivationFn(fn);
        }
    }

    /** The output convolution's backward pass from a one-hot channel, its activation function set to identity meanwhile. */
    private static INDArray convolutionScoreGradient(Layer out, ConvolutionLayer c, INDArray y,
                                                     int target, LayerWorkspaceMgr mgr) {
        int channelAxis = c.getCnn2dDataFormat() == CNN2DFormat.NHWC ? 3 : 1;
        long units = y.size(channelAxis);
        if (target < 0 || target >= units) {
            throw new InvalidInputException("target " + target + " is not an output channel: the output convolution has "
                    + units + " channels (0.." + (units - 1) + ")");
        }
        INDArray eps = Nd4j.zeros(y.dataType(), y.shape());
        INDArrayIndex[] at = new INDArrayIndex[4];
        Arrays.fill(at, NDArrayIndex.all());
        at[channelAxis] = NDArrayIndex.point(target);
        eps.get(at).assign(1);
        IActivation fn = c.getActivationFn();
        c.setActivationFn(new ActivationIdentity());
        try {
            return out.backpropGradient(eps, mgr).getSecond();
        } finally {
            c.setActivationFn(fn);
        }
    }
}
