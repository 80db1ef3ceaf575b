package io.nnviz.api.attribution;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;

import java.util.List;

/**
 * The score every attribution method explains, the same one {@link ModelView#inputGradient}
 * differentiates: output unit {@code target} summed over the output's other positions (classifiers
 * {@code [N, K]} index K, sequence outputs {@code [N, T, K]} the last axis, image outputs
 * {@code [N, C, H, W]} the channel), of {@link ModelView#scores} unless a layer is named. Also the
 * batching every method shares.
 */
final class Scores {
    private Scores() {
    }

    /** The outputs scored: layer {@code outputLayer}'s, else the model's own {@link ModelView#scores} (what gradients differentiate). */
    static Tensor outputs(ModelView model, String outputLayer, Tensor batch) {
        return outputLayer == null ? model.scores(batch) : model.activations(batch, List.of(outputLayer)).get(outputLayer);
    }

    /** Output unit {@code target} of sample {@code k}, summed over the output's other positions. */
    static double score(Tensor out, int k, int target) {
        Tensor s = out.slice(k);
        int units = units(s);
        if (target < 0 || target >= units) {
            throw new InvalidInputException("target " + target + " is not an output unit: the output has " + units
                    + " units (0.." + (units - 1) + ")");
        }
        if (s.rank() <= 1) {
            return s.rank() == 0 ? s.getFlat(0) : s.getFlat(target);
        }
        double total = 0;
        if (s.rank() == 3) { // [C, H, W]: channel target over every pixel
            int n = s.shape().dim(1) * s.shape().dim(2);
            for (int i = 0; i < n; i++) {
                total += s.getFlat(target * n + i);
            }
            return total;
        }
        int last = s.shape().dim(s.rank() - 1);
        for (int i = target; i < s.size(); i += last) {
            total += s.getFlat(i);
        }
        return total;
    }

    /** The number of output units of one sample's output. */
    static int units(Tensor sample) {
        return sample.rank() == 0 ? 1 : sample.rank() == 3 ? sample.shape().dim(0) : sample.shape().dim(sample.rank() - 1);
    }

    /** The scores of every sample of a batch. */
    static double[] scores(ModelView model, String out, Tensor batch, int target) {
        Tensor y = outputs(model, out, batch);
        double[] s = new double[batch.shape().dim(0)];
        for (int k = 0; k < s.length; k++) {
            s[k] = score(y, k, target);
        }
        return s;
    }

    /**
     * The probability of {@code target} for each sample: the output itself where it already is a
     * distribution over a classifier's units (a softmax layer), else the softmax of the output.
     */
    static double[] probabilities(ModelView model, String out, Tensor batch, int target) {
        Tensor y = outputs(model, out, batch);
        double[] p = new double[batch.shape().dim(0)];
        for (int k = 0; k < p.length; k++) {
            Tensor s = y.slice(k);
            if (s.rank() != 1) { // not a classifier: the score itself
                p[k] = score(y, k, target);
                continue;
            }
            int units = s.size();
            if (target < 0 || target >= units) {
                throw new InvalidInputException("target " + target + " is not an output unit: the output has " + units + " units");
            }
            if (units == 1) { // one unit: a sigmoid's probability already, or the logit of one
                float v = s.getFlat(0);
                p[k] = v >= 0 && v <= 1 ? v : 1 / (1 + Math.exp(-v));
                continue;
            }
            double sum = 0, max = Double.NEGATIVE_INFINITY;
            boolean distribution = true;
            for (int i = 0; i < units; i++) {
                float v = s.getFlat(i);
                sum += v;
                max = Math.max(max, v);
                distribution &= v >= 0 && v <= 1;
            }
            if (distribution && Math.abs(sum - 1) < 1e-3) {
                p[k] = s.getFlat(target);
            } else {
                double z = 0;
                for (int i = 0; i < units; i++) {
                    z += Math.exp(s.getFlat(i) - max);
                }
                p[k] = Math.exp(s.getFlat(target) - max) / z;
            }
        }
        return p;
    }

    /** True if the model's input takes any batch size (so copies can be run together). */
    static boolean freeBatch(ModelView model) {
        for (LayerInfo l : model.layers()) {
            if (l.kind() == LayerKind.INPUT) {
                return l.outputShape() == null || l.outputShape().rank() == 0 || l.outputShape().dim(0) < 0;
            }
        }
        return true;
    }

    /** The batch size to run {@code wanted} copies with: {@code wanted}, or 1 where the model's batch is fixed. */
    static int batch(ModelView model, int wanted) {
        return freeBatch(model) ? Math.max(1, wanted) : 1;
    }

    /** A batch of {@code n} samples from {@code data} (one sample after the other) with {@code like}'s sample shape. */
    static Tensor batchOf(float[] data, int n, Tensor like) {
        int[] dims = like.shape().toArray();
        dims[0] = n;
        return Tensor.adopt(data, dims);
    }

    /** Checks an input is a batch of one, rank 2 to 4. */
    static void requireSingle(Tensor input, String method) {
        if (input.rank() < 2 || input.rank() > 4 || input.shape().dim(0) != 1) {
            throw new InvalidInputException(method + " takes one input of shape [1, C, H, W], [1, T, F] or [1, F], got " + input.shape());
        }
    }

    /**
     * The per-position view of input-shaped values: {@code [1, C, H, W]} summed over channels to
     * {@code [H, W]}; {@code [1, T, F]} over features to {@code [T]}; {@code [1, F]} as {@code [F]}.
     */
    static Tensor positions(Tensor values, boolean absolute) {
        int rank = values.rank();
        float[] v = values.toArray();
        if (rank == 4) {
            int c = values.shape().dim(1), h = values.shape().dim(2), w = values.shape().dim(3);
            float[] m = new float[h * w];
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < h * w; i++) {
                    float x = v[ch * h * w + i];
                    m[i] += absolute ? Math.abs(x) : x;
                }
            }
            return Tensor.adopt(m, h, w);
        }
        if (rank == 3) {
            int t = values.shape().dim(1), f = values.shape().dim(2);
            float[] m = new float[t];
            for (int i = 0; i < t * f; i++) {
                m[i / f] += absolute ? Math.abs(v[i]) : v[i];
            }
            return Tensor.adopt(m, t);
        }
        float[] m = v.clone();
        if (absolute) {
            for (int i = 0; i < m.length; i++) {
                m[i] = Math.abs(m[i]);
            }
        }
        return Tensor.adopt(m, values.shape().dim(1));
    }
}
