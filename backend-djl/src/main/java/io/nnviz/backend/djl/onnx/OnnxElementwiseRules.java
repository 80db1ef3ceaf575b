package io.nnviz.backend.djl.onnx;

import io.nnviz.backend.djl.onnx.OnnxShapeRules.Rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.nnviz.backend.djl.onnx.OnnxShapeRules.add;

/**
 * Shape rules for elementwise operators: unary ones (activations, normalisations, rounding) keep
 * their input's shape; {@code Identity}, {@code Neg} and {@code Not} keep its values too (as they
 * are, negated, inverted); {@code Cast} changes the element type (keeping integer values, as
 * integers or as conditions); arithmetic and comparisons broadcast their inputs NumPy's
 * way and compute the values of small integer inputs (sizes), so that an {@code If} on a condition
 * computed from sizes can take its branch; {@code Where} broadcasts its three inputs.
 */
final class OnnxElementwiseRules {
    private OnnxElementwiseRules() {
    }

    static void register(Map<String, Rule> rules) {
        add(rules, n -> n.put(same(n)), "Relu", "Sigmoid", "Tanh", "Erf", "Sqrt", "Exp", "Log", "Reciprocal", "Abs", "Clip",
                "HardSigmoid", "HardSwish", "LeakyRelu", "Elu", "Selu", "Softplus", "Softsign", "Gelu", "Softmax", "LogSoftmax", "Hardmax",
                "InstanceNormalization", "LRN", "Round", "Floor",
                "Ceil", "Sign", "Sin", "Cos", "Mish", "ThresholdedRelu", "Celu", "Shrink", "CumSum", "Tan", "Asin", "Acos", "Atan", "Sinh",
                "Cosh", "Asinh", "Acosh", "Atanh", "MeanVarianceNormalization", "LpNormalization", "GroupNormalization", "Trilu",
                "ReverseSequence", "BitwiseNot", "Swish", "QuickGelu", "FastGelu", "BiasGelu", "SkipLayerNormalization",
                "SimplifiedLayerNormalization", "SkipSimplifiedLayerNormalization", "Bernoulli", "ImageScaler");
        add(rules, OnnxElementwiseRules::withStatistics, "LayerNormalization");
        add(rules, OnnxElementwiseRules::withMask, "Dropout");
        add(rules, n -> n.put(typed(n, OnnxTensors.BOOL)), "IsNaN", "IsInf");
        add(rules, n -> n.put(typed(n, n.type(1))), "CastLike");
        add(rules, n -> n.put(typed(n, (int) n.attrInt("dtype", n.type(0)))), "RandomNormalLike", "RandomUniformLike");
        add(rules, n -> n.put(typed(n, (int) n.attrInt("dtype", n.type(0) != 0 ? n.type(0) : OnnxTensors.FLOAT))), "EyeLike");
        add(rules, OnnxElementwiseRules::keepValues, "Identity", "Neg", "Not");
        add(rules, OnnxElementwiseRules::cast, "Cast");
        add(rules, n -> n.put(broadcast(n, false)), "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mod", "PRelu", "BitShift", "Sum",
                "Mean", "BitwiseAnd", "BitwiseOr", "BitwiseXor");
        add(rules, n -> n.put(broadcast(n, true)), "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor");
        add(rules, n -> n.put(OnnxTensorInfo.of(OnnxDim.broadcast(List.of(n.dims(0), n.dims(1), n.dims(2))), n.type(1))), "Where");
        // quantization keeps the shape and changes the type: to the zero point's (uint8 when there is none), back to float
        add(rules, n -> n.put(typed(n, n.type(2) != 0 ? n.type(2) : OnnxTensors.UINT8)), "QuantizeLinear");
        add(rules, n -> n.put(typed(n, n.type(1) != 0 ? n.type(1) : OnnxTensors.FLOAT)), "DequantizeLinear");
        add(rules, OnnxElementwiseRules::dynamicQuantize, "DynamicQuantizeLinear");
        // ONNX Runtime's quantized elementwise operators (com.microsoft): (a, a_scale, a_zero_point, b, ...) broadcast, or x's shape
        add(rules, n -> n.put(OnnxTensorInfo.of(OnnxDim.broadcast(List.of(n.dims(0), n.dims(3))), n.type(0))), "QLinearAdd", "QLinearMul");
        add(rules, n -> n.put(same(n)), "QLinearSigmoid", "QLinearLeakyRelu", "QLinearSoftmax");
    }

    /** Input 0's shape with another element type. */
    private static OnnxTensorInfo typed(OnnxNode n, int type) {
        List<OnnxDim> d = n.dims(0);
        return d == null ? null : OnnxTensorInfo.of(d, type);
    }

    /** LayerNormalization's mean and inverse standard deviation: the normalised axes (from {@code axis}) reduced to 1. */
    private static void withStatistics(OnnxNode n) {
        n.put(same(n));
        List<OnnxDim> x = n.dims(0);
        if (x == null || n.outputCount() < 2) {
            return;
        }
        int axis = (int) n.attrInt("axis", -1);
        axis = axis < 0 ? axis + x.size() : axis;
        List<OnnxDim> d = new ArrayList<>(x);
        for (int i = Math.max(0, axis); i < d.size(); i++) {
            d.set(i, OnnxDim.of(1));
        }
        int t = (int) n.attrInt("stash_type", 1);
        for (int k = 1; k < n.outputCount(); k++) {
            n.put(k, OnnxTensorInfo.of(d, t));
        }
    }

