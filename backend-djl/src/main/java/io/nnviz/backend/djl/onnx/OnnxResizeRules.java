package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import io.nnviz.backend.djl.onnx.OnnxShapeRules.Rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.nnviz.backend.djl.onnx.OnnxShapeRules.add;

/**
 * Shape rules for the operators that change a tensor's sizes along its axes: {@code Pad} (pads
 * as an attribute before opset 11, as an input since, on the listed axes only since opset 18),
 * {@code Resize} (by sizes, which may come from {@code Shape} arithmetic and keep its symbols, or
 * by scales; on the listed axes and with {@code keep_aspect_ratio_policy} since opset 18),
 * {@code Upsample} (scales as an attribute in opset 7, as an input since), {@code DepthToSpace}
 * and {@code SpaceToDepth}. Sizes a rule cannot compute are unknown; the rank stays.
 */
final class OnnxResizeRules {
    private OnnxResizeRules() {
    }

    static void register(Map<String, Rule> rules) {
        add(rules, n -> n.put(pad(n)), "Pad");
        add(rules, n -> n.put(resize(n)), "Resize", "Upsample");
        add(rules, n -> n.put(depthToSpace(n, true)), "DepthToSpace");
        add(rules, n -> n.put(depthToSpace(n, false)), "SpaceToDepth");
    }

    /** The axes an opset-18 operator lists in {@code axes} (an input at {@code input}, or an attribute), normalised; all if none. */
    private static int[] axes(OnnxNode n, long[] given, int rank) {
        if (given == null) {
            int[] all = new int[rank];
            for (int i = 0; i < rank; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] a = new int[given.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = (int) (given[i] < 0 ? given[i] + rank : given[i]);
            if (a[i] < 0 || a[i] >= rank) {
                return null;
            }
        }
        return a;
    }

    private static OnnxTensorInfo pad(OnnxNode n) {
        OnnxTensorInfo x = n.info(0);
        if (x == null || x.dims() == null) {
            return null;
        }
        long[] pads = n.attrInts("pads");
        if (pads == null && n.given(1)) {
            pads = n.intValues(1);
        }
        boolean listed = n.given(3);
        int[] axes = axes(n, listed ? n.intValues(3) : null, x.rank());
        if (pads == null || axes == null || listed && n.intValues(3) == null || pads.length != 2L * axes.length) {
            return OnnxTensorInfo.of(OnnxDim.unknownLike(x.dims()), x.type());
        }
        List<OnnxDim> d = new ArrayList<>(x.dims());
        for (int k = 0; k < axes.length; k++) {
            OnnxDim dim = d.get(axes[k]);
            long add = pads[k] + pads[k + axes.length];
            d.set(axes[k], add == 0 ? dim : dim.known() ? OnnxDim.of(dim.size() + add) : OnnxDim.UNKNOWN);
        }
        return OnnxTensorInfo.of(d, x.type());
    }

    private static OnnxTensorInfo resize(OnnxNode n) {
        OnnxTensorInfo x = n.info(0);
        if (x == null || x.dims() == null) {
            return null;
        }
        boolean upsample = n.op().equals("Upsample");
        int[] axes = axes(n, upsample ? null : n.attrInts("axes"), x.rank());
        if (axes == null) {
            return OnnxTensorInfo.of(OnnxDim.unknownLike(x.dims()), x.type());
        }
        List<OnnxDim> sizes = !upsample && n.given(3) ? OnnxDim.asSizes(n.values(3)) : null;
        if (sizes != null && sizes.size() == axes.length) {
            return OnnxTensorInfo.of(sized(n, x.dims(), axes, sizes), x.type());
        }
        double[] scales = scales(n, upsample);
        List<OnnxDim> d = new ArrayList<>(x.dims());
        for (int k = 0; k < axes.length; k++) {
            OnnxDim dim = d.get(axes[k]);
            double s = scales != null && scales.length == axes.length ? scales[k] : Double.NaN;
            d.set(axes[k], s == 1.0 ? dim : dim.known() && !Double.isNaN(s) ? OnnxDim.of((long) Math.floor(dim.size() * s)) : OnnxDim.UNKNOWN);
        }
        return OnnxTensorInfo.of(d, x.type());
    }

    /** Upsample-7's scales attribute, or the scales input (Upsample's 1, Resize's 2: Resize-10's 1). */
    private static double[] scales(OnnxNode n, boolean upsample) {
        OnnxMl.AttributeProto a = n.attr("scales");
        if (a != null && a.getFloatsCount() > 0) {
            double[] s = new double[a.getFloatsCount()];
            for (int i = 0; i < s.length; i++) {
                s[i] = a.getFloats(i);
            }
            return s;
        }
        int at = upsample || n.opset() < 11 ? 1 : 2;
        OnnxTensorInfo scales = n.inputCount() > at && !n.input(at).isEmpty() ? n.info(at) : null;
        return scales == null ? null : scales.floats();
    }

    /** Resize to {@code sizes} on {@code axes}, kept in proportion when {@code keep_aspect_ratio_policy} says so. */
    private static List<OnnxDim> sized(OnnxNode n, List<OnnxDim> x, int[] axes, List<OnnxDim> sizes) {
        List<OnnxDim> d = new ArrayList<>(x);
        String policy = n.attrString("keep_aspect_ratio_policy", "stretch");
        if (policy.equals("stretch")) {
            for (int k = 0; k < axes.length; k++) {
                d.set(axes[k], sizes.get(k));
            }
            return d;
        }
        double scale = policy.equals("not_larger") ? Double.MAX_VALUE : 0;
        for (int k = 0; k < axes.length; k++) {
            OnnxDim in = x.get(axes[k]), out = sizes.get(k);
            if (!in.known() || !out.known() || in.size() == 0) {
                for (int a : axes) {
                    d.set(a, OnnxDim.UNKNOWN);
                }
                return d;
            }
            double s = (double) out.size() / in.size();
            scale = policy.equals("not_larger") ? Math.min(scale, s) : Math.max(scale, s);
        }
        for (int a : axes) {
            d.set(a, OnnxDim.of(Math.round(scale * x.get(a).size())));
        }
        return d;
    }

    /** DepthToSpace moves {@code blocksize}² channels into each spatial block; SpaceToDepth back. */
    private static OnnxTensorInfo depthToSpace(OnnxNode n, boolean toSpace) {
        List<OnnxDim> x = n.dims(0);
        long b = n.attrInt("blocksize", 0);
        if (x == null || x.size() != 4 || b <= 0) {
            return null;
        }
        List<OnnxDim> d = new ArrayList<>();
        d.add(x.get(0));
        d.add(scaled(x.get(1), toSpace ? 1 : b * b, toSpace ? b * b : 1));
        d.add(scaled(x.get(2), toSpace ? b : 1, toSpace ? 1 : b));
        d.add(scaled(x.get(3), toSpace ? b : 1, toSpace ? 1 : b));
        return OnnxTensorInfo.of(d, n.type(0));
    }

    private static OnnxDim scaled(OnnxDim d, long times, long over) {
        return d.known() ? OnnxDim.of(d.size() * times / over) : OnnxDim.UNKNOWN;
    }
}
