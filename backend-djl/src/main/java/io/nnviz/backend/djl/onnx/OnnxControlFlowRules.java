package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import io.nnviz.backend.djl.onnx.OnnxShapeRules.Rule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static io.nnviz.backend.djl.onnx.OnnxShapeRules.add;

/**
 * Shape rules for control flow, whose subgraphs get shapes of their own with the enclosing
 * graph's tensors in scope (nested to any depth). {@code If}: its outputs are those of the branch
 * its condition takes when the condition is known (computed from sizes), else what its branches
 * agree on: the rank when both have it, each dimension where both give the same. {@code Loop}: the
 * body is inferred with its iteration number, condition and carried values as inputs; a carried
 * value whose shape the body changes is seeded again with what the first pass and its initial
 * value agree on, so no dimension the iterations may change is given; the scan outputs stack the
 * body's along a new first axis, as long as the trip count when it is known and no condition can
 * end the loop early. {@code Scan} (opset 9 on): the body sees its states and one slice of each
 * scan input; scan outputs gain the scan input's length along their output axis.
 */
final class OnnxControlFlowRules {
    private OnnxControlFlowRules() {
    }

    static void register(Map<String, Rule> rules) {
        add(rules, OnnxControlFlowRules::ifRule, "If");
        add(rules, OnnxControlFlowRules::loop, "Loop");
        add(rules, OnnxControlFlowRules::scan, "Scan");
    }

    private static void ifRule(OnnxNode n) {
        long[] cond = n.intValues(0);
        Boolean taken = cond != null && cond.length == 1 ? cond[0] != 0 : null;
        List<List<OnnxTensorInfo>> outs = new ArrayList<>();
        for (OnnxMl.AttributeProto a : n.proto().getAttributeList()) {
            if (!a.hasG()) {
                continue;
            }
            OnnxShapes inner = n.scope().subgraph(n.proto(), n.index(), a, Map.of()); // both branches get shapes, for the diagram
            if (taken == null || taken == a.getName().equals("then_branch")) {
                outs.add(outputs(inner, a.getG()));
            }
        }
        for (int k = 0; k < n.outputCount(); k++) {
            OnnxTensorInfo merged = null;
            for (int b = 0; b < outs.size(); b++) {
                OnnxTensorInfo i = k < outs.get(b).size() ? outs.get(b).get(k) : null;
                merged = b == 0 ? i : merge(merged, i);
            }
            n.put(k, merged);
        }
    }

    private static List<OnnxTensorInfo> outputs(OnnxShapes inner, OnnxMl.GraphProto g) {
        List<OnnxTensorInfo> o = new ArrayList<>();
        for (OnnxMl.ValueInfoProto v : g.getOutputList()) {
            o.add(inner.get(v.getName()));
        }
        return o;
    }

    /**
     * What two possible values of one tensor have in common: the element type, the rank if they
     * share it, each dimension (and small integer value) they agree on; null if nothing.
     */
    static OnnxTensorInfo merge(OnnxTensorInfo a, OnnxTensorInfo b) {
        if (a == null || b == null) {
            OnnxTensorInfo some = a != null ? a : b;
            return some == null || some.type() == 0 ? null : OnnxTensorInfo.of(null, some.type());
        }
        int type = a.type() == b.type() ? a.type() : a.type() == 0 ? b.type() : b.type() == 0 ? a.type() : 0;
        if (a.dims() == null || b.dims() == null || a.rank() != b.rank()) {
            return OnnxTensorInfo.of(null, type);
        }
        List<OnnxDim> d = new ArrayList<>();
        for (int i = 0; i < a.rank(); i++) {
            d.add(a.dims().get(i).equals(b.dims().get(i)) ? a.dims().get(i) : OnnxDim.UNKNOWN);
        }
        OnnxTensorInfo out = OnnxTensorInfo.of(d, type);
        return Objects.equals(a.values(), b.values()) ? out.withValues(a.values()) : out;
    }

