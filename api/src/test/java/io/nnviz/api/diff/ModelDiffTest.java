package io.nnviz.api.diff;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.ModelBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Matching, the changes found and the weight norms of {@link ModelDiff}, on hand-built models whose answers are known. */
class ModelDiffTest {
    /** input -> fc1 [units x 4] -> relu -> out [2 x units], with given weights. */
    private static ModelView mlp(String fc1Id, int units, float[] w1, float[] w2, boolean extraNorm) {
        ModelBuilder b = ModelBuilder.of("mlp")
                .layer(LayerInfo.builder("in", LayerKind.INPUT).outputShape(Shape.of(-1, 4)).build())
                .layer(LayerInfo.builder(fc1Id, LayerKind.DENSE).outputShape(Shape.of(-1, units))
                        .weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(units, 4))).attribute("units", units).build())
                .layer(LayerInfo.builder("relu", LayerKind.ACTIVATION).outputShape(Shape.of(-1, units)).build());
        if (extraNorm) {
            b.layer(LayerInfo.builder("norm", LayerKind.NORM).outputShape(Shape.of(-1, units)).build());
        }
        b.layer(LayerInfo.builder("out", LayerKind.OUTPUT).outputShape(Shape.of(-1, 2))
                .weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(2, units))).build());
        b = extraNorm ? b.chain("in", fc1Id, "relu", "norm", "out") : b.chain("in", fc1Id, "relu", "out");
        return b.weights(fc1Id, WeightTensor.of(fc1Id, "W", WeightRole.KERNEL, Tensor.of(w1, units, 4)))
                .weights("out", WeightTensor.of("out", "W", WeightRole.KERNEL, Tensor.of(w2, 2, units))).build();
    }

    private static float[] range(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = scale * (i + 1);
        }
        return v;
    }

    @Test
    void aModelAgainstItselfIsEmpty() {
        ModelView a = mlp("fc1", 3, range(12, 1), range(6, 1), false);
        ModelDiff d = ModelDiff.of(a, a);
        assertTrue(d.isEmpty());
        assertEquals(4, d.layers().size());
        assertEquals(List.of(0.0, 0.0), List.copyOf(d.weightChanges().values()));
    }

    @Test
    void oneChangedLayerIsNamedAndItsWeightChangeIsTheRelativeNorm() {
        float[] w2 = range(6, 1), moved = w2.clone();
        moved[0] += 3;
        moved[5] -= 4; // ||delta|| = 5
        ModelDiff d = ModelDiff.of(mlp("fc1", 3, range(12, 1), w2, false), mlp("fc1", 3, range(12, 1), moved, false));
        assertTrue(d.changed().isEmpty() && d.added().isEmpty() && d.removed().isEmpty());
        assertFalse(d.isEmpty());
        double norm = 0;
        for (float v : w2) {
            norm += v * v;
        }
        assertEquals(5 / Math.sqrt(norm), d.weightChanges().get("out"), 1e-9);
        assertEquals(0.0, d.weightChanges().get("fc1"));
    }

    @Test
    void layersAreMatchedByStructureWhenIdsDifferAndChangesAreSaid() {
        ModelView a = mlp("fc1", 3, range(12, 1), range(6, 1), false);
        // renamed first layer (same kind and weight shape: matched), an added norm layer
        ModelView renamed = mlp("dense_1", 3, range(12, 2), range(6, 1), true);
        ModelDiff d = ModelDiff.of(a, renamed);
        ModelDiff.LayerDiff fc = d.layers().stream().filter(l -> "fc1".equals(l.idA())).findFirst().orElseThrow();
        assertEquals("dense_1", fc.idB());
        assertEquals(ModelDiff.Change.SAME, fc.change());
        assertEquals(1.0, fc.weightChange(), 1e-9, "every weight doubled: ||2w - w|| / ||w|| = 1");
        assertEquals(List.of("norm"), d.added().stream().map(ModelDiff.LayerDiff::idB).toList());
        assertTrue(d.removed().isEmpty());
        // wider first layer: its shapes, weights and attribute change; the output's weight shape too
        ModelView wider = mlp("fc1", 5, range(20, 1), range(10, 1), false);
        ModelDiff w = ModelDiff.of(a, wider);
        assertEquals(List.of("fc1", "relu", "out"), w.changed().stream().map(ModelDiff.LayerDiff::idB).toList());
        List<String> fcDiffs = w.changed().get(0).differences();
        assertTrue(fcDiffs.contains("units 3 -> 5"), fcDiffs.toString());
        assertTrue(fcDiffs.stream().anyMatch(s -> s.startsWith("output [?, 3] -> [?, 5]")), fcDiffs.toString());
        assertTrue(Double.isNaN(w.changed().get(0).weightChange()), "weights of other shapes have no relative change");
        assertEquals(List.of("norm"), ModelDiff.of(renamed, a).removed().stream().map(ModelDiff.LayerDiff::idA).toList());
    }
}
