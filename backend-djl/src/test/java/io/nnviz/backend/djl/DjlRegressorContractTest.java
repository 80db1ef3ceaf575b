package io.nnviz.backend.djl;

import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.loss.Loss;
import io.nnviz.api.Shape;
import io.nnviz.testkit.FashionMnist;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A DJL MLP regressor: the lower half's mean brightness of each image from its upper half. */
class DjlRegressorContractTest extends DjlContractBase {
    @Override
    protected SequentialBlock block() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(32).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(1).build());
    }

    @Override
    protected long[] sampleDims() {
        return new long[] {392};
    }

    @Override
    protected float[] features(FashionMnist d, int from, int to) {
        float[] top = new float[(to - from) * 392];
        for (int i = from; i < to; i++) {
            System.arraycopy(d.image(i), 0, top, (i - from) * 392, 392);
        }
        return top;
    }

    @Override
    protected float label(FashionMnist d, int i) {
        float[] px = d.image(i);
        double s = 0;
        for (int p = 392; p < 784; p++) {
            s += px[p];
        }
        return (float) (s / 392);
    }

    @Override
    protected Loss loss() {
        return Loss.l2Loss();
    }

    @Override
    protected int gradientTarget() {
        return 0;
    }

    @Test
    void oneOutputUnit() {
        assertEquals(Shape.of(-1, 1), model().layers().get(model().layers().size() - 1).outputShape());
    }
}
