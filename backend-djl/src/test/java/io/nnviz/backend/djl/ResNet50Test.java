package io.nnviz.backend.djl;

import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ResNet-50 from DJL's model-zoo block builders (random weights): architecture, shapes, parameter total. */
@Tag("natives")
class ResNet50Test {
    @Test
    void resnet50OpensWithItsBlocksShapesAndDjlsParameterTotal() {
        Block block = ResNetV1.builder().setImageShape(new ai.djl.ndarray.types.Shape(3, 224, 224)).setNumLayers(50).setOutSize(1000).build();
        try (NDManager m = NDManager.newBaseManager()) {
            block.initialize(m, DataType.FLOAT32, new ai.djl.ndarray.types.Shape(1, 3, 224, 224));
            long djlTotal = 0;
            for (Pair<String, Parameter> p : block.getParameters()) {
                djlTotal += p.getValue().getArray().size();
            }
            long t0 = System.nanoTime();
            try (ModelView model = NNViz.inspect(block)) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(djlTotal, model.parameterCount(), "parameters add up to DJL's own sum");
                assertTrue(djlTotal > 25_000_000 && djlTotal < 26_000_000, "ResNet-50 has about 25.6 M parameters: " + djlTotal);
                List<LayerInfo> ls = model.layers();
                assertEquals(53, ls.stream().filter(l -> l.kind() == LayerKind.CONV).count(), "convolutions incl. 4 projection shortcuts");
                assertEquals(16, ls.stream().filter(l -> l.kind() == LayerKind.MERGE).count(), "one join per residual block");
                assertTrue(model.groups().size() > 16, "residual blocks are groups: " + model.groups().size());
                LayerInfo last = ls.get(ls.size() - 1);
                assertEquals(Shape.of(-1, 1000), last.outputShape());
                assertTrue(ms < 5000, "opened in " + ms + " ms");
                // the residual joins really merge two paths
                LayerInfo join = ls.stream().filter(l -> l.kind() == LayerKind.MERGE).findFirst().orElseThrow();
                assertEquals(2, model.edges().stream().filter(e -> e.to().equals(join.id())).count());
                Tensor x = Tensor.zeros(1, 3, 224, 224);
                assertEquals(Shape.of(1, 1000), model.activations(x, List.of(last.id())).get(last.id()).shape());
            }
        }
    }
}
