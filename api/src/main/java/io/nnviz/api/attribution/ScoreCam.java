package io.nnviz.api.attribution;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Score-CAM (Wang et al., 2020): a class activation map without gradients. Each channel of a conv
 * layer's activation, upsampled and scaled to [0, 1], masks the input; the target's probability
 * for the masked input is that channel's weight. Forward passes only, {@code internalBatch} masks
 * at a time, so it serves models without gradients, given the layer's activations.
 */
public final class ScoreCam implements AttributionMethod, Cloneable {
    private final ModelView model;
    private String layer, outputLayer;
    private int internalBatch = 16;

    private ScoreCam(ModelView model) {
        this.model = model;
    }

    /** Score-CAM on the model's last conv layer unless {@link #layer} says. */
    public static ScoreCam of(ModelView model) {
        return new ScoreCam(Objects.requireNonNull(model, "model"));
    }

    /** The layer whose channels make the masks. */
    public ScoreCam layer(String layerId) {
        ScoreCam c = copy();
        c.layer = Objects.requireNonNull(layerId, "layerId");
        return c;
    }

    /** The layer whose output is scored (default: the model's last). */
    public ScoreCam output(String layerId) {
        ScoreCam c = copy();
        c.outputLayer = Objects.requireNonNull(layerId, "layerId");
        return c;
    }

    /** How many masked inputs go through the model at once (default 16). */
    public ScoreCam internalBatch(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("internal batch " + n + ": at least 1");
        }
        ScoreCam c = copy();
        c.internalBatch = n;
        return c;
    }

    @Override
    public String name() {
        return "Score-CAM";
    }

    @Override
    public Attribution attribute(Tensor input, int target) {
        if (input.rank() != 4 || input.shape().dim(0) != 1) {
            throw new InvalidInputException("Score-CAM takes one image [1, C, H, W], got " + input.shape());
        }
        String id = layer != null ? layer : GradCam.lastConv(model);
        Tensor a = model.activations(input, List.of(id)).get(id);
        if (a.rank() != 4) {
            throw new InvalidInputException("Score-CAM needs a conv layer's [N, C, H, W] output; layer '" + id + "' gives " + a.shape());
        }
        int k = a.shape().dim(1), h = a.shape().dim(2), w = a.shape().dim(3);
        int c = input.shape().dim(1), H = input.shape().dim(2), W = input.shape().dim(3), hw = H * W;
        float[] x = input.toArray();
        String out = outputLayer;
        double[] weight = new double[k];
        int per = Scores.batch(model, internalBatch);
        for (int from = 0; from < k; from += per) {
            int n = Math.min(per, k - from);
            float[] masked = new float[n * x.length];
            for (int j = 0; j < n; j++) {
                float[] m = mask(a, from + j, h, w, H, W);
                for (int ch = 0; ch < c; ch++) {
                    for (int i = 0; i < hw; i++) {
                        masked[j * x.length + ch * hw + i] = x[ch * hw + i] * m[i];
                    }
                }
            }
            double[] p = Scores.probabilities(model, out, Scores.batchOf(masked, n, input), target);
            System.arraycopy(p, 0, weight, from, n);
        }
        float[] cam = new float[h * w];
        for (int ch = 0; ch < k; ch++) {
            for (int i = 0; i < h * w; i++) {
                cam[i] += (float) (weight[ch] * a.getFlat(ch * h * w + i));
            }
        }
        for (int i = 0; i < cam.length; i++) {
            cam[i] = Math.max(0, cam[i]);
        }
        return new Attribution(name(), target, null, Maps.upsample(Tensor.adopt(cam, h, w), H, W), Map.of("channels", (double) k));
    }

    /** Channel {@code ch} of the activation, upsampled to the input and scaled to [0, 1] (all zeros if constant). */
    private static float[] mask(Tensor a, int ch, int h, int w, int outH, int outW) {
        float[] m = new float[h * w];
        a.copyRange(ch * h * w, m, 0, h * w);
        float[] up = Maps.upsample(Tensor.adopt(m, h, w), outH, outW).toArray();
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float v : up) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float range = max - min;
        for (int i = 0; i < up.length; i++) {
            up[i] = range > 0 ? (up[i] - min) / range : 0;
        }
        return up;
    }

    /** A copy whose settings a setter changes: settings are immutable, and each setter returns a new object. */
    private ScoreCam copy() {
        try {
            return (ScoreCam) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }
}
