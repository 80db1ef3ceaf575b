package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import io.nnviz.api.Edge;
import io.nnviz.api.Group;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The structure of an ONNX graph as nnviz layers: every computing node a layer with its op type
 * and kind, edges from tensor names, the subgraphs of {@code If}, {@code Loop} and {@code Scan}
 * nodes as nested groups, the weights' roles, and output shapes from {@link OnnxShapes}. The
 * tensors a node reads that are not computed, initializers and the outputs of {@code Constant}
 * nodes alike (Paddle2ONNX and some PyTorch exports keep every weight in a {@code Constant}), are
 * that node's weights; {@code Constant} nodes are not layers. Floating-point tensors of rank one or
 * more count as parameters, and so do the 8-bit weights of quantized operators ({@code ConvInteger},
 * {@code MatMulInteger}, {@code QLinearConv}, {@code QLinearMatMul}, and a {@code DequantizeLinear}
 * of a constant, which is folded into the node that reads it as a {@code Constant} is), each with
 * its stored type ({@link OnnxQuantization}); other integer constants are shape values (Reshape
 * targets, Slice bounds), not learnt.
 */
final class OnnxDescriber {
    private static final Set<Integer> FLOATS = Set.of(OnnxTensors.FLOAT, OnnxTensors.FLOAT16, OnnxTensors.DOUBLE, OnnxTensors.BFLOAT16);

    final List<LayerInfo> layers = new ArrayList<>();
    final List<Edge> edges = new ArrayList<>();
    final List<Group> groups = new ArrayList<>();
    /** Layer id -> the tensors its weights are, in the order of its weight specs. */
    final Map<String, List<OnnxWeight>> weights = new LinkedHashMap<>();
    /** Layer id -> the tensor it outputs (its first output; a graph input's own name). */
    final Map<String, String> outputTensor = new LinkedHashMap<>();
    /** The top-level graph's inputs that are fed (not initializers), with their ONNX element types, in order. */
    final Map<String, Integer> inputs = new LinkedHashMap<>();
    /** Nodes read, subgraphs included. */
    int nodes;
    /** Parameters (float and quantized), counted once each. */
    long parameters;

    private final Map<String, String> producer = new HashMap<>();
    private final Set<String> ids = new HashSet<>();
    private final Set<String> claimed = new HashSet<>(); // a shared tensor counts once, at its first user, also when both branches of an If read it

    /** Shapes measured by ONNX Runtime where inference gives none, or null. */
    private final OnnxShapeProbe.Result measured;

    private OnnxDescriber(OnnxShapeProbe.Result measured) {
        this.measured = measured;
    }

    /** The layers of {@code model}, with the shapes {@code shapes} infers, and those {@code measured} (may be null) where it has none. */
    static OnnxDescriber read(OnnxMl.ModelProto model, OnnxShapes shapes, OnnxShapeProbe.Result measured) {
        OnnxDescriber r = new OnnxDescriber(measured);
        r.graph(model.getGraph(), shapes, null, "", Map.of());
        return r;
    }

