package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import io.nnviz.backend.djl.onnx.OnnxShapeRules.Rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.nnviz.backend.djl.onnx.OnnxShapeRules.add;

/**
 * Shape rules for constants and the shape arithmetic exporters write, which carry the values of
 * small integer tensors (sizes and symbols) from one node to the next: {@code Constant},
 * {@code ConstantOfShape}, {@code Shape} and {@code Size} (a tensor's dimensions as values),
 * {@code Gather}, {@code Slice} (of a tensor of any rank, steps and negative axes included),
 * {@code Concat}, {@code Split} (in parts, or in {@code num_outputs}), {@code Range}, and the
 * generators whose size an input or attribute gives (window functions, {@code RandomNormal},
 * {@code RandomUniform}).
 */
final class OnnxShapeValueRules {
    private OnnxShapeValueRules() {
    }

    static void register(Map<String, Rule> rules) {
        add(rules, OnnxShapeValueRules::constant, "Constant");
        add(rules, OnnxShapeValueRules::constantOfShape, "ConstantOfShape");
        add(rules, OnnxShapeValueRules::shape, "Shape");
        add(rules, OnnxShapeValueRules::size, "Size");
        add(rules, n -> n.put(gather(n)), "Gather");
        add(rules, n -> n.put(slice(n)), "Slice");
        add(rules, n -> n.put(concat(n)), "Concat");
        add(rules, OnnxShapeValueRules::split, "Split");
        add(rules, n -> n.put(range(n)), "Range");
        add(rules, n -> n.put(sized(n, n.attrInts("shape"), (int) n.attrInt("dtype", OnnxTensors.FLOAT))), "RandomNormal", "RandomUniform");
    }

    private static void constant(OnnxNode n) {
        OnnxMl.AttributeProto v = n.attr("value");
        if (v != null && v.hasT()) {
            n.put(OnnxTensorInfo.held(v.getT()));
        } else if (n.attr("value_int") != null) {
            n.put(new OnnxTensorInfo(List.of(), OnnxTensors.INT64, List.of(OnnxDim.value(n.attr("value_int").getI())), null));
        } else if (n.attr("value_ints") != null) {
            long[] vs = n.attrInts("value_ints");
            n.put(new OnnxTensorInfo(List.of(OnnxDim.of(vs.length)), OnnxTensors.INT64, OnnxDim.values(vs), null));
        } else if (n.attr("value_float") != null) {
            n.put(OnnxTensorInfo.of(List.of(), OnnxTensors.FLOAT));
        } else if (n.attr("value_floats") != null) {
            n.put(OnnxTensorInfo.of(List.of(OnnxDim.of(n.attr("value_floats").getFloatsCount())), OnnxTensors.FLOAT));
        }
    }

    /** ConstantOfShape: the shape its input holds; a small integer fill keeps its values (the zeros of a pad list). */
    private static void constantOfShape(OnnxNode n) {
        long[] shape = n.intValues(0);
        OnnxMl.AttributeProto v = n.attr("value");
        int t = v != null && v.hasT() ? v.getT().getDataType() : OnnxTensors.FLOAT;
        List<OnnxDim> sv = n.values(0);
        List<OnnxDim> dims = shape != null ? OnnxDim.sizes(shape) : OnnxDim.asSizes(sv);
        if (dims == null && n.length(0) >= 0) { // a shape given at run time: its length is the rank
            dims = OnnxDim.unknown((int) n.length(0));
        }
        OnnxTensorInfo out = OnnxTensorInfo.of(dims, t);
        OnnxTensorInfo fill = v != null && v.hasT() ? OnnxTensorInfo.held(v.getT()) : null;
        OnnxDim count = out.dims() == null ? OnnxDim.UNKNOWN : OnnxDim.product(out.dims());
        if (fill != null && fill.values() != null && fill.values().size() == 1 && count.known() && count.size() <= 64) {
            out = out.withValues(java.util.Collections.nCopies((int) count.size(), fill.values().get(0)));
        }
        n.put(out);
    }

    private static void shape(OnnxNode n) {
        List<OnnxDim> x = n.dims(0);
        if (x != null) {
            int start = (int) n.attrInt("start", 0), end = (int) n.attrInt("end", x.size());
            start = Math.max(0, Math.min(x.size(), start < 0 ? start + x.size() : start));
            end = Math.max(start, Math.min(x.size(), end < 0 ? end + x.size() : end));
            List<OnnxDim> v = x.subList(start, end);
            n.put(new OnnxTensorInfo(List.of(OnnxDim.of(v.size())), OnnxTensors.INT64, v, null));
        } else {
            n.put(OnnxTensorInfo.of(List.of(OnnxDim.UNKNOWN), OnnxTensors.INT64));
        }
    }

