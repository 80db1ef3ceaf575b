package io.nnviz.backend.tensorflow;

import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** An MLP classifier on flat Fashion-MNIST images. */
class TfMlpContractTest extends TfContractBase {
    @Override
    protected TfNets build() {
        return TfNets.mlp();
    }

    @Override
    protected Tensor sampleInput() {
        return Tensor.of(TfNets.data().batch(200, 203), 3, 784);
    }

    @Override
    protected Map<String, String> activationOps() {
        return Map.of("hidden1", "hidden1/Relu", "hidden2", "hidden2/Relu", "logits", "logits/Add");
    }

    @Test
    void denseLayersAndFiniteDifferences() {
        assertEquals(LayerKind.DENSE, model().layer("hidden1").orElseThrow().kind());
        assertEquals(Shape.of(48, 784), model().layer("hidden1").orElseThrow().weights().get(0).shape());
        assertInputGradientMatchesFiniteDifferences(sampleInput().head(1), "logits/Add", 2);
    }
}
