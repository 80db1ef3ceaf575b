package io.nnviz.backend.djl.onnx;

import io.nnviz.backend.djl.onnx.OnnxShapeRules.Rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.nnviz.backend.djl.onnx.OnnxShapeRules.add;

/**
 * Shape rules for matrix products: {@code Gemm} ({@code [M, K] x [K, N]}, either side transposed
 * by {@code transA}/{@code transB}) and {@code MatMul}/{@code MatMulInteger} (NumPy's
 * {@code matmul}: vectors promoted, batch dimensions broadcast; int32 out of
 * {@code MatMulInteger}), their quantized forms, {@code Einsum}, and {@code Det} (a determinant
 * per matrix of the batch).
 */
final class OnnxMatMulRules {
    private OnnxMatMulRules() {
    }

    static void register(Map<String, Rule> rules) {
        add(rules, OnnxMatMulRules::gemm, "Gemm");
        add(rules, n -> n.put(matMul(n, 0, 1, n.type(0))), "MatMul");
        add(rules, n -> n.put(matMul(n, 0, 1, OnnxTensors.INT32)), "MatMulInteger");
        // QLinearMatMul(a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point)
        add(rules, n -> n.put(matMul(n, 0, 3, n.type(7) != 0 ? n.type(7) : n.type(0))), "QLinearMatMul");
        // ONNX Runtime's quantized products (com.microsoft): float out
        add(rules, n -> n.put(matMul(n, 0, 1, OnnxTensors.FLOAT)), "MatMulIntegerToFloat", "DynamicQuantizeMatMul");
        add(rules, n -> n.put(einsum(n)), "Einsum");
        add(rules, n -> {
            List<OnnxDim> x = n.dims(0);
            n.put(x == null || x.size() < 2 ? null : OnnxTensorInfo.of(x.subList(0, x.size() - 2), n.type(0)));
        }, "Det");
    }

    private static void gemm(OnnxNode n) {
        List<OnnxDim> a = n.dims(0), b = n.dims(1);
        if (a != null && b != null && a.size() == 2 && b.size() == 2) {
            OnnxDim m = n.attrInt("transA", 0) == 0 ? a.get(0) : a.get(1);
            OnnxDim nn = n.attrInt("transB", 0) == 0 ? b.get(1) : b.get(0);
            n.put(OnnxTensorInfo.of(List.of(m, nn), n.type(0)));
        }
    }

    /**
     * Einsum: each output letter's size from the input that has it (a size where one gives it),
     * the output the letters after "->", or (implicit) the letters used once, in alphabetical
     * order; an ellipsis stands for the same leading dimensions in every operand.
     */
    private static OnnxTensorInfo einsum(OnnxNode n) {
        String eq = n.attrString("equation", "").replace(" ", "");
        String[] sides = eq.split("->", -1);
        String[] terms = sides[0].split(",", -1);
        if (terms.length != n.inputCount()) {
            return null;
        }
        java.util.Map<Character, OnnxDim> size = new java.util.HashMap<>();
        java.util.Map<Character, Integer> uses = new java.util.TreeMap<>();
        List<OnnxDim> ellipsis = null;
        for (int i = 0; i < terms.length; i++) {
            List<OnnxDim> d = n.dims(i);
            String t = terms[i];
            boolean dots = t.contains("...");
            String letters = t.replace("...", "");
            if (d == null || d.size() < letters.length() || !dots && d.size() != letters.length()) {
                return null;
            }
            int lead = t.indexOf("..."), extra = d.size() - letters.length();
            if (dots) {
                List<OnnxDim> e = d.subList(lead, lead + extra);
                ellipsis = ellipsis == null || e.size() > ellipsis.size() ? e : ellipsis;
            }
            for (int k = 0; k < letters.length(); k++) {
                char c = letters.charAt(k);
                OnnxDim x = d.get(dots && k >= lead ? k + extra : k);
                OnnxDim had = size.get(c);
                size.put(c, had == null || !had.known() && x.known() || had.known() && had.size() == 1 ? x : had);
                uses.merge(c, 1, Integer::sum);
            }
        }
        String out = sides.length > 1 ? sides[1] : null;
        if (out == null) {
            StringBuilder b = new StringBuilder(ellipsis != null ? "..." : "");
            uses.forEach((c, k) -> b.append(k == 1 ? String.valueOf(c) : ""));
            out = b.toString();
        }
        List<OnnxDim> d = new ArrayList<>();
        for (int k = 0; k < out.length(); k++) {
            if (out.startsWith("...", k)) {
                if (ellipsis == null) {
                    return null;
                }
                d.addAll(ellipsis);
                k += 2;
            } else if (size.containsKey(out.charAt(k))) {
                d.add(size.get(out.charAt(k)));
            } else {
                return null;
            }
        }
        return OnnxTensorInfo.of(d, n.type(0));
    }

    /** The product of inputs {@code ai} and {@code bi} (numpy's matmul broadcasting), of element type {@code type}. */
    private static OnnxTensorInfo matMul(OnnxNode n, int ai, int bi, int type) {
        List<OnnxDim> a = n.dims(ai), b = n.dims(bi);
        if (a == null || b == null || a.isEmpty() || b.isEmpty()) {
            return null;
        }
        List<OnnxDim> a2 = a.size() == 1 ? List.of(OnnxDim.of(1), a.get(0)) : a, b2 = b.size() == 1 ? List.of(b.get(0), OnnxDim.of(1)) : b;
        List<OnnxDim> batch = OnnxDim.broadcast(List.of(a2.subList(0, a2.size() - 2), b2.subList(0, b2.size() - 2)));
        List<OnnxDim> d = new ArrayList<>(batch);
        if (a.size() > 1) {
            d.add(a2.get(a2.size() - 2));
        }
        if (b.size() > 1) {
            d.add(b2.get(b2.size() - 1));
        }
        return OnnxTensorInfo.of(d, type);
    }
}
