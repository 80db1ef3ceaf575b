package io.nnviz.backend.dl4j;

import io.nnviz.api.BackendException;
import io.nnviz.api.Capability;
import io.nnviz.api.Edge;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerGradient;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;
import io.nnviz.api.spi.WeightShuffle;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Deeplearning4j {@link MultiLayerNetwork} or {@link ComputationGraph} seen as an nnviz model:
 * the {@code ModelView} over the live network, which runs it and hands structure, copies and
 * gradients to the backend's describer, tensors and gradients classes. Users reach it through
 * {@code NNViz.inspect(network)} and {@code NNViz.load(file)}, or through {@link #of} to give a
 * network's input type themselves.
 *
 * <p>Layer ids are the DL4J layer names (vertex names for graphs; {@code "layer<i>"} where a
 * multi-layer network's layer has no name) plus {@code "input"}. Shapes come from the
 * configuration's activation types when the input type is known: given to {@link #of}, found in
 * the first preprocessor, in the network's last input, in the image size a multi-layer network's
 * layers work back to, or in the first layer's {@code nIn}; where it is not, channel counts are
 * still shown and spatial sizes are unknown (-1).
 *
 * <p>Everything is converted to nnviz's canonical layouts: dense weights {@code [out, in]},
 * recurrent kernels {@code [gates * units, in]}, depthwise kernels {@code [C * M, 1, kH, kW]},
 * NHWC activations (Keras imports) to NCHW, recurrent activations {@code [N, C, T]} to
 * {@code [N, T, C]} (1-D convolution activations stay NCW). Gradients are of the output layer's
 * pre-activation unit (the logit of a softmax classifier).
 *
 * <p>The model reads the live network: weights are the current values. Calls that run the
 * network lock it, so do not call them from another thread while {@code fit} runs.
 */
public final class Dl4jModel extends AbstractModel {

    private final MultiLayerNetwork mln;
    private final ComputationGraph cg;
    private final Map<String, Dl4jNode> nodes;
    private final Map<String, String> idByKey;
    private final Object lock;

    /** A model of {@code mln} or {@code cg} (the other null), its nodes by layer id, as {@link Dl4jDescriber} describes it. */
    Dl4jModel(String name, List<LayerInfo> layers, List<Edge> edges, Map<String, String> props, Set<Capability> caps,
              MultiLayerNetwork mln, ComputationGraph cg, Map<String, Dl4jNode> nodes) {
        super(name, "Deeplearning4j", layers, edges, List.of(), props, caps);
        this.mln = mln;
        this.cg = cg;
        this.nodes = nodes;
        this.idByKey = new LinkedHashMap<>();
        nodes.values().forEach(n -> idByKey.put(n.key, n.id));
        this.lock = mln != null ? mln : cg;
    }

    /** A multi-layer network; {@code inputType} may be null to infer it. */
    public static Dl4jModel of(MultiLayerNetwork net, InputType inputType) {
        return Dl4jDescriber.describe(net, inputType);
    }

    /** A computation graph; {@code inputTypes} may be empty to infer them. */
    public static Dl4jModel of(ComputationGraph graph, InputType... inputTypes) {
        return Dl4jDescriber.describe(graph, inputTypes);
    }

    /** A live network, multi-layer or graph, with its input types inferred; anything else is an {@link IllegalArgumentException}. */
    static Dl4jModel ofNetwork(Object network) {
        if (network instanceof MultiLayerNetwork n) {
            return of(n, null);
        }
        if (network instanceof ComputationGraph g) {
            return of(g);
        }
        throw new IllegalArgumentException("not a DL4J network: " + (network == null ? "null" : network.getClass().getName()));
    }

    /** The same model under another name (a file's), for models opened from files. */
    Dl4jModel named(String name) {
        return new Dl4jModel(name, layers(), edges(), properties(), capabilities(), mln, cg, nodes);
    }

    /**
     * A clone of the network (DL4J's own deep copy of configuration and parameters) with the
     * listed layers' parameters shuffled in place, each parameter array within itself.
     */
    @Override
    protected ModelView doWithShuffledWeights(List<LayerInfo> layers, long seed) {
        MultiLayerNetwork mc;
        ComputationGraph gc;
        synchronized (lock) {
            mc = mln != null ? mln.clone() : null;
            gc = cg != null ? cg.clone() : null;
        }
        Map<String, Dl4jNode> copies = new LinkedHashMap<>();
        for (Dl4jNode n : nodes.values()) {
            Layer other = n.layer == null ? null
                    : mc != null ? mc.getLayer(Integer.parseInt(n.key)) : gc.getLayer(n.key);
            copies.put(n.id, n.boundTo(other));
        }
        for (LayerInfo l : layers) {
            Dl4jNode n = copies.get(l.id());
            if (n.layer == null) {
                continue;
            }
            for (Map.Entry<String, INDArray> p : n.layer.paramTable().entrySet()) {
                Dl4jTensors.shuffleInPlace(p.getValue(), WeightShuffle.random(seed, l.id(), p.getKey()));
            }
        }
        return new Dl4jModel(name() + " (shuffled " + layers.size() + " layers)", layers(), edges(), properties(), capabilities(),
                mc, gc, copies);
    }

    /** The node of a layer id, or null. */
    Dl4jNode node(String id) {
        return nodes.get(id);
    }

    /** The node of a DL4J key (MLN layer index, CG vertex name), or null. */
    Dl4jNode nodeByKey(String key) {
        String id = idByKey.get(key);
        return id == null ? null : nodes.get(id);
    }

    /** Every node by layer id, in the model's layer order. */
    Map<String, Dl4jNode> nodes() {
        return nodes;
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        Dl4jNode n = nodes.get(layer.id());
        if (n.layer == null) {
            return List.of();
        }
        synchronized (lock) {
            return Dl4jTensors.weights(n, n.layer.paramTable());
        }
    }

    /** The network's one input node; several inputs are an {@link InvalidInputException}. */
    private Dl4jNode inputNode() {
        List<String> inputs = cg != null ? cg.getConfiguration().getNetworkInputs() : List.of("input");
        if (inputs.size() != 1) {
            throw new InvalidInputException("model '" + name() + "' has " + inputs.size() + " inputs " + inputs
                    + "; nnviz passes one input tensor");
        }
        return nodeByKey(inputs.get(0));
    }

    private INDArray toNetworkInput(Tensor input) {
        Dl4jNode in = inputNode();
        checkInputShape(input, in);
        return Dl4jTensors.networkInput(in, input);
    }

    private void checkInputShape(Tensor input, Dl4jNode in) {
        Shape declared = in.outputShape;
        if (declared == null || declared.isCompatibleWith(input.shape())) {
            return;
        }
        if (in.flatImage && input.rank() == 2 && input.shape().dim(1) == declared.dim(1) * declared.dim(2) * declared.dim(3)) {
            return; // flattened images as DL4J iterators give them
        }
        throw new InvalidInputException("model '" + name() + "' expects input of shape " + declared
                + (in.flatImage ? " (or flattened to [N, " + declared.dim(1) * declared.dim(2) * declared.dim(3) + "])" : "")
                + " but got " + input.shape());
    }

    /** The probabilities of the network's self-attention layers ({@code Dl4jAttention}), by layer id. */
    @Override
    protected Map<String, Tensor> doAttentionWeights(Map<String, Tensor> inputs) {
        if (inputs.size() != 1) {
            throw new InvalidInputException("model '" + name() + "' takes one input; " + inputs.size() + " were given");
        }
        if (Dl4jAttention.layers(mln, cg).isEmpty()) {
            return Map.of();
        }
        INDArray x = toNetworkInput(inputs.values().iterator().next());
        Map<String, Tensor> out = new LinkedHashMap<>();
        synchronized (lock) {
            try {
                Dl4jAttention.of(mln, cg, x).forEach((key, w) -> out.put(idByKey.get(key), Dl4jTensors.copy(w)));
            } catch (InvalidInputException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new InvalidInputException("DL4J could not compute the attention of model '" + name() + "' on input "
                        + inputs.values().iterator().next().shape() + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    @Override
    protected Map<String, Tensor> doActivations(Tensor input, List<LayerInfo> layers) {
        INDArray x = toNetworkInput(input);
        Map<String, Tensor> out = new LinkedHashMap<>();
        synchronized (lock) {
            try {
                if (mln != null) {
                    List<INDArray> acts = mln.feedForward(x, false);
                    for (LayerInfo l : layers) {
                        Dl4jNode n = nodes.get(l.id());
                        INDArray a = n.key.equals("input") ? x : acts.get(Integer.parseInt(n.key) + 1);
                        out.put(l.id(), Dl4jTensors.canonical(n, a, 0));
                    }
                } else {
                    Map<String, INDArray> acts = cg.feedForward(new INDArray[] {x}, false);
                    for (LayerInfo l : layers) {
                        Dl4jNode n = nodes.get(l.id());
                        INDArray a = acts.get(n.key);
                        if (a == null) {
                            throw new BackendException("DL4J's forward pass gave no activation for vertex '" + n.key + "'", null);
                        }
                        out.put(l.id(), Dl4jTensors.canonical(n, a, 0));
                    }
                }
            } catch (RuntimeException e) {
                throw wrap("forward pass", input, e);
            }
        }
        return out;
    }

    private RuntimeException wrap(String what, Tensor input, RuntimeException e) {
        if (e instanceof NnvizException) {
            return e;
        }
        return new InvalidInputException("DL4J " + what + " of model '" + name() + "' failed on input " + input.shape()
                + ": " + e.getMessage(), e);
    }

    private Dl4jGradients.Result backprop(Tensor input, int target) {
        INDArray x = toNetworkInput(input);
        synchronized (lock) {
            try {
                return mln != null ? Dl4jGradients.run(mln, x, target) : Dl4jGradients.run(cg, new INDArray[] {x}, target);
            } catch (RuntimeException e) {
                throw wrap("backward pass", input, e);
            }
        }
    }

    /** DL4J's output layers apply their activation themselves: the scores are what it is applied to (logits), as gradients take them. */
    @Override
    protected Tensor doScores(Tensor input) {
        INDArray x = toNetworkInput(input);
        Dl4jGradients.Result r;
        synchronized (lock) {
            try {
                r = mln != null ? Dl4jGradients.forward(mln, x) : Dl4jGradients.forward(cg, new INDArray[] {x});
            } catch (RuntimeException e) {
                throw wrap("forward pass", input, e);
            }
        }
        LayerInfo last = layers().get(layers().size() - 1);
        return Dl4jTensors.canonical(nodes.get(last.id()), r.scores(), 0);
    }

    @Override
    protected Tensor doInputGradient(Tensor input, int target) {
        Dl4jNode in = inputNode();
        Tensor g = Dl4jTensors.canonical(in, backprop(input, target).gradients().get(in.key), 0);
        // give the gradient in the shape the caller passed (flattened images stay flat)
        return g.shape().equals(input.shape()) ? g : g.reshape(input.shape().toArray());
    }

    @Override
    protected LayerGradient doLayerGradient(Tensor input, LayerInfo layer, int target) {
        Dl4jNode n = nodes.get(layer.id());
        Dl4jGradients.Result r = backprop(input, target);
        INDArray a = r.activations().get(n.key), g = r.gradients().get(n.key);
        if (a == null || g == null) {
            throw new InvalidInputException("layer '" + layer.id() + "' of model '" + name()
                    + "' has no gradient: it is the output layer or does not lead to it");
        }
        return new LayerGradient(layer.id(), target, Dl4jTensors.canonical(n, a, 0), Dl4jTensors.canonical(n, g, 0));
    }
}
