package io.nnviz.backend.tensorflow;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** An LSTM unrolled from plain ops over 28 rows of each image. */
class TfLstmContractTest extends TfContractBase {
    @Override
    protected TfNets build() {
        return TfNets.lstm();
    }

    @Override
    protected Tensor sampleInput() {
        return Tensor.of(TfNets.data().batch(300, 302), 2, 28, 28);
    }

    @Override
    protected Map<String, String> activationOps() {
        return Map.of("logits", "logits/Add");
    }

    @Test
    void theUnrolledCellIsOneRecurrentLayerWithInputAndRecurrentKernels() {
        LayerInfo lstm = model().layer("lstm").orElseThrow();
        assertEquals(LayerKind.RECURRENT, lstm.kind());
        assertEquals(List.of(WeightRole.INPUT_KERNEL, WeightRole.RECURRENT_KERNEL, WeightRole.BIAS),
                lstm.weights().stream().map(w -> w.role()).toList());
        assertEquals(Shape.of(80, 28), lstm.weights().get(0).shape(), "[4 gates x 20 units, in]");
        assertEquals(Shape.of(80, 20), lstm.weights().get(1).shape());
        assertEquals(Shape.of(2, 20), model().activations(sampleInput(), List.of("lstm")).get("lstm").shape(), "last hidden state");
        assertEquals(List.of("rows", "lstm", "logits"), model().layers().stream().map(LayerInfo::id).toList());
        assertInputGradientMatchesFiniteDifferences(sampleInput().head(1), "logits/Add", 1);
    }
}
