package io.nnviz.backend.tensorflow;

import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** An MLP regressor: the lower half's mean brightness from the upper half of each image. */
class TfRegressorContractTest extends TfContractBase {
    @Override
    protected TfNets build() {
        return TfNets.regressor();
    }

    @Override
    protected Tensor sampleInput() {
        float[] top = new float[2 * 392];
        System.arraycopy(TfNets.data().image(5), 0, top, 0, 392);
        System.arraycopy(TfNets.data().image(6), 0, top, 392, 392);
        return Tensor.of(top, 2, 392);
    }

    @Override
    protected Map<String, String> activationOps() {
        return Map.of("hidden", "hidden/Relu", "prediction", "prediction/Add");
    }

    @Test
    void oneOutputUnitAndItsGradientMatchesFiniteDifferences() {
        assertEquals(Shape.of(-1, 1), model().layer("prediction").orElseThrow().outputShape());
        assertInputGradientMatchesFiniteDifferences(sampleInput().head(1), "prediction/Add", 0);
    }
}
