package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelView;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 30: shapes static inference cannot give, measured by one run of ONNX Runtime and marked
 * as measured, over every ONNX model of the corpus folder.
 */
@Tag("natives")
@Tag("corpus")
class OnnxMeasuredShapesTest {
    @Test
    void everyCorpusModelHasAShapeOnNearlyEveryLayerWithTheMeasuredOnesMarked() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Path f : OnnxCorpusSweepTest.models()) {
            String name = f.getFileName().toString();
            try (ModelView inferred = NNViz.load(f); ModelView m = NNViz.load(f, LoadOptions.defaults().measureShapes())) {
                long before = inferred.layers().stream().filter(l -> l.outputShape() != null).count();
                long known = m.layers().stream().filter(l -> l.outputShape() != null).count();
                long measured = m.layers().stream().filter(l -> OnnxShapeProbe.MEASURED.equals(l.attributes().get("shape source"))).count();
                System.out.printf("%s: %d layers, %d%% with an inferred shape, %d%% with a shape after %d measured (%s)%n", name,
                        m.layers().size(), 100 * before / m.layers().size(), 100 * known / m.layers().size(), measured,
                        m.properties().get("measured shapes"));
                if (known < 0.95 * m.layers().size()) {
                    wrong.add(name + ": " + known + " of " + m.layers().size() + " layers with a shape; " + m.properties().get("measured shapes"));
                }
                for (int i = 0; i < m.layers().size(); i++) {
                    LayerInfo a = inferred.layers().get(i), b = m.layers().get(i);
                    if (a.outputShape() != null && b.attributes().get("shape source") == null && !a.outputShape().equals(b.outputShape())) {
                        wrong.add(name + ": " + b.id() + " inferred " + a.outputShape() + " changed to " + b.outputShape() + " unmarked");
                    }
                }
            }
        }
        assertEquals(List.of(), wrong);
    }
}
