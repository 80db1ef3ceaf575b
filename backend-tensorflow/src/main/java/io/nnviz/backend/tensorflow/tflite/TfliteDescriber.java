package io.nnviz.backend.tensorflow.tflite;

import io.nnviz.api.Edge;
import io.nnviz.api.Group;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The structure of a TFLite graph: a layer per operator in execution order (a topological order) and
 * one per graph input, with kinds, canonical shapes (images NCHW), weight specs and the edges
 * between them; groups from the name scopes of the tensors they write. A {@code DEQUANTIZE} or
 * {@code DENSIFY} of a constant is folded into the operator that reads its result, whose weight
 * is then the constant (float16 widened, int8 dequantized, sparse made dense): a parameter belongs to
 * the first layer that reads it, so each is counted once.
 */
final class TfliteDescriber {
    /** Name scopes deeper than this are not made groups (real ones are a few levels deep). */
    static final int MAX_SCOPE_DEPTH = 12;

    /** A layer's weights: the constant tensors it reads and how each is laid out. */
    record Weight(int tensor, TfliteTensors.Layout layout) {
    }

    /** What the describer found: layers, edges, groups, properties and each layer's weights. */
    record Description(List<LayerInfo> layers, List<Edge> edges, List<Group> groups, Map<String, String> properties,
                       Map<String, List<Weight>> weights) {
    }

    private final TfliteGraph g;
    private final Map<Integer, Integer> source = new HashMap<>();
    private final Map<Integer, String> producer = new HashMap<>();
    private final Set<Integer> attached = new HashSet<>();
    private final Set<String> ids = new HashSet<>();
    private final Map<String, List<Weight>> weights = new LinkedHashMap<>();
    private final Map<String, String> scopeOf = new LinkedHashMap<>();

    private TfliteDescriber(TfliteGraph g) {
        this.g = g;
    }

    static Description describe(TfliteGraph g) {
        return new TfliteDescriber(g).run();
    }

    private Description run() {
        List<LayerInfo> layers = new ArrayList<>();
        Set<Edge> edges = new LinkedHashSet<>();
        for (int i : g.inputs()) {
            TfliteGraph.Tensor t = g.tensors().get(i);
            String id = unique(t.shortName());
            producer.put(i, id);
            layers.add(LayerInfo.builder(id, LayerKind.INPUT).frameworkType("input").outputShape(activation(t))
                    .attribute("dtype", t.type().label()).build());
        }
        int folded = 0;
        for (TfliteGraph.Op op : g.ops()) {
            if (fold(op)) {
                folded++;
                continue;
            }
            String id = unique(op.outputs().length > 0 ? g.tensors().get(op.outputs()[0]).shortName() : op.name().toLowerCase(Locale.ROOT));
            LayerKind kind = kind(op);
            if (kind == LayerKind.MERGE && activations(op) < 2) {
                kind = LayerKind.OTHER; // a tensor and a constant (a clamp, a scale): nothing merges, as ONNX and TensorFlow graphs say
            }
            LayerInfo.Builder b = LayerInfo.builder(id, kind).frameworkType(op.name());
            List<Weight> ws = new ArrayList<>();
            for (int p = 0; p < op.inputs().length; p++) {
                int in = op.inputs()[p];
                if (in < 0) {
                    continue;
                }
                Integer src = g.tensors().get(in).data() != null ? Integer.valueOf(in) : source.get(in);
                if (src == null) {
                    b.inputShape(activation(g.tensors().get(in)));
                    String from = producer.get(in);
                    if (from != null) {
                        edges.add(new Edge(from, id));
                    }
                } else if (TfliteTensors.parameter(g.tensors().get(src)) && attached.add(src)) {
                    TfliteGraph.Tensor t = g.tensors().get(src);
                    TfliteTensors.Layout layout = layout(op, p);
                    b.weight(new WeightSpec(t.name() == null ? "tensor " + src : t.name(), role(op, p),
                            Shape.of(TfliteTensors.shape(t, layout)), t.type().dtype()));
                    ws.add(new Weight(src, layout));
                    if (ws.size() == 1) {
                        b.attribute("weights", dtype(t));
                    }
                }
            }
            op.attributes().forEach(b::attribute);
            if (op.custom()) {
                b.attribute("custom op", op.name());
            }
            if (op.version() > 1) {
                b.attribute("op version", op.version());
            }
            if (op.outputs().length > 0) {
                b.outputShape(activation(g.tensors().get(op.outputs()[0])));
            }
            for (int o : op.outputs()) {
                producer.put(o, id);
            }
            scopeOf.put(id, scope(op.outputs().length > 0 ? g.tensors().get(op.outputs()[0]).shortName() : ""));
            weights.put(id, ws);
            layers.add(b.build());
        }
        List<Group> groups = new ArrayList<>();
        Map<String, String> innermost = TfliteScopes.groups(scopeOf, groups);
        List<LayerInfo> grouped = new ArrayList<>(layers.size());
        for (LayerInfo l : layers) {
            String group = innermost.get(l.id());
            grouped.add(group == null ? l : new LayerInfo(l.id(), l.name(), l.kind(), l.frameworkType(), l.inputShapes(), l.outputShape(),
                    l.weights(), l.attributes(), group));
        }
        return new Description(grouped, new ArrayList<>(edges), groups, properties(folded), weights);
    }

