package io.nnviz.backend.djl.onnx;

import io.nnviz.backend.djl.onnx.OnnxShapeRules.Rule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.nnviz.backend.djl.onnx.OnnxShapeRules.add;

/**
 * Shape rules for the sliding-window operators: {@code Conv} and {@code ConvTranspose} (output
 * channels from the kernel, spatial sizes from kernel, strides, dilations, pads or
 * {@code auto_pad}), {@code MaxPool}, {@code AveragePool} and {@code LpPool} (with
 * {@code ceil_mode}; MaxPool's indices too), the global pools, which keep batch and channels and
 * make every spatial size 1, their quantized forms, {@code MaxUnpool}, {@code RoiAlign},
 * {@code MaxRoiPool} and {@code GridSample}.
 */
final class OnnxConvPoolRules {
    private OnnxConvPoolRules() {
    }

    static void register(Map<String, Rule> rules) {
        add(rules, n -> n.put(conv(n, 0, 1, n.type(0))), "Conv");
        add(rules, n -> n.put(conv(n, 0, 1, OnnxTensors.INT32)), "ConvInteger");
        // QLinearConv(x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B): y has y_zero_point's type
        add(rules, n -> n.put(conv(n, 0, 3, n.type(7) != 0 ? n.type(7) : n.type(0))), "QLinearConv");
        add(rules, n -> n.put(convTranspose(n)), "ConvTranspose");
        add(rules, OnnxConvPoolRules::pools, "MaxPool", "AveragePool", "LpPool");
        add(rules, n -> n.put(roi(n)), "RoiAlign", "MaxRoiPool");
        add(rules, n -> n.put(gridSample(n)), "GridSample");
        add(rules, n -> n.put(maxUnpool(n)), "MaxUnpool");
        // ONNX Runtime's quantized pools (com.microsoft), channels first unless channels_last
        add(rules, n -> n.put(n.attrInt("channels_last", 0) == 0 ? pool(n) : null), "QLinearAveragePool");
        add(rules, OnnxConvPoolRules::globalPool, "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool", "QLinearGlobalAveragePool");
    }

    private static void globalPool(OnnxNode n) {
        List<OnnxDim> x = n.dims(0);
        if (x != null && x.size() >= 2 && n.attrInt("channels_last", 0) == 0) {
            List<OnnxDim> d = new ArrayList<>(x.subList(0, 2));
            for (int i = 2; i < x.size(); i++) {
                d.add(OnnxDim.of(1));
            }
            n.put(OnnxTensorInfo.of(d, n.type(0)));
        }
    }

    /** Spatial attributes of conv and pool nodes, padded to the spatial rank. */
    private static long[] spatial(OnnxNode n, String name, int rank, long dflt) {
        long[] v = n.attrInts(name);
        if (v == null || v.length == 0) {
            v = new long[rank];
            Arrays.fill(v, dflt);
        }
        return v;
    }

    /** Output sizes of a sliding window over {@code x}'s spatial dims. */
    private static List<OnnxDim> window(OnnxNode n, List<OnnxDim> x, long[] kernel, boolean ceil) {
        int sp = x.size() - 2;
        long[] strides = spatial(n, "strides", sp, 1), dil = spatial(n, "dilations", sp, 1), pads = n.attrInts("pads");
        String autoPad = n.attrString("auto_pad", "NOTSET");
        List<OnnxDim> out = new ArrayList<>();
        for (int i = 0; i < sp; i++) {
            OnnxDim d = x.get(2 + i);
            if (!d.known() || kernel == null || i >= kernel.length) {
                long k = kernel == null || i >= kernel.length ? -1 : (kernel[i] - 1) * dil[i] + 1;
                long p = autoPad.equals("VALID") || pads == null ? 0 : pads[i] + pads[i + sp];
                boolean same = strides[i] == 1 && (autoPad.startsWith("SAME") || k >= 0 && p - k + 1 == 0);
                out.add(same ? d : OnnxDim.UNKNOWN); // a symbol through a stride-1 window padded to keep the size stays itself
                continue;
            }
            long in = d.size(), k = (kernel[i] - 1) * dil[i] + 1, s = strides[i];
            if (autoPad.startsWith("SAME")) {
                out.add(OnnxDim.of((in + s - 1) / s));
            } else {
                long p = autoPad.equals("VALID") || pads == null ? 0 : pads[i] + pads[i + sp];
                long num = in + p - k;
                out.add(OnnxDim.of(num < 0 ? 0 : (ceil ? Math.floorDiv(num + s - 1, s) : Math.floorDiv(num, s)) + 1));
            }
        }
        return out;
    }

    /** A convolution of input {@code xi} by the kernel at input {@code wi}, whose output has element type {@code type}. */
    private static OnnxTensorInfo conv(OnnxNode n, int xi, int wi, int type) {
        List<OnnxDim> x = n.dims(xi), w = n.dims(wi);
        if (x == null || x.size() < 3) {
            return null;
        }
        long[] kernel = n.attrInts("kernel_shape");
        if ((kernel == null || kernel.length == 0) && w != null && w.size() == x.size()) {
            kernel = new long[x.size() - 2];
            for (int i = 0; i < kernel.length; i++) {
                kernel[i] = w.get(2 + i).size();
            }
        }
        List<OnnxDim> d = new ArrayList<>();
        d.add(x.get(0));
        d.add(w == null ? OnnxDim.UNKNOWN : w.get(0));
        d.addAll(window(n, x, kernel, false));
        return OnnxTensorInfo.of(d, type);
    }

