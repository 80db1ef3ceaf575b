package io.nnviz.backend.dl4j;

import io.nnviz.api.Capability;
import io.nnviz.api.Edge;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerGradient;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.WeightShuffle;
import io.nnviz.api.BackendException;
import io.nnviz.api.spi.AbstractModel;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Deeplearning4j {@link MultiLayerNetwork} or {@link ComputationGraph} seen as an nnviz model.
 *
 * <p>Layer ids are the DL4J layer names (vertex names for graphs; {@code "layer<i>"} where a
 * multi-layer network's layer has no name) plus {@code "input"}. Shapes come from the
 * configuration's activation types when the input type is known: given to {@link #of}, found in
 * the first preprocessor, in the network's last input, or in the first layer's {@code nIn}; where
 * it is not, channel counts are still shown and spatial sizes are unknown (-1).
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

    /** Internal description of one layer or vertex. */
    static final class Node {
        final String id;
        final String key; // MLN layer index or "input"; CG vertex name
        final org.deeplearning4j.nn.conf.layers.Layer conf; // null for inputs and non-layer vertices
        final org.deeplearning4j.nn.api.Layer layer; // null for inputs and non-layer vertices
        final boolean nwc, conv1d, flatImage;
        /** Images in this node are NHWC; set after construction for an input whose type is unknown (see describe). */
        boolean nhwc;
        /** Final but where the input type is unknown: {@link #guessInput} and {@link PartialShapes} complete it. */
        Shape outputShape;
        final List<String> paramKeys = new ArrayList<>();
        final List<LayerMapping.ParamMapping> mappings = new ArrayList<>();

        Node(String id, String key, org.deeplearning4j.nn.conf.layers.Layer conf, org.deeplearning4j.nn.api.Layer layer,
             InputType type, boolean flatImage) {
            this.id = id;
            this.key = key;
            this.conf = conf;
            this.layer = layer;
            this.conv1d = conf != null && LayerMapping.isConv1d(conf);
            this.flatImage = flatImage;
            boolean h = false, w = false;
            if (type instanceof InputType.InputTypeConvolutional c) {
                h = c.getFormat() == CNN2DFormat.NHWC;
            } else if (type instanceof InputType.InputTypeRecurrent r) {
                w = r.getFormat() == RNNFormat.NWC;
            } else if (LayerMapping.imageFormat(conf) != null) {
                h = LayerMapping.imageFormat(conf) == CNN2DFormat.NHWC;
            } else if (conf instanceof BaseRecurrentLayer r) {
                w = r.getRnnDataFormat() == RNNFormat.NWC;
            }
            this.nhwc = h;
            this.nwc = w;
            this.outputShape = type != null ? Dl4jDescriber.shapeOf(type, conv1d, flatImage) : Dl4jDescriber.partialShape(conf);
        }

        /**
         * For an input whose type is unknown (DL4J zips do not keep it): the layout the first layer
         * it feeds works in and the channel count of the first convolution after it (the layers it
         * feeds, in order), image size unknown.
         */
        void guessInput(List<org.deeplearning4j.nn.conf.layers.Layer> chain) {
            CNN2DFormat f = chain.isEmpty() ? null : LayerMapping.imageFormat(chain.get(0));
            if (f == null) {
                return;
            }
            nhwc = f == CNN2DFormat.NHWC;
            outputShape = Shape.ofLongs(-1, PartialShapes.inputChannels(chain), -1, -1);
        }

        /** The DL4J array of this node as a canonical tensor (first {@code maxSamples} samples if > 0). */
        Tensor canonical(INDArray a, int maxSamples) {
            Tensor t = Nd.copy(a, maxSamples);
            if (flatImage && t.rank() == 2 && outputShape != null && outputShape.rank() == 4) {
                return t.reshape(t.shape().dim(0), outputShape.dim(1), outputShape.dim(2), outputShape.dim(3));
            }
            if (t.rank() == 4 && nhwc) {
                return t.permute(0, 3, 1, 2);
            }
            if (t.rank() == 3 && (conv1d == nwc)) {
                // sequences to [N, T, C] from NCW; 1-D conv maps to NCW from NWC
                return t.permute(0, 2, 1);
            }
            return t;
        }

        /** This node bound to the same layer of another network (a clone of this one's). */
        Node boundTo(org.deeplearning4j.nn.api.Layer other) {
            return new Node(this, other);
        }

        private Node(Node n, org.deeplearning4j.nn.api.Layer other) {
            this.id = n.id;
            this.key = n.key;
            this.conf = n.conf;
            this.layer = other;
            this.nwc = n.nwc;
            this.conv1d = n.conv1d;
            this.flatImage = n.flatImage;
            this.nhwc = n.nhwc;
            this.outputShape = n.outputShape;
            this.paramKeys.addAll(n.paramKeys);
            this.mappings.addAll(n.mappings);
        }

        /** A canonical input tensor as the DL4J array this (input) node takes. */
        INDArray fromCanonical(Tensor t) {
            if (flatImage && t.rank() == 4) {
                return Nd.array(t.reshape(t.shape().dim(0), t.size() / t.shape().dim(0)));
            }
            if (t.rank() == 4 && nhwc) {
                return Nd.array(t.permute(0, 2, 3, 1));
            }
            if (t.rank() == 3 && !nwc) {
                return Nd.array(t.permute(0, 2, 1));
            }
            return Nd.array(t);
        }
    }

    private final MultiLayerNetwork mln;
    private final ComputationGraph cg;
    private final Map<String, Node> nodes;
    private final Map<String, String> idByKey;
    private final Object lock;

    Dl4jModel(String name, List<LayerInfo> layers, List<Edge> edges, Map<String, String> props, Set<Capability> caps,
                      MultiLayerNetwork mln, ComputationGraph cg, Map<String, Node> nodes) {
        super(name, "Deeplearning4j", layers, edges, List.of(), props, caps);
        this.mln = mln;
        this.cg = cg;
        this.nodes = nodes;
        this.idByKey = new LinkedHashMap<>();
        nodes.values().forEach(n -> idByKey.put(n.key, n.id));
        this.lock = mln != null ? mln : cg;
    }

    /** The network this model reads. */
    public Object network() {
        return mln != null ? mln : cg;
    }

    /** A multi-layer network; {@code inputType} may be null to infer it. */
    public static Dl4jModel of(MultiLayerNetwork net, InputType inputType) {
        return Dl4jDescriber.describe(net, inputType);
    }

    /** A computation graph; {@code inputTypes} may be empty to infer them. */
    public static Dl4jModel of(ComputationGraph graph, InputType... inputTypes) {
        return Dl4jDescriber.describe(graph, inputTypes);
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
    protected io.nnviz.api.ModelView doWithShuffledWeights(List<LayerInfo> layers, long seed) {
        MultiLayerNetwork mc;
        ComputationGraph gc;
        synchronized (lock) {
            mc = mln != null ? mln.clone() : null;
            gc = cg != null ? cg.clone() : null;
        }
        Map<String, Node> copies = new LinkedHashMap<>();
        for (Node n : nodes.values()) {
            org.deeplearning4j.nn.api.Layer other = n.layer == null ? null
                    : mc != null ? mc.getLayer(Integer.parseInt(n.key)) : gc.getLayer(n.key);
            copies.put(n.id, n.boundTo(other));
        }
        for (LayerInfo l : layers) {
            Node n = copies.get(l.id());
            if (n.layer == null) {
                continue;
            }
            for (Map.Entry<String, INDArray> p : n.layer.paramTable().entrySet()) {
                INDArray a = p.getValue();
                float[] v = WeightShuffle.shuffle(a.dup('c').data().asFloat(), WeightShuffle.random(seed, l.id(), p.getKey()));
                a.assign(org.nd4j.linalg.factory.Nd4j.create(v, a.shape(), 'c').castTo(a.dataType()));
            }
        }
        return new Dl4jModel(name() + " (shuffled " + layers.size() + " layers)", layers(), edges(), properties(), capabilities(),
                mc, gc, copies);
    }

    Node node(String id) {
        return nodes.get(id);
    }

    /** The node of a DL4J key (MLN layer index, CG vertex name), or null. */
    Node nodeByKey(String key) {
        String id = idByKey.get(key);
        return id == null ? null : nodes.get(id);
    }

    Map<String, Node> nodes() {
        return nodes;
    }

    /** The parameters of one node, canonical. */
    List<WeightTensor> weightsOf(Node n, Map<String, INDArray> params) {
        List<WeightTensor> out = new ArrayList<>(n.paramKeys.size());
        for (int i = 0; i < n.paramKeys.size(); i++) {
            INDArray p = params.get(n.paramKeys.get(i));
            if (p == null) {
                continue;
            }
            LayerMapping.ParamMapping m = n.mappings.get(i);
            Tensor canonical = m.isTranspose() && p.rank() == 2 ? Nd.copy(p.transpose()) : m.toCanonical().apply(Nd.copy(p));
            out.add(WeightTensor.of(n.id, m.name(), m.role(), canonical));
        }
        return out;
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        Node n = nodes.get(layer.id());
        if (n.layer == null) {
            return List.of();
        }
        synchronized (lock) {
            return weightsOf(n, n.layer.paramTable());
        }
    }

    private Node inputNode() {
        List<String> inputs = cg != null ? cg.getConfiguration().getNetworkInputs() : List.of("input");
        if (inputs.size() != 1) {
            throw new InvalidInputException("model '" + name() + "' has " + inputs.size() + " inputs " + inputs
                    + "; nnviz passes one input tensor");
        }
        return nodeByKey(inputs.get(0));
    }

    private INDArray toNetworkInput(Tensor input) {
        Node in = inputNode();
        checkInputShape(input, in);
        return in.fromCanonical(input);
    }

    private void checkInputShape(Tensor input, Node in) {
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

    /** The probabilities of the network's self-attention layers ({@link Dl4jAttention}), by layer id. */
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
                Dl4jAttention.of(mln, cg, x).forEach((key, w) -> out.put(idByKey.get(key), Nd.copy(w)));
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
                        Node n = nodes.get(l.id());
                        INDArray a = n.key.equals("input") ? x : acts.get(Integer.parseInt(n.key) + 1);
                        out.put(l.id(), n.canonical(a, 0));
                    }
                } else {
                    Map<String, INDArray> acts = cg.feedForward(new INDArray[] {x}, false);
                    for (LayerInfo l : layers) {
                        Node n = nodes.get(l.id());
                        INDArray a = acts.get(n.key);
                        if (a == null) {
                            throw new BackendException("DL4J's forward pass gave no activation for vertex '" + n.key + "'", null);
                        }
                        out.put(l.id(), n.canonical(a, 0));
                    }
                }
            } catch (RuntimeException e) {
                throw wrap("forward pass", input, e);
            }
        }
        return out;
    }

    private RuntimeException wrap(String what, Tensor input, RuntimeException e) {
        if (e instanceof io.nnviz.api.NnvizException) {
            return e;
        }
        return new InvalidInputException("DL4J " + what + " of model '" + name() + "' failed on input " + input.shape()
                + ": " + e.getMessage(), e);
    }

    private Backprop.Result backprop(Tensor input, int target) {
        INDArray x = toNetworkInput(input);
        synchronized (lock) {
            try {
                return mln != null ? Backprop.run(mln, x, target) : Backprop.run(cg, new INDArray[] {x}, target);
            } catch (RuntimeException e) {
                throw wrap("backward pass", input, e);
            }
        }
    }

    /** DL4J's output layers apply their activation themselves: the scores are what it is applied to (logits), as gradients take them. */
    @Override
    protected Tensor doScores(Tensor input) {
        INDArray x = toNetworkInput(input);
        Backprop.Result r;
        synchronized (lock) {
            try {
                r = mln != null ? Backprop.forward(mln, x) : Backprop.forward(cg, new INDArray[] {x});
            } catch (RuntimeException e) {
                throw wrap("forward pass", input, e);
            }
        }
        LayerInfo last = layers().get(layers().size() - 1);
        return nodes.get(last.id()).canonical(r.scores(), 0);
    }

    @Override
    protected Tensor doInputGradient(Tensor input, int target) {
        Node in = inputNode();
        Tensor g = in.canonical(backprop(input, target).gradients().get(in.key), 0);
        // give the gradient in the shape the caller passed (flattened images stay flat)
        return g.shape().equals(input.shape()) ? g : g.reshape(input.shape().toArray());
    }

    @Override
    protected LayerGradient doLayerGradient(Tensor input, LayerInfo layer, int target) {
        Node n = nodes.get(layer.id());
        Backprop.Result r = backprop(input, target);
        INDArray a = r.activations().get(n.key), g = r.gradients().get(n.key);
        if (a == null || g == null) {
            throw new InvalidInputException("layer '" + layer.id() + "' of model '" + name()
                    + "' has no gradient: it is the output layer or does not lead to it");
        }
        return new LayerGradient(layer.id(), target, n.canonical(a, 0), n.canonical(g, 0));
    }

    /** Layer ids in the order DL4J's listener reports activations (MLN: layer index + 1, after the input). */
    List<String> idsInOrder() {
        return Collections.unmodifiableList(new ArrayList<>(nodes.keySet()));
    }
}