    /** Tensors a graph does not compute: its initializers and its Constant nodes' values, and the enclosing graphs' ones. */
    private static Map<String, OnnxMl.TensorProto> constants(OnnxMl.GraphProto g, Map<String, OnnxMl.TensorProto> outer) {
        Map<String, OnnxMl.TensorProto> c = new HashMap<>(outer);
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            c.put(t.getName(), t);
        }
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("Constant") && n.getOutputCount() == 1) {
                for (OnnxMl.AttributeProto a : n.getAttributeList()) {
                    if (a.getName().equals("value") && a.hasT()) {
                        c.put(n.getOutput(0), a.getT().toBuilder().setName(n.getOutput(0)).build());
                    }
                }
            }
        }
        return c;
    }

    private void graph(OnnxMl.GraphProto g, OnnxShapes shapes, String group, String prefix, Map<String, OnnxMl.TensorProto> outer) {
        Map<String, OnnxMl.TensorProto> constants = constants(g, outer);
        OnnxQuantization quantization = new OnnxQuantization(g, constants);
        Map<String, OnnxWeight> dequantized = new HashMap<>(); // DequantizeLinear outputs of constants, by tensor name
        Map<String, OnnxMl.TensorProto> reshaped = new HashMap<>(); // Reshape/Unsqueeze/Squeeze outputs of float constants
        Set<String> computedHere = new HashSet<>();
        if (group == null) {
            for (OnnxMl.ValueInfoProto in : g.getInputList()) {
                if (constants.containsKey(in.getName())) {
                    continue;
                }
                String id = unique("input:" + in.getName());
                OnnxTensorInfo info = shapes.get(in.getName());
                LayerInfo.Builder b = LayerInfo.builder(id, LayerKind.INPUT).name(in.getName()).frameworkType("graph input")
                        .outputShape(info == null ? null : info.toShape());
                symbolic(b, info);
                layers.add(b.build());
                producer.put(in.getName(), id);
                outputTensor.put(id, in.getName());
                inputs.put(in.getName(), info == null || info.type() == 0 ? OnnxTensors.FLOAT : info.type());
            }
        } else {
            for (OnnxMl.ValueInfoProto in : g.getInputList()) {
                computedHere.add(in.getName()); // a loop body's iteration inputs
            }
        }
        for (int i = 0; i < g.getNodeCount(); i++) {
            OnnxMl.NodeProto n = g.getNode(i);
            nodes++;
            if (n.getOpType().equals("Constant")) {
                continue; // its value is the weight of the node that reads it
            }
            OnnxMl.TensorProto stored = reshapedConstant(n, constants, computedHere);
            if (stored != null) {
                // a weight given another shape (ONNX Runtime's quantizer reshapes a conv's bias to [1, C, 1, 1] for the Add
                // after ConvInteger): the weight of the node that reads it, in the shape it is stored in, not a layer
                reshaped.put(n.getOutput(0), stored);
                continue;
            }
            OnnxWeight folded = quantization.dequantized(n);
            if (folded != null) {
                dequantized.put(n.getOutput(0), folded); // as a Constant: the weight of the node that reads it
                continue;
            }
            String id = unique(prefix + (n.getName().isEmpty() ? n.getOpType() + "_" + i : n.getName()));
            OnnxTensorInfo info = n.getOutputCount() > 0 ? shapes.get(n.getOutput(0)) : null;
            LayerInfo.Builder b = LayerInfo.builder(id, kind(n, constants)).name(n.getName().isEmpty() ? id : n.getName())
                    .frameworkType(n.getDomain().isEmpty() ? n.getOpType() : n.getDomain() + "." + n.getOpType());
            long[] m = measured == null || n.getOutputCount() == 0 ? null : measured.shapes().get(n.getOutput(0));
            if (m != null) {
                b.attribute("shape source", OnnxShapeProbe.MEASURED).attribute("measured on", measured.on());
                if (info != null && info.dims() != null) {
                    b.attribute("inferred shape", info.toString());
                }
                info = OnnxShapeProbe.combined(info, m);
            }
            b.outputShape(info == null ? null : info.toShape());
            symbolic(b, info);
            if (group != null) {
                b.group(group);
            }
            List<OnnxWeight> mine = new ArrayList<>();
            Set<String> from = new LinkedHashSet<>();
            for (int k = 0; k < n.getInputCount(); k++) {
                String in = n.getInput(k);
                OnnxMl.TensorProto t = computedHere.contains(in) ? null : constants.getOrDefault(in, reshaped.get(in));
                OnnxWeight w = computedHere.contains(in) ? null : dequantized.get(in);
                if (w == null && t != null) {
                    w = FLOATS.contains(t.getDataType()) && t.getDimsCount() > 0 ? OnnxWeight.plain(t) : quantization.weight(n, k, t);
                }
                if (t != null || w != null) {
                    if (w != null && claimed.add(w.values().getName())) {
                        Shape s = Shape.ofLongs(OnnxTensors.dims(w.values()));
                        b.weight(new WeightSpec(w.values().getName(), role(n, k), s, w.dtype()));
                        mine.add(w);
                        parameters += s.size();
                    }
                } else if (producer.containsKey(in)) {
                    from.add(producer.get(in));
                }
                OnnxTensorInfo inInfo = shapes.get(in);
                if (t == null && inInfo != null && inInfo.dims() != null) {
                    b.inputShape(inInfo.toShape());
                }
            }
            from.forEach(f -> edges.add(new Edge(f, id)));
            weights.put(id, mine);
            for (String out : n.getOutputList()) {
                producer.put(out, id);
                computedHere.add(out);
            }
            if (n.getOutputCount() > 0) {
                outputTensor.put(id, n.getOutput(0));
            }
            List<OnnxMl.AttributeProto> subgraphs = new ArrayList<>();
            for (OnnxMl.AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) {
                    subgraphs.add(a);
                } else if (a.getType() == OnnxMl.AttributeProto.AttributeType.INT) {
                    b.attribute(a.getName(), a.getI());
                } else if (a.getType() == OnnxMl.AttributeProto.AttributeType.INTS && a.getIntsCount() <= 16) {
                    b.attribute(a.getName(), a.getIntsList().toString());
                } else if (a.getType() == OnnxMl.AttributeProto.AttributeType.FLOAT) {
                    b.attribute(a.getName(), a.getF());
                } else if (a.getType() == OnnxMl.AttributeProto.AttributeType.STRING && a.getS().size() <= 64) {
                    b.attribute(a.getName(), a.getS().toStringUtf8());
                }
            }
            layers.add(b.build()); // before its subgraphs: a node comes before what it contains
            for (OnnxMl.AttributeProto a : subgraphs) {
                String sub = id + "/" + a.getName();
                int before = layers.size();
                graph(a.getG(), shapes.inside(n, i, a), sub, sub + "/", constants);
                List<String> members = new ArrayList<>();
                for (int k = before; k < layers.size(); k++) {
                    if (sub.equals(layers.get(k).groupId())) {
                        members.add(layers.get(k).id());
                    }
                }
                groups.add(new Group(sub, a.getName() + " of " + n.getOpType(), "subgraph", group, members));
            }
        }
    }

    /**
     * The float constant of rank 1 or more that {@code n} only reshapes (Reshape, Unsqueeze or
     * Squeeze, every input a constant of this graph or an enclosing one), or null.
     */
    private static OnnxMl.TensorProto reshapedConstant(OnnxMl.NodeProto n, Map<String, OnnxMl.TensorProto> constants, Set<String> computedHere) {
        if (!Set.of("Reshape", "Unsqueeze", "Squeeze").contains(n.getOpType()) || n.getOutputCount() != 1 || n.getInputCount() == 0) {
            return null;
        }
        for (String in : n.getInputList()) {
            if (!in.isEmpty() && (computedHere.contains(in) || !constants.containsKey(in))) {
                return null;
            }
        }
        OnnxMl.TensorProto data = constants.get(n.getInput(0));
        return data != null && FLOATS.contains(data.getDataType()) && data.getDimsCount() > 0 ? data : null;
    }

    /** Symbolic dimensions (batch_size, sequence_length) survive as an attribute: nnviz's shapes hold sizes only. */
    private static void symbolic(LayerInfo.Builder b, OnnxTensorInfo info) {
        if (info != null && info.symbolic()) {
            b.attribute("shape", info.toString());
        }
    }

    private String unique(String id) {
        String u = id;
        for (int k = 2; !ids.add(u); k++) {
            u = id + "#" + k;
        }
        return u;
    }

    private static LayerKind kind(OnnxMl.NodeProto n, Map<String, OnnxMl.TensorProto> constants) {
        String op = n.getOpType();
        return switch (op) {
            case "Conv", "ConvTranspose", "ConvInteger", "QLinearConv" -> LayerKind.CONV;
            case "Gemm", "MatMul", "MatMulInteger", "QLinearMatMul" -> n.getInputCount() > 1 && constants.containsKey(n.getInput(1))
                    || op.equals("Gemm") ? LayerKind.DENSE : LayerKind.OTHER;
            case "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpPool" -> LayerKind.POOL;
            case "BatchNormalization", "LayerNormalization", "InstanceNormalization", "LRN", "GroupNormalization" -> LayerKind.NORM;
            case "Relu", "Gelu", "Sigmoid", "Tanh", "Softmax", "LeakyRelu", "Erf", "Elu", "Selu", "Clip", "HardSigmoid",
                 "HardSwish", "PRelu", "Softplus", "Mish", "LogSoftmax" -> LayerKind.ACTIVATION;
            case "LSTM", "GRU", "RNN" -> LayerKind.RECURRENT;
            case "Dropout" -> LayerKind.DROPOUT;
            case "Attention", "MultiHeadAttention" -> LayerKind.ATTENTION;
            case "Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Shape", "Slice", "Cast", "Pad", "Expand", "Resize",
                 "Upsample", "Identity" -> LayerKind.RESHAPE;
            case "Concat", "Add", "Sum", "Mul", "Sub", "Div", "Max", "Min" -> n.getInputList().stream().filter(i -> !constants.containsKey(i)).count() >= 2
                    ? LayerKind.MERGE : LayerKind.OTHER;
            case "Gather" -> n.getInputCount() > 0 && constants.containsKey(n.getInput(0)) ? LayerKind.EMBEDDING : LayerKind.OTHER;
            default -> LayerKind.OTHER;
        };
    }

    private static WeightRole role(OnnxMl.NodeProto n, int input) {
        return switch (n.getOpType()) {
            case "Conv", "ConvTranspose", "Gemm", "MatMul", "ConvInteger", "MatMulInteger" -> input == 1 ? WeightRole.KERNEL
                    : input == 2 && !n.getOpType().endsWith("Integer") ? WeightRole.BIAS : WeightRole.OTHER;
            case "QLinearConv", "QLinearMatMul" -> input == 3 ? WeightRole.KERNEL : input == 8 ? WeightRole.BIAS : WeightRole.OTHER;
            case "Gather" -> input == 0 ? WeightRole.EMBEDDING : WeightRole.OTHER;
            case "BatchNormalization" -> switch (input) {
                case 1 -> WeightRole.GAMMA;
                case 2 -> WeightRole.BETA;
                case 3 -> WeightRole.RUNNING_MEAN;
                case 4 -> WeightRole.RUNNING_VAR;
                default -> WeightRole.OTHER;
            };
            case "LayerNormalization", "InstanceNormalization" -> input == 1 ? WeightRole.GAMMA : input == 2 ? WeightRole.BETA : WeightRole.OTHER;
            case "LSTM", "GRU", "RNN" -> input == 1 ? WeightRole.KERNEL : input == 2 ? WeightRole.RECURRENT_KERNEL : input == 3
                    ? WeightRole.BIAS : WeightRole.OTHER;
            case "Add" -> WeightRole.BIAS;
            default -> WeightRole.OTHER;
        };
    }
}
