package io.nnviz.backend.djl;

import ai.djl.ndarray.NDList;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.recurrent.LSTM;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.WeightRole;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A DJL LSTM reading each Fashion-MNIST image as 28 time steps of 28 pixels, [N, T, C]. */
class DjlLstmContractTest extends DjlContractBase {
    @Override
    protected SequentialBlock block() {
        return new SequentialBlock()
                .add(LSTM.builder().setStateSize(20).setNumLayers(1).optBatchFirst(true).optReturnState(false).build())
                .add(new LambdaBlock(x -> new NDList(x.singletonOrThrow().get(":, -1, :")), "lastStep"))
                .add(Linear.builder().setUnits(10).build());
    }

    @Override
    protected long[] sampleDims() {
        return new long[] {28, 28};
    }

    @Test
    void theLstmIsRecurrentWithInputAndRecurrentKernels() {
        LayerInfo lstm = model().layers().get(1);
        assertEquals(LayerKind.RECURRENT, lstm.kind(), lstm.frameworkType());
        assertTrue(lstm.weights().stream().anyMatch(w -> w.role() == WeightRole.INPUT_KERNEL), lstm.weights().toString());
        assertTrue(lstm.weights().stream().anyMatch(w -> w.role() == WeightRole.RECURRENT_KERNEL), lstm.weights().toString());
        assertEquals(io.nnviz.api.Shape.of(-1, 28, 20), lstm.outputShape(), "[N, T, C]");
    }
}
