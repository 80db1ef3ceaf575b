package io.nnviz.backend.dl4j;

import io.nnviz.api.Capability;
import io.nnviz.api.Edge;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.Layer;
import io.nnviz.api.LayerGradient;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.BackendException;
import io.nnviz.api.spi.AbstractModel;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
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
        /** Final but for an input of unknown type, which {@link #guessInput} completes from the first layer. */
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
            this.outputShape = type != null ? shapeOf(type, conv1d, flatImage) : partialShape(conf);
        }

        /**
         * For an input whose type is unknown (DL4J zips do not keep it): the layout and channel
         * count the first layer it feeds implies, image size unknown.
         */
        void guessInput(org.deeplearning4j.nn.conf.layers.Layer first) {
            CNN2DFormat f = LayerMapping.imageFormat(first);
            if (f == null) {
                return;
            }
            nhwc = f == CNN2DFormat.NHWC;
            long c = LayerMapping.unwrapFrozen(first) instanceof ConvolutionLayer conv ? conv.getNIn() : -1;
            outputShape = Shape.ofLongs(-1, c > 0 ? c : -1, -1, -1);
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

    private Dl4jModel(String name, List<Layer> layers, List<Edge> edges, Map<String, String> props, Set<Capability> caps,
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
        return Describer.describe(net, inputType);
    }

    /** A computation graph; {@code inputTypes} may be empty to infer them. */
    public static Dl4jModel of(ComputationGraph graph, InputType... inputTypes) {
        return Describer.describe(graph, inputTypes);
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
    protected List<WeightTensor> doWeights(Layer layer) {
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

    @Override
    protected Map<String, Tensor> doActivations(Tensor input, List<Layer> layers) {
        INDArray x = toNetworkInput(input);
        Map<String, Tensor> out = new LinkedHashMap<>();
        synchronized (lock) {
            try {
                if (mln != null) {
                    List<INDArray> acts = mln.feedForward(x, false);
                    for (Layer l : layers) {
                        Node n = nodes.get(l.id());
                        INDArray a = n.key.equals("input") ? x : acts.get(Integer.parseInt(n.key) + 1);
                        out.put(l.id(), n.canonical(a, 0));
                    }
                } else {
                    Map<String, INDArray> acts = cg.feedForward(new INDArray[] {x}, false);
                    for (Layer l : layers) {
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

    @Override
    protected Tensor doInputGradient(Tensor input, int target) {
        Node in = inputNode();
        Tensor g = in.canonical(backprop(input, target).gradients().get(in.key), 0);
        // give the gradient in the shape the caller passed (flattened images stay flat)
        return g.shape().equals(input.shape()) ? g : g.reshape(input.shape().toArray());
    }

    @Override
    protected LayerGradient doLayerGradient(Tensor input, Layer layer, int target) {
        Node n = nodes.get(layer.id());
        Backprop.Result r = backprop(input, target);
        INDArray a = r.activations().get(n.key), g = r.gradients().get(n.key);
        if (a == null || g == null) {
            throw new InvalidInputException("layer '" + layer.id() + "' of model '" + name()
                    + "' has no gradient: it is the output layer or does not lead to it");
        }
        return new LayerGradient(layer.id(), target, n.canonical(a, 0), n.canonical(g, 0));
    }

    /** Builds models from networks. */
    static final class Describer {
        private Describer() {
        }

        static Dl4jModel describe(MultiLayerNetwork net, InputType given) {
            MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
            int n = net.getnLayers();
            InputType in = given != null ? given : inferInput(net);
            List<InputType> types = null;
            if (in != null) {
                try {
                    types = conf.getLayerActivationTypes(in);
                } catch (RuntimeException e) {
                    types = null; // shapes stay partial
                }
            }
            Map<String, Node> nodes = new LinkedHashMap<>();
            List<Layer> layers = new ArrayList<>();
            List<Edge> edges = new ArrayList<>();
            boolean flat = in instanceof InputType.InputTypeConvolutionalFlat;
            Node input = new Node("input", "input", null, null, flat ? ((InputType.InputTypeConvolutionalFlat) in).getUnflattenedType() : in, flat);
            if (in == null && n > 0) {
                input.guessInput(conf.getConf(0).getLayer());
            }
            nodes.put(input.id, input);
            layers.add(Layer.builder("input", LayerKind.INPUT).name("input").frameworkType(in == null ? "input" : in.getClass().getSimpleName())
                    .outputShape(input.outputShape).build());
            Set<String> used = new HashSet<>(Set.of("input"));
            String prev = "input";
            Shape prevShape = input.outputShape;
            for (int i = 0; i < n; i++) {
                org.deeplearning4j.nn.conf.layers.Layer lc = conf.getConf(i).getLayer();
                String name = lc.getLayerName() != null ? lc.getLayerName() : "layer" + i;
                String id = unique(name, used);
                Node node = new Node(id, String.valueOf(i), lc, net.getLayer(i), types == null ? null : types.get(i), false);
                nodes.put(id, node);
                layers.add(layer(node, name, lc.getClass().getSimpleName(), prevShape, conf.getInputPreProcess(i), net.getLayer(i).paramTable()));
                edges.add(new Edge(prev, id));
                prev = id;
                prevShape = node.outputShape;
            }
            return new Dl4jModel("MultiLayerNetwork", layers, edges, properties(net.numParams(), in), capabilities(net.getLayer(n - 1)),
                    net, null, nodes);
        }

        static Dl4jModel describe(ComputationGraph graph, InputType... given) {
            ComputationGraphConfiguration conf = graph.getConfiguration();
            List<String> inputs = conf.getNetworkInputs();
            InputType[] in = given != null && given.length == inputs.size() ? given : inferInputs(graph);
            Map<String, InputType> types = null;
            if (in != null) {
                try {
                    types = conf.getLayerActivationTypes(in);
                } catch (RuntimeException e) {
                    types = null;
                }
            }
            Map<String, Node> nodes = new LinkedHashMap<>();
            List<Layer> layers = new ArrayList<>();
            List<Edge> edges = new ArrayList<>();
            for (int k = 0; k < inputs.size(); k++) {
                InputType t = in == null ? null : in[k];
                boolean flat = t instanceof InputType.InputTypeConvolutionalFlat;
                Node node = new Node(inputs.get(k), inputs.get(k), null, null,
                        flat ? ((InputType.InputTypeConvolutionalFlat) t).getUnflattenedType() : t, flat);
                if (t == null) {
                    node.guessInput(firstFed(conf, inputs.get(k)));
                }
                nodes.put(node.id, node);
                layers.add(Layer.builder(node.id, LayerKind.INPUT).name(node.id).frameworkType("input")
                        .outputShape(node.outputShape).build());
            }
            Map<String, List<String>> vertexInputs = conf.getVertexInputs();
            for (String name : conf.getTopologicalOrderStr()) {
                if (inputs.contains(name)) {
                    continue;
                }
                GraphVertex v = conf.getVertices().get(name);
                org.deeplearning4j.nn.conf.layers.Layer lc = v instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
                org.deeplearning4j.nn.api.Layer live = lc != null ? graph.getLayer(name) : null;
                Node node = new Node(name, name, lc, live, types == null ? null : types.get(name), false);
                nodes.put(name, node);
                List<String> from = vertexInputs.getOrDefault(name, List.of());
                Shape inShape = from.isEmpty() || nodes.get(from.get(0)) == null ? null : nodes.get(from.get(0)).outputShape;
                Layer l;
                if (lc != null) {
                    l = layer(node, name, lc.getClass().getSimpleName(), inShape, ((LayerVertex) v).getPreProcessor(),
                            live.paramTable());
                } else {
                    Layer.Builder b = Layer.builder(name, vertexKind(v)).name(name).frameworkType(v.getClass().getSimpleName())
                            .outputShape(node.outputShape);
                    for (String f : from) {
                        Node src = nodes.get(f);
                        if (src != null && src.outputShape != null) {
                            b.inputShape(src.outputShape);
                        }
                    }
                    if (v instanceof ElementWiseVertex e) {
                        b.attribute("op", e.getOp());
                    }
                    l = b.build();
                }
                layers.add(l);
                for (String f : from) {
                    edges.add(new Edge(f, name));
                }
            }
            String outName = conf.getNetworkOutputs().get(0);
            return new Dl4jModel("ComputationGraph", layers, edges, properties(graph.numParams(), in == null ? null : in[0]),
                    capabilities(inputs.size() == 1 ? graph.getLayer(outName) : null), null, graph, nodes);
        }

        private static Layer layer(Node node, String name, String type, Shape inShape, InputPreProcessor pre,
                                   Map<String, INDArray> params) {
            Layer.Builder b = Layer.builder(node.id, LayerMapping.kind(node.conf)).name(name).frameworkType(type)
                    .outputShape(node.outputShape);
            if (inShape != null) {
                b.inputShape(inShape);
            }
            LayerMapping.attributes(node.conf).forEach(b::attribute);
            if (pre != null) {
                b.attribute("preprocessor", pre.getClass().getSimpleName());
            }
            // each parameter's mapping, once; then kernels first, as users read a layer
            List<Map.Entry<String, LayerMapping.ParamMapping>> mapped = new ArrayList<>();
            for (Map.Entry<String, INDArray> e : params.entrySet()) {
                mapped.add(Map.entry(e.getKey(), LayerMapping.param(node.conf, e.getKey(), e.getValue().shape())));
            }
            mapped.sort(java.util.Comparator.comparingInt(e -> roleRank(e.getValue().role())));
            for (Map.Entry<String, LayerMapping.ParamMapping> e : mapped) {
                LayerMapping.ParamMapping m = e.getValue();
                Shape canonical = m.toCanonical().apply(Tensor.zeros(toInts(params.get(e.getKey()).shape()))).shape();
                node.paramKeys.add(e.getKey());
                node.mappings.add(m);
                b.weight(new WeightSpec(m.name(), m.role(), canonical));
            }
            return b.build();
        }

        /** Kernels first, then biases and normalisation parameters, as users read a layer. */
        private static int roleRank(io.nnviz.api.WeightRole r) {
            return switch (r) {
                case KERNEL, INPUT_KERNEL, EMBEDDING -> 0;
                case RECURRENT_KERNEL -> 1;
                case BIAS -> 2;
                case GAMMA -> 3;
                case BETA -> 4;
                case RUNNING_MEAN -> 5;
                case RUNNING_VAR -> 6;
                default -> 7;
            };
        }

        private static int[] toInts(long[] s) {
            int[] r = new int[s.length];
            for (int i = 0; i < s.length; i++) {
                r[i] = Math.toIntExact(s[i]);
            }
            return r;
        }

        private static LayerKind vertexKind(GraphVertex v) {
            String t = v.getClass().getSimpleName();
            return switch (t) {
                case "MergeVertex", "ElementWiseVertex" -> LayerKind.MERGE;
                case "StackVertex", "UnstackVertex", "SubsetVertex", "ReshapeVertex", "PreprocessorVertex",
                     "LastTimeStepVertex", "DuplicateToTimeSeriesVertex", "ReverseTimeSeriesVertex" -> LayerKind.RESHAPE;
                case "L2NormalizeVertex" -> LayerKind.NORM;
                case "AttentionVertex" -> LayerKind.ATTENTION;
                default -> LayerKind.OTHER;
            };
        }

        private static String unique(String name, Set<String> used) {
            String id = name;
            for (int k = 2; !used.add(id); k++) {
                id = name + "#" + k;
            }
            return id;
        }

        private static Map<String, String> properties(long params, InputType in) {
            Map<String, String> p = new LinkedHashMap<>();
            p.put("parameters", String.valueOf(params));
            p.put("input type", in == null ? "unknown (shapes partial)" : in.toString());
            try {
                p.put("nd4j backend", Nd4j.getBackend().getClass().getSimpleName());
                Object env = Nd4j.getExecutioner().getEnvironmentInformation().get("backend");
                p.put("device", env == null ? "unknown" : env.toString());
                p.put("devices", String.valueOf(Nd4j.getAffinityManager().getNumberOfDevices()));
                p.put("data type", String.valueOf(Nd4j.dataType()));
            } catch (RuntimeException | LinkageError e) {
                p.put("nd4j backend", "unavailable: " + e);
            }
            return p;
        }

        private static Set<Capability> capabilities(org.deeplearning4j.nn.api.Layer out) {
            Set<Capability> c = EnumSet.of(Capability.WEIGHTS, Capability.ACTIVATIONS);
            // the score is the last layer's pre-activation: an output layer, or a dense layer or 2-D
            // convolution ending a network without one (Keras imports without a training configuration)
            org.deeplearning4j.nn.conf.layers.Layer last = out != null && out.conf() != null ? out.conf().getLayer() : null;
            boolean weighted = out != null && out.getParam("W") != null;
            boolean denseLast = weighted && last instanceof FeedForwardLayer && !(last instanceof ConvolutionLayer);
            boolean convLast = weighted && last instanceof ConvolutionLayer && !LayerMapping.isConv1d(last);
            if (out instanceof org.deeplearning4j.nn.api.layers.IOutputLayer || denseLast || convLast) {
                c.add(Capability.INPUT_GRADIENT);
                c.add(Capability.LAYER_GRADIENT);
            }
            return c;
        }

        /** The input type of a multi-layer network, from its preprocessor, last input or first layer. */
        static InputType inferInput(MultiLayerNetwork net) {
            MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
            InputPreProcessor pre = conf.getInputPreProcess(0);
            if (pre instanceof FeedForwardToCnnPreProcessor p) {
                return InputType.convolutionalFlat(p.getInputHeight(), p.getInputWidth(), p.getNumChannels());
            }
            org.deeplearning4j.nn.conf.layers.Layer first = LayerMapping.unwrapFrozen(conf.getConf(0).getLayer());
            InputType fromInput = fromArray(net.getInput(), first);
            if (fromInput != null) {
                return fromInput;
            }
            return fromFirstLayer(first);
        }

        private static InputType[] inferInputs(ComputationGraph graph) {
            ComputationGraphConfiguration conf = graph.getConfiguration();
            List<String> inputs = conf.getNetworkInputs();
            InputType[] out = new InputType[inputs.size()];
            INDArray[] last = graph.getInputs();
            for (int k = 0; k < out.length; k++) {
                LayerVertex fed = firstFedVertex(conf, inputs.get(k));
                org.deeplearning4j.nn.conf.layers.Layer first = fed == null ? null : LayerMapping.unwrapFrozen(fed.getLayerConf().getLayer());
                InputPreProcessor pre = fed == null ? null : fed.getPreProcessor();
                if (pre instanceof FeedForwardToCnnPreProcessor p) {
                    out[k] = InputType.convolutionalFlat(p.getInputHeight(), p.getInputWidth(), p.getNumChannels());
                    continue;
                }
                out[k] = fromArray(last != null && last.length > k ? last[k] : null, first);
                if (out[k] == null && first != null) {
                    out[k] = fromFirstLayer(first);
                }
                if (out[k] == null) {
                    return null;
                }
            }
            return out;
        }

        /** The first layer vertex (in topological order) fed by a network input, or null. */
        private static LayerVertex firstFedVertex(ComputationGraphConfiguration conf, String input) {
            for (String name : conf.getTopologicalOrderStr()) {
                List<String> from = conf.getVertexInputs().get(name);
                if (from != null && from.contains(input) && conf.getVertices().get(name) instanceof LayerVertex lv) {
                    return lv;
                }
            }
            return null;
        }

        private static org.deeplearning4j.nn.conf.layers.Layer firstFed(ComputationGraphConfiguration conf, String input) {
            LayerVertex v = firstFedVertex(conf, input);
            return v == null ? null : v.getLayerConf().getLayer();
        }

        private static InputType fromArray(INDArray a, org.deeplearning4j.nn.conf.layers.Layer first) {
            if (a == null) {
                return null;
            }
            long[] s = a.shape();
            if (s.length == 2) {
                return InputType.feedForward(s[1]);
            }
            if (s.length == 4) {
                boolean nhwc = LayerMapping.imageFormat(first) == CNN2DFormat.NHWC;
                return nhwc ? InputType.convolutional(s[1], s[2], s[3], CNN2DFormat.NHWC)
                        : InputType.convolutional(s[2], s[3], s[1], CNN2DFormat.NCHW);
            }
            if (s.length == 3) {
                boolean nwc = first instanceof BaseRecurrentLayer r && r.getRnnDataFormat() == RNNFormat.NWC;
                return nwc ? InputType.recurrent(s[2], s[1], RNNFormat.NWC) : InputType.recurrent(s[1], s[2], RNNFormat.NCW);
            }
            return null;
        }

        private static InputType fromFirstLayer(org.deeplearning4j.nn.conf.layers.Layer first) {
            if (first instanceof org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer) {
                return InputType.recurrent(1); // token indices, one feature per time step
            }
            if (first instanceof BaseRecurrentLayer r && r.getNIn() > 0) {
                return InputType.recurrent(r.getNIn(), r.getRnnDataFormat());
            }
            if (first instanceof FeedForwardLayer f && !(first instanceof ConvolutionLayer) && f.getNIn() > 0
                    && !(first instanceof org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer)) {
                return InputType.feedForward(f.getNIn());
            }
            return null;
        }
    }

    static Shape shapeOf(InputType t, boolean conv1d, boolean flatImage) {
        if (t instanceof InputType.InputTypeConvolutional c) {
            return Shape.ofLongs(-1, c.getChannels(), c.getHeight(), c.getWidth());
        }
        if (t instanceof InputType.InputTypeRecurrent r) {
            long steps = r.getTimeSeriesLength() > 0 ? r.getTimeSeriesLength() : -1;
            return conv1d ? Shape.ofLongs(-1, r.getSize(), steps) : Shape.ofLongs(-1, steps, r.getSize());
        }
        if (t instanceof InputType.InputTypeFeedForward f) {
            return Shape.ofLongs(-1, f.getSize());
        }
        if (t instanceof InputType.InputTypeConvolutionalFlat f) {
            return Shape.ofLongs(-1, f.getFlattenedSize());
        }
        if (t instanceof InputType.InputTypeConvolutional3D c) {
            return Shape.ofLongs(-1, c.getChannels(), c.getDepth(), c.getHeight(), c.getWidth());
        }
        return null;
    }

    /** Output shape from the layer configuration alone, when the input type is unknown. */
    static Shape partialShape(org.deeplearning4j.nn.conf.layers.Layer conf) {
        org.deeplearning4j.nn.conf.layers.Layer l = conf == null ? null : LayerMapping.unwrapFrozen(conf);
        if (!(l instanceof FeedForwardLayer f) || f.getNOut() <= 0) {
            return null;
        }
        if (l instanceof ConvolutionLayer) {
            return LayerMapping.isConv1d(l) ? Shape.ofLongs(-1, f.getNOut(), -1) : Shape.ofLongs(-1, f.getNOut(), -1, -1);
        }
        if (l instanceof BaseRecurrentLayer || l instanceof org.deeplearning4j.nn.conf.layers.RnnOutputLayer) {
            return Shape.ofLongs(-1, -1, f.getNOut());
        }
        return Shape.ofLongs(-1, f.getNOut());
    }

    /** Layer ids in the order DL4J's listener reports activations (MLN: layer index + 1, after the input). */
    List<String> idsInOrder() {
        return Collections.unmodifiableList(new ArrayList<>(nodes.keySet()));
    }
}