    /** Loop(M, cond, v_initial...) with body(iteration, cond, v...) -> (cond, v..., scan outputs...). */
    private static void loop(OnnxNode n) {
        OnnxMl.AttributeProto body = n.attr("body");
        if (body == null || !body.hasG()) {
            return;
        }
        OnnxMl.GraphProto g = body.getG();
        int carried = Math.max(0, n.inputCount() - 2);
        Map<String, OnnxTensorInfo> seeds = new HashMap<>();
        if (g.getInputCount() >= 2) {
            seeds.put(g.getInput(0).getName(), OnnxTensorInfo.of(List.of(), OnnxTensors.INT64));
            seeds.put(g.getInput(1).getName(), OnnxTensorInfo.of(List.of(), OnnxTensors.BOOL));
        }
        List<OnnxTensorInfo> initial = new ArrayList<>();
        for (int k = 0; k < carried; k++) {
            OnnxTensorInfo i = n.info(2 + k);
            initial.add(i == null ? null : OnnxTensorInfo.of(i.dims(), i.type())); // values change from one iteration to the next
        }
        List<OnnxTensorInfo> first = outputs(n.scope().trial(g, carriedSeeds(seeds, g, 2, initial)), g);
        List<OnnxTensorInfo> general = new ArrayList<>();
        for (int k = 0; k < carried; k++) {
            general.add(merge(initial.get(k), 1 + k < first.size() ? first.get(1 + k) : null));
        }
        OnnxShapes inner = n.scope().subgraph(n.proto(), n.index(), body, carriedSeeds(seeds, g, 2, general));
        List<OnnxTensorInfo> out = outputs(inner, g);
        for (int k = 0; k < carried && k < n.outputCount(); k++) {
            n.put(k, merge(general.get(k), 1 + k < out.size() ? out.get(1 + k) : null));
        }
        long[] trips = n.intValues(0);
        boolean fixed = trips != null && trips.length == 1 && (n.input(1).isEmpty() || g.getOutputCount() > 0
                && g.getOutput(0).getName().equals(g.getInputCount() > 1 ? g.getInput(1).getName() : null));
        for (int k = carried; k < n.outputCount(); k++) {
            OnnxTensorInfo s = 1 + k < out.size() ? out.get(1 + k) : null;
            n.put(k, stacked(s, 0, fixed ? OnnxDim.of(trips[0]) : OnnxDim.UNKNOWN));
        }
    }

    private static Map<String, OnnxTensorInfo> carriedSeeds(Map<String, OnnxTensorInfo> fixed, OnnxMl.GraphProto g, int from,
                                                            List<OnnxTensorInfo> values) {
        Map<String, OnnxTensorInfo> seeds = new HashMap<>(fixed);
        for (int k = 0; k < values.size() && from + k < g.getInputCount(); k++) {
            if (values.get(k) != null) {
                seeds.put(g.getInput(from + k).getName(), values.get(k));
            }
        }
        return seeds;
    }

    /** {@code s} with dimension {@code length} inserted at {@code axis}; null if {@code s}'s rank is unknown. */
    private static OnnxTensorInfo stacked(OnnxTensorInfo s, int axis, OnnxDim length) {
        if (s == null || s.dims() == null) {
            return s == null ? null : OnnxTensorInfo.of(null, s.type());
        }
        int at = axis < 0 ? axis + s.rank() + 1 : axis;
        if (at < 0 || at > s.rank()) {
            return OnnxTensorInfo.of(null, s.type());
        }
        List<OnnxDim> d = new ArrayList<>(s.dims());
        d.add(at, length);
        return OnnxTensorInfo.of(d, s.type());
    }

    /** Scan(states..., scan inputs...) with body(states..., slices...) -> (states..., scan outputs...), opset 9 on. */
    private static void scan(OnnxNode n) {
        OnnxMl.AttributeProto body = n.attr("body");
        if (body == null || !body.hasG() || n.opset() < 9) {
            return;
        }
        OnnxMl.GraphProto g = body.getG();
        int m = (int) n.attrInt("num_scan_inputs", 0), states = n.inputCount() - m;
        long[] inAxes = n.attrInts("scan_input_axes"), outAxes = n.attrInts("scan_output_axes");
        if (m <= 0 || states < 0) {
            return;
        }
        List<OnnxTensorInfo> seedList = new ArrayList<>();
        for (int k = 0; k < states; k++) {
            OnnxTensorInfo i = n.info(k);
            seedList.add(i == null ? null : OnnxTensorInfo.of(i.dims(), i.type()));
        }
        OnnxDim length = OnnxDim.UNKNOWN;
        for (int k = 0; k < m; k++) {
            OnnxTensorInfo x = n.info(states + k);
            int axis = inAxes != null && k < inAxes.length ? (int) inAxes[k] : 0;
            if (x == null || x.dims() == null) {
                seedList.add(x == null ? null : OnnxTensorInfo.of(null, x.type()));
                continue;
            }
            axis = axis < 0 ? axis + x.rank() : axis;
            List<OnnxDim> slice = new ArrayList<>(x.dims());
            if (axis >= 0 && axis < slice.size()) {
                OnnxDim l = slice.remove(axis);
                length = k == 0 ? l : length;
            }
            seedList.add(OnnxTensorInfo.of(slice, x.type()));
        }
        OnnxShapes inner = n.scope().subgraph(n.proto(), n.index(), body, carriedSeeds(Map.of(), g, 0, seedList));
        List<OnnxTensorInfo> out = outputs(inner, g);
        for (int k = 0; k < n.outputCount() && k < out.size(); k++) {
            if (k < states) {
                n.put(k, merge(seedList.get(k), out.get(k)));
            } else {
                int j = k - states;
                n.put(k, stacked(out.get(k), outAxes != null && j < outAxes.length ? (int) outAxes[j] : 0, length));
            }
        }
    }
}
