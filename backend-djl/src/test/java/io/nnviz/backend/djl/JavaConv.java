package io.nnviz.backend.djl;

import io.nnviz.api.Tensor;

/** A direct 2-D convolution in plain Java, to check a runtime's convolution against a model's weights. */
public final class JavaConv {
    private JavaConv() {
    }

    /**
     * {@code x} NCHW, {@code w} OIHW (I per group), {@code b} may be null; {@code pads} top, left,
     * bottom, right.
     */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor b, long[] strides, long[] pads, long[] dil, int group) {
        int n = x.shape().dim(0), c = x.shape().dim(1), h = x.shape().dim(2), wd = x.shape().dim(3);
        int o = w.shape().dim(0), cg = w.shape().dim(1), kh = w.shape().dim(2), kw = w.shape().dim(3);
        int oh = (int) ((h + pads[0] + pads[2] - dil[0] * (kh - 1) - 1) / strides[0] + 1);
        int ow = (int) ((wd + pads[1] + pads[3] - dil[1] * (kw - 1) - 1) / strides[1] + 1);
        float[] out = new float[n * o * oh * ow];
        int perGroup = o / group;
        for (int b0 = 0; b0 < n; b0++) {
            for (int oc = 0; oc < o; oc++) {
                int g = oc / perGroup;
                for (int y = 0; y < oh; y++) {
                    for (int xx = 0; xx < ow; xx++) {
                        double s = b == null ? 0 : b.getFlat(oc);
                        for (int ic = 0; ic < cg; ic++) {
                            for (int i = 0; i < kh; i++) {
                                int iy = (int) (y * strides[0] - pads[0] + i * dil[0]);
                                if (iy < 0 || iy >= h) {
                                    continue;
                                }
                                for (int j = 0; j < kw; j++) {
                                    int ix = (int) (xx * strides[1] - pads[1] + j * dil[1]);
                                    if (ix >= 0 && ix < wd) {
                                        s += x.get(b0, g * cg + ic, iy, ix) * w.get(oc, ic, i, j);
                                    }
                                }
                            }
                        }
                        out[((b0 * o + oc) * oh + y) * ow + xx] = (float) s;
                    }
                }
            }
        }
        return Tensor.of(out, n, o, oh, ow);
    }
}
