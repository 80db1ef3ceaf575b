package io.nnviz.backend.djl.onnx;

import io.nnviz.backend.djl.onnx.OnnxShapeRules.Rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.nnviz.backend.djl.onnx.OnnxShapeRules.add;

/**
 * Shape rules for reductions: the {@code Reduce*} operators over their axes (an attribute in
 * older opsets, an input since opset 13; all axes when none are given, unless
 * {@code noop_with_empty_axes}), and {@code ArgMax}/{@code ArgMin} over one axis, int64 out;
 * reduced axes kept as 1 with {@code keepdims} (the default), else dropped.
 */
final class OnnxReduceRules {
    private OnnxReduceRules() {
    }

    static void register(Map<String, Rule> rules) {
        add(rules, n -> n.put(reduce(n)), "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin");
    }

    private static OnnxTensorInfo reduce(OnnxNode n) {
        OnnxTensorInfo x = n.info(0);
        if (x == null || x.dims() == null) {
            return null;
        }
        boolean arg = n.op().startsWith("Arg");
        long[] axes = arg ? new long[] {n.attrInt("axis", 0)} : n.axes(1);
        boolean keep = n.attrInt("keepdims", 1) == 1;
        if (axes == null && !arg && n.given(1)) {
            // axes given at run time: with keepdims, the rank is the input's
            return keep ? OnnxTensorInfo.of(OnnxDim.unknownLike(x.dims()), x.type()) : null;
        }
        List<OnnxDim> d = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            boolean reduced = axes == null || axes.length == 0 && n.attrInt("noop_with_empty_axes", 0) == 0;
            if (axes != null) {
                for (long a : axes) {
                    reduced |= (a < 0 ? a + x.rank() : a) == i;
                }
            }
            if (!reduced) {
                d.add(x.dims().get(i));
            } else if (keep) {
                d.add(OnnxDim.of(1));
            }
        }
        return OnnxTensorInfo.of(d, arg ? OnnxTensors.INT64 : x.type());
    }
}
