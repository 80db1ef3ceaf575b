package io.nnviz.backend.djl;

import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A DJL MLP classifier on flat Fashion-MNIST images. */
class DjlMlpContractTest extends DjlContractBase {
    @Override
    protected SequentialBlock block() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(64).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    @Override
    protected long[] sampleDims() {
        return new long[] {784};
    }

    @Test
    void blocksBecomeLayersWithKindsShapesAndGroups() {
        List<LayerInfo> ls = model().layers();
        assertEquals(List.of("input", "01Linear", "02ReLU", "03Linear"), ls.stream().map(LayerInfo::id).toList()); // lambdas by their function (#19)
        assertEquals(LayerKind.DENSE, ls.get(1).kind());
        assertEquals(Shape.of(-1, 64), ls.get(1).outputShape());
        assertEquals(Shape.of(64, 784), ls.get(1).weights().get(0).shape(), "Linear weights are [out, in] already");
        assertTrue(model().groups().stream().anyMatch(g -> g.id().equals("model")));
        assertTrue(model().properties().get("engine").startsWith("PyTorch"), model().properties().toString());
    }
}
