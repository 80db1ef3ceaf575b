package io.nnviz.renderers.record;

import io.nnviz.api.Layer;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Model;
import io.nnviz.api.ModelBuilder;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.ManualTraining;
import io.nnviz.api.hook.Snapshot;
import io.nnviz.api.testkit.FashionMnist;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 20,000 real training steps (softmax regression on Fashion-MNIST, plain Java SGD, driven through
 * ManualTraining) with the Recorder attached: its memory stays bounded.
 */
class RecorderLongRunTest {
    static final int STEPS = 20_000, BATCH = 8, IN = 784, OUT = 10;

    @Test
    void twentyThousandStepsKeepTheRecorderWithinItsBound() throws Exception {
        FashionMnist data = FashionMnist.trainCached(2048);
        Model model = ModelBuilder.named("softmax regression")
                .layer(Layer.builder("pixels", LayerKind.INPUT).outputShape(Shape.of(-1, IN)).build())
                .layer(Layer.builder("dense", LayerKind.OUTPUT).outputShape(Shape.of(-1, OUT))
                        .weight(new WeightSpec("kernel", WeightRole.KERNEL, Shape.of(OUT, IN)))
                        .weight(new WeightSpec("bias", WeightRole.BIAS, Shape.of(OUT))).build())
                .edge("pixels", "dense").build();
        float[] w = new float[OUT * IN], b = new float[OUT];
        Recorder rec = Recorder.defaults();
        Runtime rt = Runtime.getRuntime();
        long before = usedAfterGc(rt);
        double firstLoss = Double.NaN, lastLoss = 0;
        try (ManualTraining run = ManualTraining.start(model, rec)) {
            float[] logits = new float[OUT], gw = new float[OUT * IN], gb = new float[OUT];
            for (int s = 0; s < STEPS; s++) {
                java.util.Arrays.fill(gw, 0);
                java.util.Arrays.fill(gb, 0);
                double loss = 0;
                for (int k = 0; k < BATCH; k++) {
                    int n = (s * BATCH + k) % data.size();
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
                    w[i] -= 0.05f * gw[i] / BATCH;
                }
                for (int o = 0; o < OUT; o++) {
                    b[o] -= 0.05f * gb[o] / BATCH;
                }
                loss /= BATCH;
                firstLoss = s == 0 ? loss : firstLoss;
                lastLoss = 0.99 * lastLoss + 0.01 * loss;
                run.stepEnd(loss, req -> new Snapshot(Map.of("dense", List.of(
                        WeightTensor.of("dense", "kernel", WeightRole.KERNEL, Tensor.of(w, OUT, IN)),
                        WeightTensor.of("dense", "bias", WeightRole.BIAS, Tensor.of(b, OUT)))), Map.of(), Map.of(), null, null, null));
            }
        }
        assertTrue(lastLoss < firstLoss / 2, "it learned: loss " + firstLoss + " -> " + lastLoss);
        long after = usedAfterGc(rt);
        // bounds: at most 1000 loss points, 500 histograms of 30 bins per weight, one pair of filters
        assertTrue(rec.lossPoints() <= 1001, "loss points " + rec.lossPoints());
        assertEquals(0, rec.dropped());
        long grown = after - before;
        assertTrue(grown < 16L << 20, "the recorder grew the heap by " + (grown >> 20) + " MB over " + STEPS + " steps");
        assertTrue(rec.lossSeries()[0][rec.lossPoints() - 1] == STEPS, "the latest step is kept");
    }

    private static long usedAfterGc(Runtime rt) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
