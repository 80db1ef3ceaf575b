package io.nnviz.backend.dl4j;

import io.nnviz.api.Edge;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A ComputationGraph with a residual (skip) connection through an element-wise add vertex. */
class Dl4jResidualGraphContractTest extends Dl4jContractBase {
    Dl4jResidualGraphContractTest() {
        super(Nets::residual, Nets::flatBatch, 15);
    }

    @Override
    protected Tensor sampleInput() {
        return Tensor.of(Nets.data().batch(400, 402), 2, 1, 28, 28);
    }

    @Override
    protected long[] dl4jIndex(LayerInfo layer, int[] idx, INDArray a) {
        if (layer.id().equals("image")) {
            return new long[] {idx[0], idx[2] * 28L + idx[3]};
        }
        return super.dl4jIndex(layer, idx, a);
    }

    @Test
    void theSkipConnectionAndMergeVertexAreEdgesAndAMergeNode() {
        LayerInfo add = model().layer("add").orElseThrow();
        assertEquals(LayerKind.MERGE, add.kind());
        assertEquals("ElementWiseVertex", add.frameworkType());
        assertEquals("Add", add.attributes().get("op"));
        assertTrue(model().edges().contains(new Edge("stem", "add")), "skip edge");
        assertTrue(model().edges().contains(new Edge("conv_b", "add")));
        assertEquals(Shape.of(-1, 8, 13, 13), add.outputShape()); // 3x3 stride 2, truncate: (28 - 3) / 2 + 1
        assertEquals(2, add.inputShapes().size());
    }

    @Test
    void inputGradientThroughTheSkipMatchesFiniteDifferences() {
        assertInputGradientMatchesFiniteDifferences(((ComputationGraph) trained()).convertDataType(DataType.DOUBLE), sampleInput().head(1), "out", "fc", 2);
    }
}
