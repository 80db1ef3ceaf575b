package io.nnviz.backend.djl.onnx;

import io.nnviz.backend.djl.onnx.OnnxShapeRules.Rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.nnviz.backend.djl.onnx.OnnxShapeRules.add;

/**
 * Shape rules for the operators that select, index or scatter: {@code TopK} (K along an axis,
 * values and int64 indices), {@code GatherElements} (the indices' shape), {@code GatherND} (with
 * {@code batch_dims}), {@code Scatter}, {@code ScatterElements} and {@code ScatterND} (the data's
 * shape), {@code OneHot} (a depth axis inserted), and those whose output size depends on the
 * values, which get their rank and an unknown size: {@code NonZero}, {@code Compress},
 * {@code Unique} and {@code NonMaxSuppression}.
 */
final class OnnxIndexingRules {
    private OnnxIndexingRules() {
    }

    static void register(Map<String, Rule> rules) {
        add(rules, OnnxIndexingRules::topK, "TopK");
        add(rules, n -> n.put(n.dims(1) == null ? null : OnnxTensorInfo.of(n.dims(1), n.type(0))), "GatherElements");
        add(rules, n -> n.put(gatherNd(n)), "GatherND");
        add(rules, n -> n.put(n.dims(0) == null ? null : OnnxTensorInfo.of(n.dims(0), n.type(0))), "Scatter", "ScatterElements", "ScatterND");
        add(rules, n -> n.put(oneHot(n)), "OneHot");
        add(rules, n -> n.put(OnnxTensorInfo.of(n.dims(0) == null ? null : List.of(OnnxDim.of(n.dims(0).size()), OnnxDim.UNKNOWN),
                OnnxTensors.INT64)), "NonZero");
        add(rules, n -> n.put(OnnxTensorInfo.of(List.of(OnnxDim.UNKNOWN, OnnxDim.of(3)), OnnxTensors.INT64)), "NonMaxSuppression");
        add(rules, n -> n.put(n.dims(0) == null ? null : OnnxTensorInfo.of(alongAxis(n, n.dims(0), OnnxDim.UNKNOWN), n.type(0))), "Compress");
        add(rules, OnnxIndexingRules::unique, "Unique");
    }

    /** {@code x} with its {@code axis} dimension (the attribute) set to {@code size}; flattened to {@code [size]} when there is no axis. */
    private static List<OnnxDim> alongAxis(OnnxNode n, List<OnnxDim> x, OnnxDim size) {
        if (n.attr("axis") == null) {
            return List.of(size);
        }
        int axis = (int) n.attrInt("axis", 0);
        axis = axis < 0 ? axis + x.size() : axis;
        if (axis < 0 || axis >= x.size()) {
            return null;
        }
        List<OnnxDim> d = new ArrayList<>(x);
        d.set(axis, size);
        return d;
    }

    /** TopK: K from the attribute (opset 1 to 9) or input 1, along {@code axis} (default the last). */
    private static void topK(OnnxNode n) {
        List<OnnxDim> x = n.dims(0);
        if (x == null || x.isEmpty()) {
            return;
        }
        long[] k = n.attr("k") != null ? new long[] {n.attrInt("k", -1)} : n.intValues(1);
        int axis = (int) n.attrInt("axis", -1);
        axis = axis < 0 ? axis + x.size() : axis;
        if (axis < 0 || axis >= x.size()) {
            return;
        }
        List<OnnxDim> d = new ArrayList<>(x);
        d.set(axis, k != null && k.length == 1 ? OnnxDim.of(k[0]) : OnnxDim.UNKNOWN);
        n.put(0, OnnxTensorInfo.of(d, n.type(0)));
        if (n.outputCount() > 1) {
            n.put(1, OnnxTensorInfo.of(d, OnnxTensors.INT64));
        }
    }

    /** GatherND: the indices' shape but the last, then the data's past the batch and indexed axes. */
    private static OnnxTensorInfo gatherNd(OnnxNode n) {
        List<OnnxDim> data = n.dims(0), idx = n.dims(1);
        int b = (int) n.attrInt("batch_dims", 0);
        if (data == null || idx == null || idx.isEmpty() || !idx.get(idx.size() - 1).known()) {
            return null;
        }
        int last = (int) idx.get(idx.size() - 1).size();
        if (b + last > data.size()) {
            return null;
        }
        List<OnnxDim> d = new ArrayList<>(idx.subList(0, idx.size() - 1));
        d.addAll(data.subList(b + last, data.size()));
        return OnnxTensorInfo.of(d, n.type(0));
    }

    /** OneHot(indices, depth, values): a depth axis inserted at {@code axis} (default the last), of the values' type. */
    private static OnnxTensorInfo oneHot(OnnxNode n) {
        List<OnnxDim> idx = n.dims(0);
        if (idx == null) {
            return null;
        }
        long[] depth = n.intValues(1);
        OnnxTensorInfo di = n.info(1);
        OnnxDim size = depth != null && depth.length == 1 ? OnnxDim.of(depth[0])
                : di != null && di.floats() != null && di.floats().length == 1 ? OnnxDim.of((long) di.floats()[0]) : OnnxDim.UNKNOWN;
        int axis = (int) n.attrInt("axis", -1);
        axis = axis < 0 ? axis + idx.size() + 1 : axis;
        if (axis < 0 || axis > idx.size()) {
            return null;
        }
        List<OnnxDim> d = new ArrayList<>(idx);
        d.add(axis, size);
        return OnnxTensorInfo.of(d, n.type(2));
    }

    /** Unique: its values (flat, or along {@code axis}), their first indices, the inverse indices and the counts. */
    private static void unique(OnnxNode n) {
        List<OnnxDim> x = n.dims(0);
        if (x == null) {
            return;
        }
        n.put(0, OnnxTensorInfo.of(alongAxis(n, x, OnnxDim.UNKNOWN), n.type(0)));
        List<OnnxDim> inverse = n.attr("axis") == null ? List.of(OnnxDim.product(x)) : null;
        if (inverse == null) {
            List<OnnxDim> a = alongAxis(n, x, OnnxDim.UNKNOWN);
            int axis = (int) n.attrInt("axis", 0);
            axis = axis < 0 ? axis + x.size() : axis;
            inverse = a == null ? null : List.of(x.get(axis));
        }
        for (int k = 1; k < n.outputCount(); k++) {
            n.put(k, OnnxTensorInfo.of(k == 2 ? inverse : List.of(OnnxDim.UNKNOWN), OnnxTensors.INT64));
        }
    }
}