    private static OnnxTensorInfo convTranspose(OnnxNode n) {
        List<OnnxDim> x = n.dims(0), w = n.dims(1);
        if (x == null || w == null || x.size() < 3 || w.size() != x.size()) {
            return null;
        }
        int sp = x.size() - 2;
        long group = n.attrInt("group", 1);
        long[] strides = spatial(n, "strides", sp, 1), dil = spatial(n, "dilations", sp, 1), outPad = spatial(n, "output_padding", sp, 0);
        long[] pads = n.attrInts("pads"), given = n.attrInts("output_shape");
        String autoPad = n.attrString("auto_pad", "NOTSET");
        List<OnnxDim> d = new ArrayList<>();
        d.add(x.get(0));
        d.add(w.get(1).known() ? OnnxDim.of(w.get(1).size() * group) : OnnxDim.UNKNOWN);
        for (int i = 0; i < sp; i++) {
            if (given != null && given.length == sp) {
                d.add(OnnxDim.of(given[i]));
                continue;
            }
            OnnxDim in = x.get(2 + i), k = w.get(2 + i);
            if (autoPad.startsWith("SAME")) { // the spec's SAME_UPPER and SAME_LOWER: the pads make the output input x stride
                d.add(in.known() ? OnnxDim.of(in.size() * strides[i]) : OnnxDim.UNKNOWN);
                continue;
            }
            long p = pads == null ? 0 : pads[i] + pads[i + sp];
            d.add(in.known() && k.known() ? OnnxDim.of(strides[i] * (in.size() - 1) + outPad[i] + (k.size() - 1) * dil[i] + 1 - p)
                    : OnnxDim.UNKNOWN);
        }
        return OnnxTensorInfo.of(d, n.type(0));
    }

    /** A pool's output, and MaxPool's indices (int64, the same shape). */
    private static void pools(OnnxNode n) {
        OnnxTensorInfo y = pool(n);
        n.put(y);
        if (y != null && n.outputCount() > 1) {
            n.put(1, OnnxTensorInfo.of(y.dims(), OnnxTensors.INT64));
        }
    }

    /** RoiAlign and MaxRoiPool: one {@code [C, height, width]} map per region of interest. */
    private static OnnxTensorInfo roi(OnnxNode n) {
        List<OnnxDim> x = n.dims(0), rois = n.dims(1);
        if (x == null || x.size() != 4) {
            return null;
        }
        long[] pooled = n.attrInts("pooled_shape");
        boolean align = n.op().equals("RoiAlign");
        long h = align ? n.attrInt("output_height", 1) : pooled != null && pooled.length == 2 ? pooled[0] : -1;
        long w = align ? n.attrInt("output_width", 1) : pooled != null && pooled.length == 2 ? pooled[1] : -1;
        return OnnxTensorInfo.of(List.of(rois == null || rois.isEmpty() ? OnnxDim.UNKNOWN : rois.get(0), x.get(1), OnnxDim.of(h), OnnxDim.of(w)),
                n.type(0));
    }

    /** GridSample: the input's batch and channels, the grid's spatial sizes. */
    private static OnnxTensorInfo gridSample(OnnxNode n) {
        List<OnnxDim> x = n.dims(0), grid = n.dims(1);
        if (x == null || grid == null || x.size() < 3 || grid.size() != x.size()) {
            return null;
        }
        List<OnnxDim> d = new ArrayList<>(x.subList(0, 2));
        d.addAll(grid.subList(1, grid.size() - 1));
        return OnnxTensorInfo.of(d, n.type(0));
    }

    /** MaxUnpool: the output_shape input when given, else each spatial size (in - 1) * stride + kernel - pads. */
    private static OnnxTensorInfo maxUnpool(OnnxNode n) {
        List<OnnxDim> x = n.dims(0);
        long[] given = n.given(2) ? n.intValues(2) : null;
        if (given != null) {
            return OnnxTensorInfo.of(OnnxDim.sizes(given), n.type(0));
        }
        long[] kernel = n.attrInts("kernel_shape");
        if (x == null || x.size() < 3 || kernel == null || kernel.length != x.size() - 2 || n.given(2)) {
            return x == null ? null : OnnxTensorInfo.of(OnnxDim.unknownLike(x), n.type(0));
        }
        int sp = kernel.length;
        long[] strides = spatial(n, "strides", sp, 1), pads = n.attrInts("pads");
        List<OnnxDim> d = new ArrayList<>(x.subList(0, 2));
        for (int i = 0; i < sp; i++) {
            OnnxDim in = x.get(2 + i);
            long p = pads == null ? 0 : pads[i] + pads[i + sp];
            d.add(in.known() ? OnnxDim.of((in.size() - 1) * strides[i] + kernel[i] - p) : OnnxDim.UNKNOWN);
        }
        return OnnxTensorInfo.of(d, n.type(0));
    }

    private static OnnxTensorInfo pool(OnnxNode n) {
        List<OnnxDim> x = n.dims(0);
        if (x == null || x.size() < 3) {
            return null;
        }
        List<OnnxDim> d = new ArrayList<>(x.subList(0, 2));
        d.addAll(window(n, x, n.attrInts("kernel_shape"), n.attrInt("ceil_mode", 0) == 1));
        return OnnxTensorInfo.of(d, n.type(0));
    }
}
