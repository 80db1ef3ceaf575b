package io.nnviz.backend.djl;

import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A DJL CNN (conv, pool, flatten, dense) on Fashion-MNIST images NCHW. */
class DjlCnnContractTest extends DjlContractBase {
    @Override
    protected SequentialBlock block() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new ai.djl.ndarray.types.Shape(5, 5)).setFilters(8).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new ai.djl.ndarray.types.Shape(2, 2), new ai.djl.ndarray.types.Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    @Override
    protected long[] sampleDims() {
        return new long[] {1, 28, 28};
    }

    @Test
    void gradCamAtTheConvLayerAndTheDenseColumnAtTheLastHiddenLayer() throws Exception {
        var x = sampleInput();
        var conv = model().layerGradient(x, "01Conv2d", 3);
        assertEquals(Shape.of(3, 8, 24, 24), conv.gradient().shape());
        assertEquals(model().activations(x, List.of("01Conv2d")).get("01Conv2d"), conv.activation());
        org.junit.jupiter.api.Assertions.assertTrue(conv.gradient().stats().max() > conv.gradient().stats().min());
        // d logit_3 / d (flattened features) is row 3 of the Linear weight [10, 1152]
        var flat = model().layerGradient(x, "04batchFlatten", 3);
        var w = model().weights("05Linear").get(0).values();
        for (int j = 0; j < 1152; j += 97) {
            assertEquals(w.get(3, j), flat.gradient().get(1, j), 1e-5);
        }
    }

    @Test
    void convolutionAndPoolingLayersInNchw() {
        List<LayerInfo> ls = model().layers();
        LayerInfo conv = ls.get(1);
        assertEquals(LayerKind.CONV, conv.kind());
        assertEquals(Shape.of(-1, 8, 24, 24), conv.outputShape());
        assertEquals(Shape.of(8, 1, 5, 5), conv.weights().get(0).shape(), "OIHW");
        assertEquals(Shape.of(-1, 8, 12, 12), ls.get(3).outputShape());
        assertEquals(LayerKind.ACTIVATION, ls.get(2).kind(), ls.get(2).frameworkType());
        assertEquals(LayerKind.POOL, ls.get(3).kind(), ls.get(3).frameworkType());
        assertEquals(LayerKind.RESHAPE, ls.get(4).kind(), ls.get(4).frameworkType());
        assertEquals(Shape.of(-1, 8 * 12 * 12), ls.get(4).outputShape());
    }
}
