package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.nnviz.backend.djl.onnx.OnnxGraphs.floats;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.graph;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.graphAttr;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.ints;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.model;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 30: shapes checked against ONNX Runtime, and measured by it where static inference cannot
 * give them, marked as measured.
 */
@Tag("natives")
class OnnxMeasuredShapesTest {
    @TempDir
    Path dir;

    /**
     * Every layer's output shape that nnviz infers (a size where it gives one, the rank wherever
     * it gives it), inside If branches too, against the shapes one ONNX Runtime run measures, on
     * every corpus model; and the graph outputs' shapes in full.
     */
    @Test
    @Tag("corpus")
    void inferredShapesAreOnnxRuntimesOnEveryCorpusModel() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Path f : OnnxCorpusSweepTest.models()) {
            String name = f.getFileName().toString();
            OnnxMl.ModelProto proto;
            try (InputStream in = Files.newInputStream(f)) {
                proto = OnnxMl.ModelProto.parseFrom(in);
            }
            Map<String, long[]> given = OnnxCorpusSweepTest.inputs(name);
            OnnxShapes shapes = OnnxShapes.of(proto, given);
            OnnxShapeProbe.Result ort = OnnxShapeProbe.measure(name, proto, shapes, given, true, LoadOptions.defaultMemoryBudget());
            if (ort.failure() != null) {
                wrong.add(name + ": " + ort.failure());
                continue;
            }
            int compared = 0, differ = 0;
            for (Map.Entry<String, long[]> e : ort.shapes().entrySet()) {
                OnnxTensorInfo ours = shapes.anywhere(e.getKey());
                if (ours == null || ours.dims() == null) {
                    continue;
                }
                compared++;
                if (!agrees(ours, e.getValue()) && differ++ < 3) {
                    wrong.add(name + ": " + e.getKey() + " inferred " + ours + ", ONNX Runtime " + Arrays.toString(e.getValue()) + " on " + ort.on());
                }
            }
            for (OnnxMl.ValueInfoProto out : proto.getGraph().getOutputList()) {
                long[] measured = ort.shapes().get(out.getName());
                OnnxTensorInfo ours = shapes.get(out.getName());
                if (measured != null && (ours == null || ours.dims() == null || ours.rank() != measured.length)) {
                    wrong.add(name + ": graph output " + out.getName() + " inferred " + ours + ", ONNX Runtime " + Arrays.toString(measured));
                }
            }
            System.out.printf("%s: %d of %d measured shapes compared with the inferred ones, %d differ (on %s)%n", name, compared,
                    ort.shapes().size(), differ, ort.on());
            assertTrue(compared > 0.5 * ort.shapes().size(), name + ": compared " + compared + " of " + ort.shapes().size());
        }
        assertEquals(List.of(), wrong);
    }

    /** The same rank, and the measured size wherever inference gives a size (a symbol stands for any). */
    private static boolean agrees(OnnxTensorInfo ours, long[] measured) {
        if (ours.rank() != measured.length) {
            return false;
        }
        for (int i = 0; i < measured.length; i++) {
            OnnxDim d = ours.dims().get(i);
            if (d.known() && d.size() != measured[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * With measurement asked for, every corpus model has a shape on at least 95% of its layers
     * (given the input it is fed in use where its free dimensions decide a branch); the layers whose
     * shape was measured say so and on what input, and no inferred shape changes.
     */
    @Test
    @Tag("corpus")
    void measuredShapesFillWhatInferenceLeavesAndSaySo() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Path f : OnnxCorpusSweepTest.models()) {
            String name = f.getFileName().toString();
            LoadOptions options = LoadOptions.defaults();
            for (Map.Entry<String, long[]> e : OnnxCorpusSweepTest.inputs(name).entrySet()) {
                options = options.inputShape(e.getKey(), e.getValue());
            }
            try (ModelView inferred = NNViz.load(f, options); ModelView m = NNViz.load(f, options.measureShapes())) {
                long before = inferred.layers().stream().filter(l -> l.outputShape() != null).count();
                long known = m.layers().stream().filter(l -> l.outputShape() != null).count();
                long measured = m.layers().stream().filter(l -> OnnxShapeProbe.MEASURED.equals(l.attributes().get("shape source"))).count();
                System.out.printf("%s: %d layers, %d%% with an inferred shape, %d%% with a shape, %d measured (%s)%n", name,
                        m.layers().size(), 100 * before / m.layers().size(), 100 * known / m.layers().size(), measured,
                        m.properties().get("measured shapes"));
                if (known < 0.95 * m.layers().size()) {
                    wrong.add(name + ": " + known + " of " + m.layers().size() + " layers with a shape; " + m.properties().get("measured shapes"));
                }
                for (int i = 0; i < m.layers().size(); i++) {
                    LayerInfo a = inferred.layers().get(i), b = m.layers().get(i);
                    boolean marked = b.attributes().get("shape source") != null;
                    if (a.outputShape() != null && !marked && !a.outputShape().equals(b.outputShape())) {
                        wrong.add(name + ": " + b.id() + " inferred " + a.outputShape() + " changed to " + b.outputShape() + " unmarked");
                    }
                    if (marked && b.attributes().get("measured on") == null) {
                        wrong.add(name + ": " + b.id() + " measured without saying on what input");
                    }
                }
            }
        }
        assertEquals(List.of(), wrong);
    }

    /**
     * An If on a size only known at run time (squeeze the batch axis when it is 1, PyTorch's
     * export of {@code x.squeeze(0)}): its branches have different ranks, so inference leaves the
     * If and what follows without a shape; one run on the declared shape (N = 1) measures them,
     * marked as measured on that input, while the inferred shapes stay as they were.
     */
    @Test
    void aShapeDecidedAtRunTimeIsMeasuredAndMarked() throws Exception {
        OnnxMl.GraphProto then = graph(List.of("squeezed"), node("Squeeze", "x, zero -> squeezed"));
        OnnxMl.GraphProto otherwise = graph(List.of("same"), node("Identity", "x -> same"));
        OnnxMl.GraphProto g = graph(List.of(floats("y", (Object[]) null)), floats("x", "N", 4), ints("zero", new long[] {0}),
                ints("one", new long[] {1}), node("Shape", "x -> shape"), node("Gather", "shape, zero -> n"), node("Equal", "n, one -> isOne"),
                node("Squeeze", "isOne, zero -> cond"),
                node("If", "cond -> picked").addAttribute(graphAttr("then_branch", then)).addAttribute(graphAttr("else_branch", otherwise)),
                node("Relu", "picked -> y"));
        Path file = Files.write(dir.resolve("squeeze-if.onnx"), model(13, g).toByteArray());
        try (ModelView inferred = NNViz.load(file); ModelView m = NNViz.load(file, LoadOptions.defaults().measureShapes())) {
            assertNull(inferred.layer("Relu:y").orElseThrow().outputShape(), "inference cannot tell the rank");
            LayerInfo relu = m.layer("Relu:y").orElseThrow();
            assertEquals(Shape.of(4), relu.outputShape());
            assertEquals(OnnxShapeProbe.MEASURED, relu.attributes().get("shape source"));
            assertEquals("x=[1, 4]", relu.attributes().get("measured on"));
            assertEquals(Shape.of(4), m.layer("If:picked").orElseThrow().outputShape());
            assertNull(m.layer("Shape:shape").orElseThrow().attributes().get("shape source"), "an inferred shape is not measured");
            assertTrue(m.properties().get("measured shapes").contains("x=[1, 4]"), m.properties().toString());
            LayerInfo squeeze = m.layers().stream().filter(l -> l.frameworkType().equals("Squeeze") && l.groupId() != null).findFirst().orElseThrow();
            assertEquals(Shape.of(4), squeeze.outputShape(), "inside the branch: inferred");
        }
        // with N known, inference takes the branch itself: nothing to measure, nothing run
        try (ModelView known = NNViz.load(file, LoadOptions.defaults().inputShape("x", 3, 4).measureShapes())) {
            assertEquals(Shape.of(3, 4), known.layer("Relu:y").orElseThrow().outputShape());
            assertTrue(known.layers().stream().noneMatch(l -> l.attributes().containsKey("shape source")));
        }
        // inputs too large for the memory budget are not run: the shapes stay unknown and the properties say why
        try (ModelView big = NNViz.load(file, LoadOptions.defaults().memoryBudget(1 << 20).inputShape("x", -1, 100_000).measureShapes())) {
            assertNull(big.layer("Relu:y").orElseThrow().outputShape());
            assertTrue(big.properties().get("measured shapes").startsWith("none: inputs of 800000 bytes exceed"), big.properties().toString());
        }
    }

    /**
     * A free dimension the model needs larger than 1 (a frame of 400 samples, as a spectrogram's STFT
     * convolution takes): the run on 1 sample fails, and the free dimensions after the batch are tried
     * at larger sizes on the same session until one runs; the shapes say which input they were measured
     * on. A kernel longer than the largest size tried leaves the shapes unknown, and says why in one line.
     */
    @Test
    void aFreeDimensionTooSmallAtOneIsMeasuredAtTheFirstSizeThatRuns() throws Exception {
        for (int kernel : new int[] {400, 20_000}) {
            OnnxMl.GraphProto g = graph(List.of(floats("y", (Object[]) null)), floats("x", "N", 1, "T"),
                    OnnxGraphs.floatTensor("w", new float[8 * kernel], 8, 1, kernel), node("Conv", "x, w -> c"), node("Relu", "c -> y"));
            Path file = Files.write(dir.resolve("frames-" + kernel + ".onnx"), model(13, g).toByteArray());
            try (ModelView m = NNViz.load(file, LoadOptions.defaults().measureShapes())) {
                LayerInfo conv = m.layer("Conv:c").orElseThrow();
                if (kernel == 400) {
                    assertEquals(8, conv.outputShape().dim(1));
                    assertEquals(1024 - 399, conv.outputShape().dim(2), "the frames of 1,024 samples: " + conv.outputShape());
                    assertEquals(OnnxShapeProbe.MEASURED, conv.attributes().get("shape source"));
                    assertEquals("x=[1, 1, 1024]", conv.attributes().get("measured on"), "the first of the sizes tried that runs");
                } else {
                    assertNull(conv.attributes().get("shape source"));
                    String why = m.properties().get("measured shapes");
                    assertTrue(why.contains("could not run it on x=[1, 1, 1]") && why.contains("nor with its free dimensions up to 16384")
                            && !why.contains("\n"), why);
                }
            }
        }
    }
}