    /** Whether {@code op} dequantizes or densifies a constant: then its output stands for that constant. */
    private boolean fold(TfliteGraph.Op op) {
        if ((op.builtin() != TfliteSchema.DEQUANTIZE && op.builtin() != TfliteSchema.DENSIFY) || op.inputs().length != 1
                || op.outputs().length != 1 || op.inputs()[0] < 0) {
            return false;
        }
        int in = op.inputs()[0];
        Integer src = g.tensors().get(in).data() != null ? Integer.valueOf(in) : source.get(in);
        if (src == null) {
            return false;
        }
        source.put(op.outputs()[0], src);
        return true;
    }

    private String unique(String name) {
        String id = name.isEmpty() ? "layer" : name;
        for (int n = 2; !ids.add(id); n++) {
            id = name + "#" + n;
        }
        return id;
    }

    /** A tensor's shape as an activation's: NHWC images as NCHW, dimensions the signature leaves open unknown. */
    static Shape activation(TfliteGraph.Tensor t) {
        int[] s = t.shape().clone();
        int[] sig = t.signature();
        for (int i = 0; i < s.length; i++) {
            if (s[i] < 0 || sig != null && sig.length == s.length && sig[i] < 0) {
                s[i] = Shape.UNKNOWN;
            }
        }
        return Shape.of(s.length == 4 ? new int[] {s[0], s[3], s[1], s[2]} : s);
    }

    /** The dtype of a parameter as shown: {@code float16}, or {@code int8 (scale 0.02, zero point 3)}, or per channel. */
    static String dtype(TfliteGraph.Tensor t) {
        if (!TfliteTensors.quantized(t)) {
            return t.type().label() + (t.sparsity() != null ? ", sparse" : "");
        }
        TfliteGraph.Quant q = t.quant();
        String zero = q.zeroPoint().length == 0 ? "0" : String.valueOf(q.zeroPoint()[0]);
        return t.type().label() + (q.scale().length == 1 ? String.format(Locale.ROOT, " (scale %.6g, zero point %s)", q.scale()[0], zero)
                : " (" + q.scale().length + " scales and zero points along dimension " + q.axis() + ")") + ", shown dequantized";
    }

    private static TfliteTensors.Layout layout(TfliteGraph.Op op, int input) {
        if (input != 1) {
            return TfliteTensors.Layout.STORED;
        }
        return switch (op.builtin()) {
            case TfliteSchema.CONV_2D, TfliteSchema.TRANSPOSE_CONV -> TfliteTensors.Layout.OHWI;
            case TfliteSchema.DEPTHWISE_CONV_2D -> TfliteTensors.Layout.DEPTHWISE;
            case TfliteSchema.CUSTOM -> op.name().equals("Convolution2DTransposeBias") ? TfliteTensors.Layout.OHWI : TfliteTensors.Layout.STORED;
            default -> TfliteTensors.Layout.STORED;
        };
    }

    private static WeightRole role(TfliteGraph.Op op, int input) {
        LayerKind k = kind(op);
        if (k != LayerKind.CONV && k != LayerKind.DENSE) {
            return k == LayerKind.EMBEDDING && input == 0 ? WeightRole.EMBEDDING : WeightRole.OTHER;
        }
        int bias = op.builtin() == TfliteSchema.TRANSPOSE_CONV ? 3 : 2;
        return input == 1 ? WeightRole.KERNEL : input == bias ? WeightRole.BIAS : WeightRole.OTHER;
    }