    private static void size(OnnxNode n) {
        List<OnnxDim> x = n.dims(0);
        OnnxDim p = x == null ? OnnxDim.UNKNOWN : OnnxDim.product(x);
        n.put(new OnnxTensorInfo(List.of(), OnnxTensors.INT64, p.known() ? List.of(p) : null, null));
    }

    private static OnnxTensorInfo gather(OnnxNode n) {
        OnnxTensorInfo data = n.info(0), idx = n.info(1);
        if (data == null || idx == null || data.dims() == null || idx.dims() == null) {
            return null;
        }
        int axis = (int) n.attrInt("axis", 0);
        axis = axis < 0 ? axis + data.rank() : axis;
        if (axis < 0 || axis >= data.rank()) {
            return null;
        }
        List<OnnxDim> d = new ArrayList<>(data.dims().subList(0, axis));
        d.addAll(idx.dims());
        d.addAll(data.dims().subList(axis + 1, data.rank()));
        OnnxTensorInfo out = OnnxTensorInfo.of(d, data.type());
        long[] iv = n.intValues(1);
        if (data.values() != null && data.rank() == 1 && iv != null) {
            List<OnnxDim> v = new ArrayList<>();
            for (long i : iv) {
                int at = (int) (i < 0 ? i + data.values().size() : i);
                if (at < 0 || at >= data.values().size()) {
                    return out;
                }
                v.add(data.values().get(at));
            }
            out = out.withValues(v);
        }
        return out;
    }

    private static OnnxTensorInfo slice(OnnxNode n) {
        OnnxTensorInfo x = n.info(0);
        if (x == null || x.dims() == null) {
            return null;
        }
        List<OnnxDim> starts, ends;
        long[] axes, steps;
        if (n.opset() < 10 || n.attr("starts") != null) {
            starts = n.attrInts("starts") == null ? null : OnnxDim.values(n.attrInts("starts"));
            ends = n.attrInts("ends") == null ? null : OnnxDim.values(n.attrInts("ends"));
            axes = n.attrInts("axes");
            steps = null;
        } else {
            starts = n.values(1);
            ends = n.values(2);
            axes = n.given(3) ? n.intValues(3) : null;
            steps = n.given(4) ? n.intValues(4) : null;
            if (n.given(3) && axes == null || n.given(4) && steps == null) {
                return OnnxTensorInfo.of(OnnxDim.unknownLike(x.dims()), x.type());
            }
        }
        if (starts == null || ends == null || starts.size() != ends.size()) {
            return OnnxTensorInfo.of(OnnxDim.unknownLike(x.dims()), x.type());
        }
        List<OnnxDim> d = new ArrayList<>(x.dims());
        int[][] picked = new int[x.rank()][]; // per axis, the source indices kept (null: all)
        for (int i = 0; i < starts.size(); i++) {
            int axis = (int) (axes == null ? i : axes[i] < 0 ? axes[i] + x.rank() : axes[i]);
            long step = steps == null ? 1 : steps[i];
            OnnxDim dim = d.get(axis), start = starts.get(i), end = ends.get(i);
            boolean whole = start.numeric() && start.size() == 0 && end.numeric() && end.size() >= Long.MAX_VALUE / 2 && step == 1;
            if (!start.numeric() || !end.numeric()) {
                // from 0 to a symbol (a table sliced to a sequence's length, which a valid input never exceeds): the symbol
                d.set(axis, start.numeric() && start.size() == 0 && step == 1 && end.symbol() != null ? end : OnnxDim.UNKNOWN);
                continue;
            }
            if (!dim.known() || step == 0) {
                d.set(axis, whole ? dim : OnnxDim.UNKNOWN);
                continue;
            }
            long len = dim.size();
            long s0 = clamp(start.size(), len, step), e = clamp(end.size(), len, step);
            long size = step > 0 ? Math.max(0, (e - s0 + step - 1) / step) : Math.max(0, (s0 - e - step - 1) / -step);
            d.set(axis, OnnxDim.of(size));
            picked[axis] = new int[(int) Math.min(size, 1 << 16)];
            for (int k = 0; k < picked[axis].length; k++) {
                picked[axis][k] = (int) (s0 + k * step);
            }
        }
        OnnxTensorInfo out = OnnxTensorInfo.of(d, x.type());
        return x.values() == null ? out : out.withValues(OnnxValues.pick(x.dims(), x.values(), picked));
    }

