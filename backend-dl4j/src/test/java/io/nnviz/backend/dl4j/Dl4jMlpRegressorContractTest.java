package io.nnviz.backend.dl4j;

import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An MLP regressor: the lower half's mean brightness of a Fashion-MNIST image from its upper half. */
class Dl4jMlpRegressorContractTest extends Dl4jContractBase {
    Dl4jMlpRegressorContractTest() {
        super(Nets::mlpRegressor, Nets::halvesBatch, 30);
    }

    @Override
    protected Tensor sampleInput() {
        float[] top = new float[2 * 392];
        System.arraycopy(Nets.data().image(5), 0, top, 0, 392);
        System.arraycopy(Nets.data().image(6), 0, top, 392, 392);
        return Tensor.of(top, 2, 392);
    }

    @Test
    void theRegressionOutputIsOneUnitAndItsGradientMatchesFiniteDifferences() {
        assertEquals(Shape.of(-1, 1), model().layer("out").orElseThrow().outputShape());
        assertInputGradientMatchesFiniteDifferences(((MultiLayerNetwork) trained()).convertDataType(DataType.DOUBLE), sampleInput().head(1), "out", "hidden", 0);
        assertTrue(model().properties().get("input type").contains("392"));
    }
}
