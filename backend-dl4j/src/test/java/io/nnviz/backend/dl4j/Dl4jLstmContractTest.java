package io.nnviz.backend.dl4j;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** An LSTM reading each Fashion-MNIST image as 28 time steps of pixel rows. */
class Dl4jLstmContractTest extends Dl4jContractBase {
    Dl4jLstmContractTest() {
        super(Nets::lstm, Nets::rowSequenceBatch, 10);
    }

    /** Canonical sequences [N, T = 28 rows, C = 28 pixels]: exactly the images' row-major pixels. */
    @Override
    protected Tensor sampleInput() {
        return Tensor.of(Nets.data().batch(300, 302), 2, 28, 28);
    }

    @Override
    protected INDArray toDl4j(Tensor t) {
        // DL4J takes [N, C, T]
        return Nd4j.create(t.toArray(), new long[] {t.shape().dim(0), 28, 28}, 'c').permute(0, 2, 1).dup('c');
    }

    @Override
    protected INDArray toDl4jDouble(Tensor t, double[] values) {
        return Nd4j.create(values, new long[] {t.shape().dim(0), 28, 28}, DataType.DOUBLE).permute(0, 2, 1).dup('c');
    }

    @Test
    void recurrentKernelsAndSequenceShapesAreCanonical() {
        LayerInfo lstm = model().layer("lstm").orElseThrow();
        assertEquals(LayerKind.RECURRENT, lstm.kind());
        // [N, T, C]; DL4J's configuration does not keep the sequence length, so T is unknown
        assertEquals(Shape.of(-1, -1, 20), lstm.outputShape());
        assertEquals(List.of(WeightRole.INPUT_KERNEL, WeightRole.RECURRENT_KERNEL, WeightRole.BIAS),
                lstm.weights().stream().map(w -> w.role()).toList());
        assertEquals(Shape.of(80, 28), lstm.weights().get(0).shape(), "[4 gates x 20 units, in]");
        assertEquals(Shape.of(80, 20), lstm.weights().get(1).shape());
        Map<String, Tensor> a = model().activations(sampleInput(), List.of("lstm", "out"));
        assertEquals(Shape.of(2, 28, 20), a.get("lstm").shape());
        assertEquals(Shape.of(2, 28, 10), a.get("out").shape());
    }

    @Test
    void inputGradientIsASequenceOfTheInputsShape() {
        Tensor g = model().inputGradient(sampleInput(), 4);
        assertEquals(Shape.of(2, 28, 28), g.shape());
    }
}
