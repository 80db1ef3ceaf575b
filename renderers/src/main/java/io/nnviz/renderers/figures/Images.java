package io.nnviz.renderers.figures;

import io.nnviz.api.Tensor;
import io.nnviz.api.TensorStats;
import io.nnviz.renderers.color.Colormap;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.color.ValueScale;

/** Pixel helpers for overlays: input images to gray, bilinear resizing, alpha blending. */
final class Images {
    private Images() {
    }

    /** A gray image with intensities in [0, 1], or RGB when the input had three channels. */
    record Gray(int height, int width, float[] r, float[] g, float[] b) {
    }

    /** An input image {@code [C, H, W]} (C = 1 or 3; {@code [H, W]} also accepted), stretched to [0, 1]. */
    static Gray gray(Tensor img) {
        Tensor t = img.rank() == 2 ? img.reshape(1, img.shape().dim(0), img.shape().dim(1)) : img;
        if (t.rank() == 4 && t.shape().dim(0) == 1) {
            t = t.slice(0);
        }
        if (t.rank() != 3 || t.shape().dim(0) != 1 && t.shape().dim(0) != 3) {
            throw new IllegalArgumentException("an input image must be [1, H, W] or [3, H, W], got " + img.shape());
        }
        int c = t.shape().dim(0), h = t.shape().dim(1), w = t.shape().dim(2), n = h * w;
        TensorStats s = t.stats();
        double lo = s.finite() == 0 ? 0 : s.min(), range = s.finite() == 0 || s.max() <= s.min() ? 1 : s.max() - s.min();
        float[] v = t.toArray();
        float[][] ch = new float[3][];
        for (int k = 0; k < 3; k++) {
            int src = c == 3 ? k : 0;
            if (c == 1 && k > 0) {
                ch[k] = ch[0];
                continue;
            }
            ch[k] = new float[n];
            for (int i = 0; i < n; i++) {
                float x = v[src * n + i];
                ch[k][i] = Float.isFinite(x) ? (float) ((x - lo) / range) : 0;
            }
        }
        return new Gray(h, w, ch[0], ch[1], ch[2]);
    }

    /** Bilinear resize of a plane (align-corners off, like most frameworks' upsampling). */
    static float[] resize(float[] src, int sh, int sw, int dh, int dw) {
        if (sh == dh && sw == dw) {
            return src.clone();
        }
        float[] out = new float[dh * dw];
        double sy = (double) sh / dh, sx = (double) sw / dw;
        for (int y = 0; y < dh; y++) {
            double fy = Math.max(0, (y + 0.5) * sy - 0.5);
            int y0 = Math.min((int) fy, sh - 1), y1 = Math.min(y0 + 1, sh - 1);
            double wy = fy - y0;
            for (int x = 0; x < dw; x++) {
                double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                int x0 = Math.min((int) fx, sw - 1), x1 = Math.min(x0 + 1, sw - 1);
                double wx = fx - x0;
                double top = src[y0 * sw + x0] * (1 - wx) + src[y0 * sw + x1] * wx;
                double bot = src[y1 * sw + x0] * (1 - wx) + src[y1 * sw + x1] * wx;
                out[y * dw + x] = (float) (top * (1 - wy) + bot * wy);
            }
        }
        return out;
    }

    /**
     * The base image in gray (or RGB) with {@code heat} coloured by {@code map} on top at opacity
     * {@code alpha}; the heat is normalised by {@code range}, or by its own range when null.
     */
    static int[] blend(Gray base, float[] heat, Colormap map, double alpha, TensorStats range) {
        TensorStats s = range != null ? range : TensorStats.of(heat);
        ValueScale vs = s.finite() == 0 ? new ValueScale(0, 0) : ValueScale.of(s.min(), s.max(), false);
        int[] px = new int[heat.length];
        for (int i = 0; i < heat.length; i++) {
            int c;
            double a = alpha;
            if (!Float.isFinite(heat[i])) {
                c = Colormaps.NON_FINITE;
                a = 1;
            } else {
                c = map.color(vs.normalize(heat[i]));
            }
            int r = mix(base.r()[i], c >> 16 & 0xFF, a);
            int g = mix(base.g()[i], c >> 8 & 0xFF, a);
            int b = mix(base.b()[i], c & 0xFF, a);
            px[i] = 0xFF000000 | r << 16 | g << 8 | b;
        }
        return px;
    }

    private static int mix(float base01, int over, double a) {
        int v = (int) Math.round(base01 * 255 * (1 - a) + over * a);
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** The base image alone as ARGB. */
    static int[] argb(Gray base) {
        int[] px = new int[base.r().length];
        for (int i = 0; i < px.length; i++) {
            px[i] = 0xFF000000 | Math.round(base.r()[i] * 255) << 16 | Math.round(base.g()[i] * 255) << 8
                    | Math.round(base.b()[i] * 255);
        }
        return px;
    }
}