    /** How many of {@code op}'s inputs are activations: neither constants nor constants' dequantized copies ({@code source}). */
    private long activations(TfliteGraph.Op op) {
        return Arrays.stream(op.inputs()).filter(in -> in >= 0 && g.tensors().get(in).data() == null && source.get(in) == null).count();
    }

    static LayerKind kind(TfliteGraph.Op op) {
        String n = op.name();
        if (op.custom()) {
            String c = n.toLowerCase(Locale.ROOT);
            return c.contains("conv") ? LayerKind.CONV : c.contains("pool") ? LayerKind.POOL : LayerKind.OTHER;
        }
        return switch (n) {
            case "CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV", "CONV_3D", "CONV_3D_TRANSPOSE" -> LayerKind.CONV;
            case "FULLY_CONNECTED", "BATCH_MATMUL" -> LayerKind.DENSE;
            case "AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D" -> LayerKind.POOL;
            case "RELU", "RELU6", "RELU_N1_TO_1", "RELU_0_TO_1", "LOGISTIC", "TANH", "HARD_SWISH", "SOFTMAX", "LOG_SOFTMAX", "LEAKY_RELU",
                 "PRELU", "ELU", "GELU" -> LayerKind.ACTIVATION;
            case "ADD", "SUB", "MUL", "DIV", "CONCATENATION", "ADD_N", "MAXIMUM", "MINIMUM", "PACK" -> LayerKind.MERGE;
            case "RESHAPE", "SQUEEZE", "EXPAND_DIMS", "TRANSPOSE", "DEPTH_TO_SPACE", "SPACE_TO_DEPTH", "PAD", "PADV2", "MIRROR_PAD",
                 "STRIDED_SLICE", "SLICE", "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR" -> LayerKind.RESHAPE;
            case "L2_NORMALIZATION", "LOCAL_RESPONSE_NORMALIZATION" -> LayerKind.NORM;
            case "LSTM", "UNIDIRECTIONAL_SEQUENCE_LSTM", "BIDIRECTIONAL_SEQUENCE_LSTM", "RNN", "UNIDIRECTIONAL_SEQUENCE_RNN",
                 "BIDIRECTIONAL_SEQUENCE_RNN", "SVDF" -> LayerKind.RECURRENT;
            case "EMBEDDING_LOOKUP" -> LayerKind.EMBEDDING;
            default -> LayerKind.OTHER;
        };
    }

    /** A name's scope: all but its last '/'-separated part, at most {@link #MAX_SCOPE_DEPTH} deep. */
    private static String scope(String name) {
        int slash = name.lastIndexOf('/');
        return slash <= 0 ? "" : name.substring(0, slash);
    }

    /** What the model says of itself, with its parameters counted by dtype (float and quantized apart). */
    private Map<String, String> properties(int folded) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("TFLite schema version", String.valueOf(g.version()));
        if (g.description() != null && !g.description().isEmpty()) {
            p.put("description", g.description());
        }
        p.put("subgraphs", g.subgraphs() + (g.subgraphs() > 1 ? " (the first, the main graph, is shown)" : ""));
        p.put("operators", g.ops().size() + (folded > 0 ? " (" + folded + " DEQUANTIZE or DENSIFY of a constant folded into the layer"
                + " that reads it)" : ""));
        p.put("tensors", String.valueOf(g.tensors().size()));
        Map<String, Long> others = new TreeMap<>(); // parameters are counted by dtype from the layers' weights
        for (TfliteGraph.Tensor t : g.tensors()) {
            if (t.data() != null && t.type() != null && t.type().numeric() && !TfliteTensors.parameter(t)) {
                others.merge(t.type().label(), TfliteChecks.elements(null, t), Long::sum);
            }
        }
        if (!others.isEmpty()) {
            p.put("other constants", String.join(", ", others.entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue())).toList()) + " (shapes, axes, paddings: not parameters)");
        }
        long unread = g.tensors().stream().filter(t -> TfliteTensors.parameter(t) && !attached.contains(t.index())).count();
        if (unread > 0) {
            p.put("unread parameters", unread + " constant tensors no layer reads (counted above, in no layer)");
        }
        Set<String> custom = new LinkedHashSet<>();
        g.ops().stream().filter(TfliteGraph.Op::custom).forEach(o -> custom.add(o.name()));
        if (!custom.isEmpty()) {
            p.put("custom ops", String.join(", ", custom));
        }
        p.putAll(g.properties());
        return p;
    }
}
