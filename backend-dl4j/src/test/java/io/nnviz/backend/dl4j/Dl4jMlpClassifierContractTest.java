package io.nnviz.backend.dl4j;

import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A two-hidden-layer MLP classifier on flat Fashion-MNIST images. */
class Dl4jMlpClassifierContractTest extends Dl4jContractBase {
    Dl4jMlpClassifierContractTest() {
        super(Nets::mlpClassifier, Nets::flatBatch, 30);
    }

    @Override
    protected Tensor sampleInput() {
        return Tensor.of(Nets.data().batch(200, 203), 3, 784);
    }

    @Test
    void inputGradientMatchesFiniteDifferences() {
        assertInputGradientMatchesFiniteDifferences(((MultiLayerNetwork) trained()).convertDataType(DataType.DOUBLE), sampleInput().head(1), "out", "hidden2", 0);
    }

    @Test
    void denseKernelsAreOutByIn() {
        assertEquals(Shape.of(48, 784), model().layer("hidden1").orElseThrow().weights().get(0).shape());
        assertEquals(Shape.of(10, 24), model().layer("out").orElseThrow().weights().get(0).shape());
        assertEquals(Shape.of(-1, 784), model().layer("input").orElseThrow().outputShape());
    }
}
