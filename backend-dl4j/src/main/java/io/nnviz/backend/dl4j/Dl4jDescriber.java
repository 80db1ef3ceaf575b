package io.nnviz.backend.dl4j;

import io.nnviz.api.Capability;
import io.nnviz.api.Edge;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightSpec;
import io.nnviz.backend.dl4j.Dl4jModel.Node;
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
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Describes a DL4J network's configuration as an nnviz model: layers with kinds, shapes and weight
 * specs, edges, and the nodes that map layer ids to DL4J layers and layouts.
 */
final class Dl4jDescriber {
    private Dl4jDescriber() {
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
        List<LayerInfo> layers = new ArrayList<>();
        List<Edge> edges = new ArrayList<>();
        boolean flat = in instanceof InputType.InputTypeConvolutionalFlat;
        Node input = new Node("input", "input", null, null, flat ? ((InputType.InputTypeConvolutionalFlat) in).getUnflattenedType() : in, flat);
        if (in == null && n > 0) {
            List<org.deeplearning4j.nn.conf.layers.Layer> chain = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                chain.add(conf.getConf(i).getLayer());
            }
            input.guessInput(chain);
        }
        nodes.put(input.id, input);
        layers.add(LayerInfo.builder("input", LayerKind.INPUT).name("input").frameworkType(in == null ? "input" : in.getClass().getSimpleName())
                .outputShape(input.outputShape).build());
        Set<String> used = new HashSet<>(Set.of("input"));
        String prev = "input";
        Shape prevShape = input.outputShape;
        for (int i = 0; i < n; i++) {
            org.deeplearning4j.nn.conf.layers.Layer lc = conf.getConf(i).getLayer();
            String name = lc.getLayerName() != null ? lc.getLayerName() : "layer" + i;
            String id = unique(name, used);
            Node node = new Node(id, String.valueOf(i), lc, net.getLayer(i), types == null ? null : types.get(i), false);
            if (types == null && node.outputShape == null) {
                node.outputShape = PartialShapes.ofLayer(lc, prevShape);
            }
            nodes.put(id, node);
            layers.add(layer(node, name, lc.getClass().getSimpleName(), prevShape, conf.getInputPreProcess(i), net.getLayer(i).paramTable()));
            edges.add(new Edge(prev, id));
            prev = id;
            prevShape = node.outputShape;
        }
        return new Dl4jModel("MultiLayerNetwork", layers, edges, properties("MultiLayerNetwork", net.numParams(), in), capabilities(net.getLayer(n - 1)),
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
        List<LayerInfo> layers = new ArrayList<>();
        List<Edge> edges = new ArrayList<>();
        for (int k = 0; k < inputs.size(); k++) {
            InputType t = in == null ? null : in[k];
            boolean flat = t instanceof InputType.InputTypeConvolutionalFlat;
            Node node = new Node(inputs.get(k), inputs.get(k), null, null,
                    flat ? ((InputType.InputTypeConvolutionalFlat) t).getUnflattenedType() : t, flat);
            if (t == null) {
                node.guessInput(fedChain(conf, inputs.get(k)));
            }
            nodes.put(node.id, node);
            layers.add(LayerInfo.builder(node.id, LayerKind.INPUT).name(node.id).frameworkType("input")
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
            if (types == null && node.outputShape == null) {
                List<Shape> ins = new ArrayList<>();
                from.forEach(f -> ins.add(nodes.get(f) == null ? null : nodes.get(f).outputShape));
                node.outputShape = lc != null ? PartialShapes.ofLayer(lc, inShape) : PartialShapes.ofVertex(v, ins);
            }
            LayerInfo l;
            if (lc != null) {
                l = layer(node, name, lc.getClass().getSimpleName(), inShape, ((LayerVertex) v).getPreProcessor(),
                        live.paramTable());
            } else {
                LayerInfo.Builder b = LayerInfo.builder(name, vertexKind(v)).name(name).frameworkType(v.getClass().getSimpleName())
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
        return new Dl4jModel("ComputationGraph", layers, edges, properties("ComputationGraph", graph.numParams(), in == null ? null : in[0]),
                capabilities(inputs.size() == 1 ? graph.getLayer(outName) : null), null, graph, nodes);
    }

    private static LayerInfo layer(Node node, String name, String type, Shape inShape, InputPreProcessor pre,
                               Map<String, INDArray> params) {
        LayerInfo.Builder b = LayerInfo.builder(node.id, LayerMapping.kind(node.conf)).name(name).frameworkType(type)
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

    private static Map<String, String> properties(String network, long params, InputType in) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("network", network);
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
        Set<Capability> c = EnumSet.of(Capability.WEIGHTS, Capability.ACTIVATIONS, Capability.WEIGHT_RANDOMIZATION);
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
        InputType fromConf = Dl4jInputTypes.fromPreprocessors(conf);
        return fromConf != null ? fromConf : fromFirstLayer(first);
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

    /** The first layer vertex (in topological order) fed by vertex {@code from}: its name, or null. */
    private static String firstFed(ComputationGraphConfiguration conf, String from) {
        for (String name : conf.getTopologicalOrderStr()) {
            List<String> ins = conf.getVertexInputs().get(name);
            if (ins != null && ins.contains(from) && conf.getVertices().get(name) instanceof LayerVertex) {
                return name;
            }
        }
        return null;
    }

    private static LayerVertex firstFedVertex(ComputationGraphConfiguration conf, String from) {
        String name = firstFed(conf, from);
        return name == null ? null : (LayerVertex) conf.getVertices().get(name);
    }

    /** The first layer the graph's first input feeds, or null. */
    static org.deeplearning4j.nn.conf.layers.Layer firstLayerFed(ComputationGraphConfiguration conf) {
        List<org.deeplearning4j.nn.conf.layers.Layer> chain = fedChain(conf, conf.getNetworkInputs().get(0));
        return chain.isEmpty() ? null : chain.get(0);
    }

    /** The layers an input feeds, each the first layer vertex fed by the one before. */
    private static List<org.deeplearning4j.nn.conf.layers.Layer> fedChain(ComputationGraphConfiguration conf, String input) {
        List<org.deeplearning4j.nn.conf.layers.Layer> chain = new ArrayList<>();
        for (String at = firstFed(conf, input); at != null && chain.size() < conf.getVertices().size(); at = firstFed(conf, at)) {
            chain.add(((LayerVertex) conf.getVertices().get(at)).getLayerConf().getLayer());
        }
        return chain;
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
}
