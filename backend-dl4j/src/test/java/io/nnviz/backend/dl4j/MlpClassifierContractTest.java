package io.nnviz.backend.dl4j;

import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A two-hidden-layer MLP classifier on flat Fashion-MNIST images. */
class MlpClassifierContractTest extends Dl4jContractBase {
    private static MultiLayerNetwork net;

    @BeforeAll
    static void trainBriefly() {
        net = Nets.mlpClassifier();
        for (int i = 0; i < 30; i++) {
            net.fit(Nets.flatBatch(i));
        }
    }

    @Override
    protected org.deeplearning4j.nn.api.Model trained() {
        return net;
    }

    @Override
    protected org.deeplearning4j.nn.api.Model fresh() {
        return Nets.mlpClassifier();
    }

    @Override
    protected DataSet batch(int i) {
        return Nets.flatBatch(i);
    }

    @Override
    protected Tensor sampleInput() {
        return Tensor.of(Nets.data().batch(200, 203), 3, 784);
    }

    @Override
    protected INDArray toDl4j(Tensor t) {
        return Nd4j.create(t.toArray(), new long[] {t.shape().dim(0), 784}, 'c');
    }

    @Override
    protected INDArray toDl4jDouble(Tensor t, double[] values) {
        return Nd4j.create(values, new long[] {t.shape().dim(0), 784}, DataType.DOUBLE);
    }

    @Test
    void inputGradientMatchesFiniteDifferences() {
        assertInputGradientMatchesFiniteDifferences(net.convertDataType(DataType.DOUBLE), sampleInput().head(1), "out", "hidden2", 0);
    }

    @Test
    void denseKernelsAreOutByIn() {
        assertEquals(Shape.of(48, 784), model().layer("hidden1").orElseThrow().weights().get(0).shape());
        assertEquals(Shape.of(10, 24), model().layer("out").orElseThrow().weights().get(0).shape());
        assertEquals(Shape.of(-1, 784), model().layer("input").orElseThrow().outputShape());
    }
}
