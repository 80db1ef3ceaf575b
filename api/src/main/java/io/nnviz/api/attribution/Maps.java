package io.nnviz.api.attribution;

import io.nnviz.api.Tensor;

/** Operations on 2-D maps that class activation maps share. */
final class Maps {
    private Maps() {
    }

    /** Bilinear resize of an {@code [h, w]} map to {@code [H, W]}, pixel centres aligned (as image libraries resize). */
    static Tensor upsample(Tensor map, int outH, int outW) {
        int h = map.shape().dim(0), w = map.shape().dim(1);
        float[] src = map.toArray(), out = new float[outH * outW];
        for (int y = 0; y < outH; y++) {
            double sy = Math.max(0, Math.min(h - 1, (y + 0.5) * h / outH - 0.5));
            int y0 = (int) Math.floor(sy), y1 = Math.min(h - 1, y0 + 1);
            double fy = sy - y0;
            for (int x = 0; x < outW; x++) {
                double sx = Math.max(0, Math.min(w - 1, (x + 0.5) * w / outW - 0.5));
                int x0 = (int) Math.floor(sx), x1 = Math.min(w - 1, x0 + 1);
                double fx = sx - x0;
                double top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx;
                double bottom = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx;
                out[y * outW + x] = (float) (top * (1 - fy) + bottom * fy);
            }
        }
        return Tensor.adopt(out, outH, outW);
    }
}
