package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds what turns a quantized weight back into floats, for the quantized operators of ONNX and
 * the patterns quantizers write around them. {@code QLinearConv}/{@code QLinearMatMul} and
 * {@code DequantizeLinear} name the scale and zero point as inputs. {@code ConvInteger} and
 * {@code MatMulInteger} take only zero points: the scale is applied after them, by a {@code Mul}
 * (behind a {@code Cast} to float) whose factor is the input's scale times the weight's, as
 * ONNX Runtime's dynamic quantization writes it; the weight's factor is the constant operand of
 * that product. Where the graph does not show it, ONNX Runtime's naming ({@code W_quantized},
 * {@code W_scale}) is tried, and failing that the weight is shown in integer steps.
 */
final class OnnxQuantization {
    private final Map<String, OnnxMl.TensorProto> constants;
    private final Map<String, OnnxMl.NodeProto> producer = new HashMap<>();
    private final Map<String, List<OnnxMl.NodeProto>> consumers = new HashMap<>();

    OnnxQuantization(OnnxMl.GraphProto g, Map<String, OnnxMl.TensorProto> constants) {
        this.constants = constants;
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            for (String o : n.getOutputList()) {
                producer.put(o, n);
            }
            for (String i : n.getInputList()) {
                consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
            }
        }
    }

    /** True for an 8-bit integer tensor, the element types ONNX's quantized operators take. */
    static boolean eightBit(OnnxMl.TensorProto t) {
        return t.getDataType() == OnnxTensors.UINT8 || t.getDataType() == OnnxTensors.INT8;
    }

    /**
     * The quantized weight {@code t}, input {@code k} of {@code n}, with its scale and zero point;
     * null when that input is not a quantized operator's weight.
     */
    OnnxWeight weight(OnnxMl.NodeProto n, int k, OnnxMl.TensorProto t) {
        if (!eightBit(t) || t.getDimsCount() == 0) {
            return null;
        }
        int last = t.getDimsCount() - 1;
        return switch (n.getOpType()) {
            case "QLinearConv" -> k == 3 ? new OnnxWeight(t, constant(n, 4), constant(n, 5), 0) : null;
            case "QLinearMatMul" -> k == 3 ? new OnnxWeight(t, constant(n, 4), constant(n, 5), last)
                    : k == 0 ? new OnnxWeight(t, constant(n, 1), constant(n, 2), last) : null;
            case "ConvInteger" -> k == 1 ? new OnnxWeight(t, scaleAfter(n, t), constant(n, 3), 0) : null;
            case "MatMulInteger" -> k == 1 ? new OnnxWeight(t, scaleAfter(n, t), constant(n, 3), last) : null;
            default -> null;
        };
    }

    /**
     * A {@code DequantizeLinear} of a constant: the weight it dequantizes, for the node that reads
     * its output; null for one of a computed tensor, which is a layer like any other.
     */
    OnnxWeight dequantized(OnnxMl.NodeProto n) {
        if (!n.getOpType().equals("DequantizeLinear") || n.getInputCount() < 2) {
            return null;
        }
        OnnxMl.TensorProto x = constants.get(n.getInput(0));
        OnnxMl.TensorProto scale = constants.get(n.getInput(1));
        if (x == null || scale == null || !eightBit(x) || x.getDimsCount() == 0) {
            return null;
        }
        long axis = 1; // the operator's default
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("axis")) {
                axis = a.getI();
            }
        }
        return new OnnxWeight(x, scale, constant(n, 2), (int) axis);
    }

    private OnnxMl.TensorProto constant(OnnxMl.NodeProto n, int input) {
        return input < n.getInputCount() ? constants.get(n.getInput(input)) : null;
    }

    /** The weight's scale from the Mul after an integer product, or by ONNX Runtime's naming; null if neither gives it. */
    private OnnxMl.TensorProto scaleAfter(OnnxMl.NodeProto n, OnnxMl.TensorProto weight) {
        String out = n.getOutputCount() > 0 ? n.getOutput(0) : "";
        List<OnnxMl.NodeProto> next = consumers.getOrDefault(out, List.of());
        if (next.size() == 1 && next.get(0).getOpType().equals("Cast") && next.get(0).getOutputCount() > 0) {
            out = next.get(0).getOutput(0);
            next = consumers.getOrDefault(out, List.of());
        }
        for (OnnxMl.NodeProto mul : next) {
            if (!mul.getOpType().equals("Mul") || mul.getInputCount() != 2) {
                continue;
            }
            String factor = mul.getInput(0).equals(out) ? mul.getInput(1) : mul.getInput(0);
            OnnxMl.NodeProto product = producer.get(factor);
            if (product != null && product.getOpType().equals("Mul") && product.getInputCount() == 2) {
                OnnxMl.TensorProto a = constants.get(product.getInput(0)), b = constants.get(product.getInput(1));
                if (a != null ^ b != null) {
                    return a != null ? a : b; // the input's scale is computed, the weight's is the constant
                }
            }
        }
        String name = weight.getName();
        return name.endsWith("_quantized") ? constants.get(name.substring(0, name.length() - "_quantized".length()) + "_scale") : null;
    }
}
