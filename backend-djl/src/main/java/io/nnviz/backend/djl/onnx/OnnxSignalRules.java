package io.nnviz.backend.djl.onnx;

import io.nnviz.backend.djl.onnx.OnnxShapeRules.Rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.nnviz.backend.djl.onnx.OnnxShapeRules.add;

/**
 * Shape rules for the signal operators of opset 17, which audio front ends exported to ONNX use:
 * {@code DFT} (the input's shape, the transformed axis {@code dft_length} long, or half and one
 * with {@code onesided}, and a last axis of 2 for real and imaginary parts; the axis an attribute
 * before opset 20, an input from it), {@code STFT}
 * ({@code [batch, frames, bins, 2]}), the windows {@code HannWindow}, {@code HammingWindow} and
 * {@code BlackmanWindow} ({@code [size]}), and {@code MelWeightMatrix}
 * ({@code [dft_length / 2 + 1, num_mel_bins]}). Sizes given as inputs whose values are not known
 * leave those dimensions unknown, not the rank.
 */
final class OnnxSignalRules {
    private OnnxSignalRules() {
    }

    static void register(Map<String, Rule> rules) {
        add(rules, OnnxSignalRules::dft, "DFT");
        add(rules, OnnxSignalRules::stft, "STFT");
        add(rules, n -> n.put(OnnxTensorInfo.of(List.of(scalar(n, 0)), (int) n.attrInt("output_datatype", OnnxTensors.FLOAT))),
                "HannWindow", "HammingWindow", "BlackmanWindow");
        add(rules, OnnxSignalRules::melWeights, "MelWeightMatrix");
    }

    /** The known value of scalar (or one-element) input {@code i} as a dimension, else unknown. */
    private static OnnxDim scalar(OnnxNode n, int i) {
        long[] v = n.intValues(i);
        return v != null && v.length == 1 && v[0] >= 0 ? OnnxDim.of(v[0]) : OnnxDim.UNKNOWN;
    }

    private static void dft(OnnxNode n) {
        List<OnnxDim> x = n.dims(0);
        if (x == null || x.size() < 2) {
            return;
        }
        long axis;
        if (n.opset() >= 20) { // the axis became an input, -2 when none is given
            long[] a = n.given(2) ? n.intValues(2) : new long[] {-2};
            if (a == null || a.length != 1) {
                return;
            }
            axis = a[0];
        } else {
            axis = n.attrInt("axis", 1);
        }
        axis = axis < 0 ? axis + x.size() : axis;
        if (axis <= 0 || axis >= x.size() - 1) {
            return;
        }
        OnnxDim length = n.given(1) ? scalar(n, 1) : x.get((int) axis);
        List<OnnxDim> d = new ArrayList<>(x);
        d.set((int) axis, n.attrInt("onesided", 0) == 1 ? (length.known() ? OnnxDim.of(length.size() / 2 + 1) : OnnxDim.UNKNOWN) : length);
        d.set(x.size() - 1, OnnxDim.of(2));
        n.put(OnnxTensorInfo.of(d, n.type(0)));
    }

    /** STFT(signal [batch, length, 1 or 2], frame_step, window, frame_length). */
    private static void stft(OnnxNode n) {
        List<OnnxDim> x = n.dims(0);
        if (x == null || x.size() != 3) {
            return;
        }
        OnnxDim step = scalar(n, 1), frame = n.given(3) ? scalar(n, 3) : OnnxDim.UNKNOWN;
        if (!frame.known() && n.given(2)) {
            List<OnnxDim> w = n.dims(2);
            frame = w != null && w.size() == 1 ? w.get(0) : OnnxDim.UNKNOWN;
        }
        OnnxDim length = x.get(1);
        OnnxDim frames = length.known() && step.known() && frame.known() && step.size() > 0 && length.size() >= frame.size()
                ? OnnxDim.of((length.size() - frame.size()) / step.size() + 1) : OnnxDim.UNKNOWN;
        OnnxDim bins = frame.known() ? OnnxDim.of(n.attrInt("onesided", 1) == 1 ? frame.size() / 2 + 1 : frame.size()) : OnnxDim.UNKNOWN;
        n.put(OnnxTensorInfo.of(List.of(x.get(0), frames, bins, OnnxDim.of(2)), n.type(0)));
    }

    /** MelWeightMatrix(num_mel_bins, dft_length, sample_rate, lower_edge_hertz, upper_edge_hertz). */
    private static void melWeights(OnnxNode n) {
        OnnxDim mels = scalar(n, 0), dft = scalar(n, 1);
        n.put(OnnxTensorInfo.of(List.of(dft.known() ? OnnxDim.of(dft.size() / 2 + 1) : OnnxDim.UNKNOWN, mels),
                (int) n.attrInt("output_datatype", OnnxTensors.FLOAT)));
    }
}
