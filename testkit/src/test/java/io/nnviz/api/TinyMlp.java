package io.nnviz.api;

import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Snapshot;
import io.nnviz.api.spi.ModelBuilder;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A real, hand-written 4-8-3 MLP (ReLU, softmax cross-entropy, plain SGD) trained on three
 * Gaussian clusters: the "hand-rolled network" a user would describe with {@link ModelBuilder}.
 */
final class TinyMlp {
    static final int IN = 4, HIDDEN = 8, OUT = 3;
    final float[] w1 = new float[HIDDEN * IN], b1 = new float[HIDDEN];
    final float[] w2 = new float[OUT * HIDDEN], b2 = new float[OUT];
    float[] gw1 = new float[w1.length], gb1 = new float[b1.length], gw2 = new float[w2.length], gb2 = new float[b2.length];
    private final Random rnd = new Random(3);

    TinyMlp() {
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (float) (rnd.nextGaussian() * 0.5);
        }
        for (int i = 0; i < w2.length; i++) {
            w2[i] = (float) (rnd.nextGaussian() * 0.5);
        }
    }

    /** A batch of {@code n} points from three clusters; labels in {@code y}. */
    float[] batch(int n, int[] y) {
        float[] x = new float[n * IN];
        for (int s = 0; s < n; s++) {
            y[s] = rnd.nextInt(OUT);
            for (int j = 0; j < IN; j++) {
                x[s * IN + j] = (float) (rnd.nextGaussian() * 0.3 + (j == y[s] ? 2 : 0));
            }
        }
        return x;
    }

    float[][] forward(float[] x, int n) {
        float[] h = new float[n * HIDDEN], o = new float[n * OUT];
        for (int s = 0; s < n; s++) {
            for (int k = 0; k < HIDDEN; k++) {
                float a = b1[k];
                for (int j = 0; j < IN; j++) {
                    a += w1[k * IN + j] * x[s * IN + j];
                }
                h[s * HIDDEN + k] = Math.max(0, a);
            }
            for (int c = 0; c < OUT; c++) {
                float a = b2[c];
                for (int k = 0; k < HIDDEN; k++) {
                    a += w2[c * HIDDEN + k] * h[s * HIDDEN + k];
                }
                o[s * OUT + c] = a;
            }
        }
        return new float[][] {h, o};
    }

    /** One SGD step; returns the mean cross-entropy loss. */
    double step(float[] x, int[] y, float lr) {
        int n = y.length;
        float[][] f = forward(x, n);
        float[] h = f[0], o = f[1];
        gw1 = new float[w1.length];
        gb1 = new float[b1.length];
        gw2 = new float[w2.length];
        gb2 = new float[b2.length];
        double loss = 0;
        for (int s = 0; s < n; s++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int c = 0; c < OUT; c++) {
                max = Math.max(max, o[s * OUT + c]);
            }
            double[] p = new double[OUT];
            for (int c = 0; c < OUT; c++) {
                p[c] = Math.exp(o[s * OUT + c] - max);
                sum += p[c];
            }
            loss -= Math.log(p[y[s]] / sum);
            float[] dh = new float[HIDDEN];
            for (int c = 0; c < OUT; c++) {
                float d = (float) ((p[c] / sum - (c == y[s] ? 1 : 0)) / n);
                gb2[c] += d;
                for (int k = 0; k < HIDDEN; k++) {
                    gw2[c * HIDDEN + k] += d * h[s * HIDDEN + k];
                    dh[k] += d * w2[c * HIDDEN + k];
                }
            }
            for (int k = 0; k < HIDDEN; k++) {
                if (h[s * HIDDEN + k] <= 0) {
                    continue;
                }
                gb1[k] += dh[k];
                for (int j = 0; j < IN; j++) {
                    gw1[k * IN + j] += dh[k] * x[s * IN + j];
                }
            }
        }
        update(w1, gw1, lr);
        update(b1, gb1, lr);
        update(w2, gw2, lr);
        update(b2, gb2, lr);
        return loss / n;
    }

    private static void update(float[] w, float[] g, float lr) {
        for (int i = 0; i < w.length; i++) {
            w[i] -= lr * g[i];
        }
    }

    /** d(o[target]) / dx summed over the batch. */
    Tensor inputGradient(Tensor input, int target) {
        int n = input.shape().dim(0);
        float[] x = input.toArray();
        float[] h = forward(x, n)[0];
        float[] g = new float[x.length];
        for (int s = 0; s < n; s++) {
            for (int k = 0; k < HIDDEN; k++) {
                if (h[s * HIDDEN + k] <= 0) {
                    continue;
                }
                for (int j = 0; j < IN; j++) {
                    g[s * IN + j] += w2[target * HIDDEN + k] * w1[k * IN + j];
                }
            }
        }
        return Tensor.adopt(g, n, IN);
    }

    Map<String, Tensor> activations(Tensor input, Collection<String> ids) {
        if (input.rank() != 2 || input.shape().dim(1) != IN) {
            throw new InvalidInputException("TinyMlp expects input [N, 4], got " + input.shape());
        }
        int n = input.shape().dim(0);
        float[][] f = forward(input.toArray(), n);
        Map<String, Tensor> all = Map.of("in", input, "fc1", Tensor.of(f[0], n, HIDDEN), "out", Tensor.of(f[1], n, OUT));
        Map<String, Tensor> r = new LinkedHashMap<>();
        ids.forEach(id -> r.put(id, all.get(id)));
        return r;
    }

    ModelView describe() {
        return ModelBuilder.of("tiny-mlp")
                .layer(LayerInfo.builder("in", LayerKind.INPUT).outputShape(Shape.of(-1, IN)).build())
                .layer(LayerInfo.builder("fc1", LayerKind.DENSE).frameworkType("Dense").attribute("activation", "relu")
                        .inputShape(Shape.of(-1, IN)).outputShape(Shape.of(-1, HIDDEN))
                        .weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(HIDDEN, IN)))
                        .weight(new WeightSpec("b", WeightRole.BIAS, Shape.of(HIDDEN))).build())
                .layer(LayerInfo.builder("out", LayerKind.OUTPUT).frameworkType("Softmax output")
                        .inputShape(Shape.of(-1, HIDDEN)).outputShape(Shape.of(-1, OUT))
                        .weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(OUT, HIDDEN)))
                        .weight(new WeightSpec("b", WeightRole.BIAS, Shape.of(OUT))).build())
                .chain("in", "fc1", "out")
                .weights("fc1", weights("fc1", w1, b1, HIDDEN, IN))
                .weights("out", weights("out", w2, b2, OUT, HIDDEN))
                .forward(this::activations)
                .inputGradient(this::inputGradient)
                .build();
    }

    static WeightTensor[] weights(String id, float[] w, float[] b, int out, int in) {
        return new WeightTensor[] {
                WeightTensor.of(id, "W", WeightRole.KERNEL, Tensor.of(w, out, in)),
                WeightTensor.of(id, "b", WeightRole.BIAS, Tensor.of(b, out))};
    }

    Snapshot capture(CaptureRequest req) {
        Map<String, List<WeightTensor>> w = new LinkedHashMap<>(), g = new LinkedHashMap<>();
        if (req.weights()) {
            w.put("fc1", List.of(weights("fc1", w1, b1, HIDDEN, IN)));
            w.put("out", List.of(weights("out", w2, b2, OUT, HIDDEN)));
        }
        if (req.gradients()) {
            g.put("fc1", List.of(weights("fc1", gw1, gb1, HIDDEN, IN)));
            g.put("out", List.of(weights("out", gw2, gb2, OUT, HIDDEN)));
        }
        return new Snapshot(w, g, Map.of(), null, null, null);
    }
}
