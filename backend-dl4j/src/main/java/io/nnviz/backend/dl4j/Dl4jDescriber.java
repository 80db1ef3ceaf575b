package io.nnviz.backend.dl4j;

import io.nnviz.api.Capability;
import io.nnviz.api.Edge;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Comparator;
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

    /** A multi-layer network as a model; {@code given} (may be null) is its input type, inferred by {@link Dl4jInputTypes} if null. */
    static Dl4jModel describe(MultiLayerNetwork net, InputType given) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        int n = net.getnLayers();
        InputType in = given != null ? given : Dl4jInputTypes.of(net);
        List<InputType> types = null;
        if (in != null) {
            try {
                types = conf.getLayerActivationTypes(in);
            } catch (RuntimeException e) {
                types = null; // shapes stay partial
            }
        }
        Map<String, Dl4jNode> nodes = new LinkedHashMap<>();
        List<LayerInfo> layers = new ArrayList<>();
        List<Edge> edges = new ArrayList<>();
        boolean flat = in instanceof InputType.InputTypeConvolutionalFlat;
        Dl4jNode input = new Dl4jNode("input", "input", null, null, flat ? ((InputType.InputTypeConvolutionalFlat) in).getUnflattenedType() : in, flat);
        if (in == null && n > 0) {
            List<Layer> chain = new ArrayList<>();
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
            Layer lc = conf.getConf(i).getLayer();
            String name = lc.getLayerName() != null ? lc.getLayerName() : "layer" + i;
            String id = unique(name, used);
            Dl4jNode node = new Dl4jNode(id, String.valueOf(i), lc, net.getLayer(i), types == null ? null : types.get(i), false);
            if (types == null && node.outputShape == null) {
                node.outputShape = Dl4jShapes.ofLayer(lc, prevShape);
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

    /** A graph as a model; {@code given} are its input types, one per network input, inferred by {@link Dl4jInputTypes} otherwise. */
    static Dl4jModel describe(ComputationGraph graph, InputType... given) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        List<String> inputs = conf.getNetworkInputs();
        InputType[] in = given != null && given.length == inputs.size() ? given : Dl4jInputTypes.of(graph);
        Map<String, InputType> types = null;
        if (in != null) {
            try {
                types = conf.getLayerActivationTypes(in);
            } catch (RuntimeException e) {
                types = null;
            }
        }
        Map<String, Dl4jNode> nodes = new LinkedHashMap<>();
        List<LayerInfo> layers = new ArrayList<>();
        List<Edge> edges = new ArrayList<>();
        for (int k = 0; k < inputs.size(); k++) {
            InputType t = in == null ? null : in[k];
            boolean flat = t instanceof InputType.InputTypeConvolutionalFlat;
            Dl4jNode node = new Dl4jNode(inputs.get(k), inputs.get(k), null, null,
                    flat ? ((InputType.InputTypeConvolutionalFlat) t).getUnflattenedType() : t, flat);
            if (t == null) {
                node.guessInput(Dl4jInputTypes.fedChain(conf, inputs.get(k)));
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
            Layer lc = v instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
            var live = lc != null ? graph.getLayer(name) : null; // the live layer
            Dl4jNode node = new Dl4jNode(name, name, lc, live, types == null ? null : types.get(name), false);
            nodes.put(name, node);
            List<String> from = vertexInputs.getOrDefault(name, List.of());
            Shape inShape = from.isEmpty() || nodes.get(from.get(0)) == null ? null : nodes.get(from.get(0)).outputShape;
            if (types == null && node.outputShape == null) {
                List<Shape> ins = new ArrayList<>();
                from.forEach(f -> ins.add(nodes.get(f) == null ? null : nodes.get(f).outputShape));
                node.outputShape = lc != null ? Dl4jShapes.ofLayer(lc, inShape) : Dl4jShapes.ofVertex(v, ins);
            }
            LayerInfo l;
            if (lc != null) {
                l = layer(node, name, lc.getClass().getSimpleName(), inShape, ((LayerVertex) v).getPreProcessor(),
                        live.paramTable());
            } else {
                LayerInfo.Builder b = LayerInfo.builder(name, Dl4jLayerKinds.vertexKind(v)).name(name).frameworkType(v.getClass().getSimpleName())
                        .outputShape(node.outputShape);
                for (String f : from) {
                    Dl4jNode src = nodes.get(f);
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

    /** The layer a node with a layer configuration is, recording on the node how its parameters map. */
    private static LayerInfo layer(Dl4jNode node, String name, String type, Shape inShape, InputPreProcessor pre,
                               Map<String, INDArray> params) {
        LayerInfo.Builder b = LayerInfo.builder(node.id, Dl4jLayerKinds.kind(node.conf)).name(name).frameworkType(type)
                .outputShape(node.outputShape);
        if (inShape != null) {
            b.inputShape(inShape);
        }
        Dl4jLayerKinds.attributes(node.conf).forEach(b::attribute);
        if (pre != null) {
            b.attribute("preprocessor", pre.getClass().getSimpleName());
        }
        // each parameter's mapping, once; then kernels first, as users read a layer
        List<Map.Entry<String, Dl4jWeightRoles.ParamMapping>> mapped = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            mapped.add(Map.entry(e.getKey(), Dl4jWeightRoles.param(node.conf, e.getKey(), e.getValue().shape())));
        }
        mapped.sort(Comparator.comparingInt(e -> roleRank(e.getValue().role())));
        for (Map.Entry<String, Dl4jWeightRoles.ParamMapping> e : mapped) {
            Dl4jWeightRoles.ParamMapping m = e.getValue();
            Shape canonical = m.toCanonical().apply(Tensor.zeros(toInts(params.get(e.getKey()).shape()))).shape();
            node.paramKeys.add(e.getKey());
            node.mappings.add(m);
            b.weight(new WeightSpec(m.name(), m.role(), canonical));
        }
        return b.build();
    }

    /** Kernels first, then biases and normalisation parameters, as users read a layer. */
    private static int roleRank(WeightRole r) {
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

    /** {@code name}, or {@code name#2}, {@code name#3}, ... where it is taken. */
    private static String unique(String name, Set<String> used) {
        String id = name;
        for (int k = 2; !used.add(id); k++) {
            id = name + "#" + k;
        }
        return id;
    }

    /** The model's properties: the network type, its parameter count, its input type and the ND4J backend it runs on. */
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

    /** What the model can do, given its output layer (null for a graph with several inputs, which nnviz cannot feed). */
    private static Set<Capability> capabilities(Model out) {
        Set<Capability> c = EnumSet.of(Capability.WEIGHTS, Capability.ACTIVATIONS, Capability.WEIGHT_RANDOMIZATION);
        // the score is the last layer's pre-activation: an output layer, or a dense layer or 2-D
        // convolution ending a network without one (Keras imports without a training configuration)
        Layer last = out != null && out.conf() != null ? out.conf().getLayer() : null;
        boolean weighted = out != null && out.getParam("W") != null;
        boolean denseLast = weighted && last instanceof FeedForwardLayer && !(last instanceof ConvolutionLayer);
        boolean convLast = weighted && last instanceof ConvolutionLayer && !Dl4jLayerKinds.isConv1d(last);
        if (out instanceof IOutputLayer || denseLast || convLast) {
            c.add(Capability.INPUT_GRADIENT);
            c.add(Capability.LAYER_GRADIENT);
        }
        return c;
    }
}