    /** Range(start, limit, delta): {@code max(ceil((limit - start) / delta), 0)} values, computed when they are few integers. */
    private static OnnxTensorInfo range(OnnxNode n) {
        double[] abc = new double[3];
        boolean known = true, ints = true;
        for (int i = 0; i < 3; i++) {
            long[] v = n.intValues(i);
            OnnxTensorInfo info = n.info(i);
            if (v != null && v.length == 1) {
                abc[i] = v[0];
            } else if (info != null && info.floats() != null && info.floats().length == 1) {
                abc[i] = info.floats()[0];
                ints = false;
            } else {
                known = false;
            }
        }
        if (!known || abc[2] == 0) {
            return OnnxTensorInfo.of(List.of(OnnxDim.UNKNOWN), n.type(0));
        }
        long count = Math.max((long) Math.ceil((abc[1] - abc[0]) / abc[2]), 0);
        OnnxTensorInfo out = OnnxTensorInfo.of(List.of(OnnxDim.of(count)), n.type(0));
        if (ints && count <= 64) {
            long[] v = new long[(int) count];
            for (int i = 0; i < v.length; i++) {
                v[i] = (long) abc[0] + i * (long) abc[2];
            }
            out = out.withValues(OnnxDim.values(v));
        }
        return out;
    }

    /** A tensor of the sizes {@code dims} (a window's one size, a random tensor's shape attribute) and element type {@code type}. */
    private static OnnxTensorInfo sized(OnnxNode n, long[] dims, int type) {
        return dims == null ? null : OnnxTensorInfo.of(OnnxDim.sizes(dims), type);
    }

    private static long clamp(long v, long len, long step) {
        long x = v < 0 ? v + len : v;
        return step > 0 ? Math.max(0, Math.min(len, x)) : Math.max(-1, Math.min(len - 1, x));
    }

    private static OnnxTensorInfo concat(OnnxNode n) {
        List<List<OnnxDim>> ins = new ArrayList<>();
        for (int i = 0; i < n.inputCount(); i++) {
            ins.add(n.dims(i));
        }
        if (ins.isEmpty() || ins.contains(null)) {
            return null;
        }
        int rank = ins.get(0).size();
        int axis = (int) n.attrInt("axis", 0);
        axis = axis < 0 ? axis + rank : axis;
        if (axis < 0 || axis >= rank) {
            return null;
        }
        List<OnnxDim> d = new ArrayList<>(ins.get(0));
        long sum = 0;
        boolean known = true;
        for (List<OnnxDim> s : ins) {
            if (s.size() != rank) {
                return null;
            }
            known &= s.get(axis).known();
            sum += s.get(axis).known() ? s.get(axis).size() : 0;
        }
        d.set(axis, known ? OnnxDim.of(sum) : OnnxDim.UNKNOWN);
        OnnxTensorInfo out = OnnxTensorInfo.of(d, n.type(0));
        if (rank == 1) { // shape vectors: their values concatenate
            List<OnnxDim> v = new ArrayList<>();
            for (int i = 0; i < n.inputCount(); i++) {
                List<OnnxDim> part = n.values(i);
                if (part == null) {
                    return out;
                }
                v.addAll(part);
            }
            out = out.withValues(v);
        }
        return out;
    }

    private static void split(OnnxNode n) {
        OnnxTensorInfo x = n.info(0);
        if (x == null || x.dims() == null) {
            return;
        }
        int axis = (int) n.attrInt("axis", 0);
        axis = axis < 0 ? axis + x.rank() : axis;
        long[] parts = n.attrInts("split");
        if (parts == null && n.given(1)) {
            parts = n.intValues(1);
        }
        OnnxDim dim = x.dims().get(axis);
        long outputs = n.attrInt("num_outputs", n.outputCount());
        if (parts == null && n.attr("num_outputs") != null && dim.known() && outputs > 0) { // opset 18: the last part may be smaller
            long chunk = (dim.size() + outputs - 1) / outputs;
            parts = new long[(int) outputs];
            for (int k = 0; k < outputs; k++) {
                parts[k] = Math.max(0, Math.min(chunk, dim.size() - k * chunk));
            }
        }
        for (int k = 0; k < n.outputCount(); k++) {
            List<OnnxDim> d = new ArrayList<>(x.dims());
            if (parts != null && parts.length == n.outputCount()) {
                d.set(axis, OnnxDim.of(parts[k]));
            } else if (dim.known() && dim.size() % n.outputCount() == 0 && !n.given(1)) {
                // equal parts only where no 'split' input gives the sizes: one whose values are not known says nothing
                d.set(axis, OnnxDim.of(dim.size() / n.outputCount()));
            } else {
                d.set(axis, OnnxDim.UNKNOWN);
            }
            n.put(k, OnnxTensorInfo.of(d, x.type()));
        }
    }
}
