package io.nnviz.recording;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.Snapshot;
import io.nnviz.api.spi.ModelBuilder;
import io.nnviz.testkit.FashionMnist;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A real, small training loop for tests that need one without a framework: softmax regression on
 * Fashion-MNIST, plain Java mini-batch SGD, described as a neutral model for {@code ManualTraining}.
 */
public final class SoftmaxRegression {
    public static final int IN = 784, OUT = 10;
    private final FashionMnist data;
    private final int batch;
    private final float lr;
    private final float[] w = new float[OUT * IN], b = new float[OUT];
    private final float[] logits = new float[OUT], gw = new float[OUT * IN], gb = new float[OUT];

    public SoftmaxRegression(FashionMnist data, int batch) {
        this(data, batch, 0.05f);
    }

    /** With a learning rate of its own, for sweeps. */
    public SoftmaxRegression(FashionMnist data, int batch, float lr) {
        this.data = data;
        this.batch = batch;
        this.lr = lr;
    }

    /** The fraction of {@code test}'s images whose largest logit is their label. */
    public double accuracy(FashionMnist test) {
        int right = 0;
        for (int n = 0; n < test.size(); n++) {
            float[] x = test.image(n);
            int best = 0;
            double top = -1e30;
            for (int o = 0; o < OUT; o++) {
                double z = b[o];
                for (int i = 0; i < IN; i++) {
                    z += w[o * IN + i] * x[i];
                }
                if (z > top) {
                    top = z;
                    best = o;
                }
            }
            right += best == test.label(n) ? 1 : 0;
        }
        return (double) right / test.size();
    }

    /** The model as nnviz sees it: the input and one dense output layer. */
    public static ModelView model() {
        return ModelBuilder.of("softmax regression")
                .layer(LayerInfo.builder("pixels", LayerKind.INPUT).outputShape(Shape.of(-1, IN)).build())
                .layer(LayerInfo.builder("dense", LayerKind.OUTPUT).outputShape(Shape.of(-1, OUT))
                        .weight(new WeightSpec("kernel", WeightRole.KERNEL, Shape.of(OUT, IN)))
                        .weight(new WeightSpec("bias", WeightRole.BIAS, Shape.of(OUT))).build())
                .edge("pixels", "dense").build();
    }

    /** One SGD step (learning rate 0.05 unless given) on batch {@code s}; returns its mean cross-entropy before the update. */
    public double step(int s) {
        Arrays.fill(gw, 0);
        Arrays.fill(gb, 0);
        double loss = 0;
        for (int k = 0; k < batch; k++) {
            int n = (s * batch + k) % data.size();
            float[] x = data.image(n);
            double max = -1e30, sum = 0;
            for (int o = 0; o < OUT; o++) {
                double z = b[o];
                for (int i = 0; i < IN; i++) {
                    z += w[o * IN + i] * x[i];
                }
                logits[o] = (float) z;
                max = Math.max(max, z);
            }
            for (int o = 0; o < OUT; o++) {
                sum += Math.exp(logits[o] - max);
            }
            for (int o = 0; o < OUT; o++) {
                double p = Math.exp(logits[o] - max) / sum;
                double d = p - (o == data.label(n) ? 1 : 0);
                if (o == data.label(n)) {
                    loss -= Math.log(Math.max(p, 1e-12));
                }
                gb[o] += (float) d;
                for (int i = 0; i < IN; i++) {
                    gw[o * IN + i] += (float) (d * x[i]);
                }
            }
        }
        for (int i = 0; i < w.length; i++) {
            w[i] -= lr * gw[i] / batch;
        }
        for (int o = 0; o < OUT; o++) {
            b[o] -= lr * gb[o] / batch;
        }
        return loss / batch;
    }

    /** The weights now, copied, as a hook's snapshot. */
    public Snapshot snapshot() {
        return new Snapshot(Map.of("dense", List.of(
                WeightTensor.of("dense", "kernel", WeightRole.KERNEL, Tensor.of(w.clone(), OUT, IN)),
                WeightTensor.of("dense", "bias", WeightRole.BIAS, Tensor.of(b.clone(), OUT)))), Map.of(), Map.of(), null, null, null);
    }
}
