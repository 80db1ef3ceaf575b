package io.nnviz.recording;

import io.nnviz.api.ModelView;
import io.nnviz.api.hook.ManualTraining;
import io.nnviz.analysis.Curve;
import io.nnviz.testkit.FashionMnist;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 20,000 real training steps (softmax regression on Fashion-MNIST, plain Java SGD, driven through
 * ManualTraining) with the Recorder attached: its memory stays bounded.
 */
class RecorderLongRunTest {
    static final int STEPS = 20_000, BATCH = 8;

    @Test
    void twentyThousandStepsKeepTheRecorderWithinItsBound() throws Exception {
        FashionMnist data = FashionMnist.trainCached(2048);
        ModelView model = SoftmaxRegression.model();
        SoftmaxRegression net = new SoftmaxRegression(data, BATCH);
        Recorder rec = Recorder.defaults();
        Runtime rt = Runtime.getRuntime();
        long before = usedAfterGc(rt);
        double firstLoss = Double.NaN, lastLoss = 0;
        try (ManualTraining run = ManualTraining.start(model, rec)) {
            for (int s = 0; s < STEPS; s++) {
                double loss = net.step(s);
                firstLoss = s == 0 ? loss : firstLoss;
                lastLoss = 0.99 * lastLoss + 0.01 * loss;
                run.stepEnd(loss, req -> net.snapshot());
            }
        }
        assertTrue(lastLoss < firstLoss / 2, "it learned: loss " + firstLoss + " -> " + lastLoss);
        long after = usedAfterGc(rt);
        // bounds: at most 1000 loss points, 500 histograms of 30 bins per weight, one pair of filters
        Curve loss = rec.log().stepSeries("loss");
        assertTrue(loss.size() <= 1001, "loss points " + loss.size());
        assertEquals(0, rec.dropped());
        long grown = after - before;
        assertTrue(grown < 16L << 20, "the recorder grew the heap by " + (grown >> 20) + " MB over " + STEPS + " steps");
        assertEquals(STEPS, loss.x(loss.size() - 1), "the latest step is kept");
    }

    private static long usedAfterGc(Runtime rt) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