    /** Dropout's output and its mask (bool, the same shape). */
    private static void withMask(OnnxNode n) {
        n.put(same(n));
        if (n.outputCount() > 1) {
            n.put(1, typed(n, OnnxTensors.BOOL));
        }
    }

    /** DynamicQuantizeLinear(x) gives y (uint8, x's shape) and its scale and zero point, both scalars. */
    private static void dynamicQuantize(OnnxNode n) {
        n.put(0, typed(n, OnnxTensors.UINT8));
        n.put(1, OnnxTensorInfo.of(List.of(), OnnxTensors.FLOAT));
        n.put(2, OnnxTensorInfo.of(List.of(), OnnxTensors.UINT8));
    }

    private static OnnxTensorInfo same(OnnxNode n) {
        OnnxTensorInfo i = n.info(0);
        return i == null ? null : OnnxTensorInfo.of(i.dims(), i.type());
    }

    private static void keepValues(OnnxNode n) {
        String op = n.op();
        OnnxTensorInfo i = n.info(0);
        if (i != null) {
            List<OnnxDim> v = i.values();
            if (v != null && !op.equals("Identity")) {
                long[] iv = n.intValues(0);
                v = iv == null ? null : OnnxDim.values(op.equals("Neg") ? negate(iv) : not(iv));
            }
            n.put(new OnnxTensorInfo(i.dims(), op.equals("Not") ? OnnxTensors.BOOL : i.type(), v, op.equals("Identity") ? i.floats() : null));
        }
    }

    private static long[] not(long[] v) {
        long[] o = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            o[i] = v[i] == 0 ? 1 : 0;
        }
        return o;
    }

    private static long[] negate(long[] v) {
        long[] o = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            o[i] = -v[i];
        }
        return o;
    }

    private static void cast(OnnxNode n) {
        OnnxTensorInfo i = n.info(0);
        int to = (int) n.attrInt("to", 0);
        if (i != null) {
            List<OnnxDim> v = to == OnnxTensors.INT64 || to == OnnxTensors.INT32 ? i.values() : null;
            long[] iv = n.intValues(0);
            if (to == OnnxTensors.BOOL && iv != null) {
                v = OnnxDim.values(not(not(iv))); // a condition: nonzero is true
            }
            n.put(new OnnxTensorInfo(i.dims(), to, v, null));
        }
    }

    private static OnnxTensorInfo broadcast(OnnxNode n, boolean bool) {
        List<List<OnnxDim>> shapes = new ArrayList<>();
        for (int i = 0; i < n.inputCount(); i++) {
            shapes.add(n.dims(i));
        }
        List<OnnxDim> d = OnnxDim.broadcast(shapes);
        OnnxTensorInfo info = OnnxTensorInfo.of(d, bool ? OnnxTensors.BOOL : n.type(0));
        long[] a = n.intValues(0), b = n.inputCount() > 1 ? n.intValues(1) : null;
        if (bool && a != null && b != null && (a.length == b.length || a.length == 1 || b.length == 1)) {
            int len = Math.max(a.length, b.length);
            long[] v = new long[len];
            for (int i = 0; i < len; i++) {
                long x = a[a.length == 1 ? 0 : i], y = b[b.length == 1 ? 0 : i];
                boolean r = switch (n.op()) {
                    case "Equal" -> x == y;
                    case "Less" -> x < y;
                    case "Greater" -> x > y;
                    case "LessOrEqual" -> x <= y;
                    case "GreaterOrEqual" -> x >= y;
                    case "And" -> x != 0 && y != 0;
                    case "Or" -> x != 0 || y != 0;
                    default -> (x != 0) != (y != 0);
                };
                v[i] = r ? 1 : 0;
            }
            return info.withValues(OnnxDim.values(v)); // a condition on known sizes: an If can take its branch
        }
        if (!bool && a != null && b != null && (a.length == b.length || a.length == 1 || b.length == 1)) {
            int len = Math.max(a.length, b.length);
            long[] v = new long[len];
            for (int i = 0; i < len; i++) {
                long x = a[a.length == 1 ? 0 : i], y = b[b.length == 1 ? 0 : i];
                switch (n.op()) {
                    case "Add" -> v[i] = x + y;
                    case "Sub" -> v[i] = x - y;
                    case "Mul" -> v[i] = x * y;
                    case "Div" -> {
                        if (y == 0) {
                            return info;
                        }
                        v[i] = Math.floorDiv(x, y);
                    }
                    case "Max" -> v[i] = Math.max(x, y);
                    case "Min" -> v[i] = Math.min(x, y);
                    default -> {
                        return info;
                    }
                }
            }
            info = info.withValues(OnnxDim.values(v));
        }
        return info;
    }
}
