package io.nnviz.backend.dl4j.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nnviz.api.Capability;
import io.nnviz.api.Histogram;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.renderers.figures.FilterGrid;
import io.nnviz.renderers.figures.HistogramRidge;
import io.nnviz.testkit.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 29: every Keras file of the corpus ({@code keras/*.keras} and {@code keras/*.h5}: Keras 3
 * archives and Keras 2 HDF5 files written by corpus/keras_files.py and tfjs_layers_to_h5.py from
 * real models, each run with NumPy for its oracle) read by nnviz itself: the parameter total and its
 * trainable part exact, every weight's shape (in nnviz's layout) and sum, every layer's output
 * shape, and a filter grid drawn for every 2-D convolution.
 */
@Tag("corpus")
class KerasCorpusTest {
    static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(Corpus.dir().resolve("keras"))) {
            return s.filter(p -> p.toString().endsWith(".keras") || p.toString().endsWith(".h5")).sorted().toList();
        }
    }

    @Test
    void everyKerasFileHasItsOraclesParametersShapesAndValues() throws Exception {
        List<Path> files = files();
        assertTrue(files.stream().filter(p -> p.toString().endsWith(".keras")).count() >= 3, "Keras 3 archives: " + files);
        assertTrue(files.stream().filter(p -> p.toString().endsWith(".h5")).count() >= 4, "Keras HDF5 files: " + files);
        List<String> wrong = new ArrayList<>();
        int grids = 0;
        for (Path f : files) {
            String stem = f.getFileName().toString().replaceFirst("\\.(keras|h5)$", "");
            JsonNode want = new ObjectMapper().readTree(f.resolveSibling(stem + ".oracle.json").toFile());
            try (ModelView m = KerasFiles.open(f, LoadOptions.defaults())) {
                String at = f.getFileName() + ": ";
                if (m.parameterCount() != want.get("parameters").asLong()) {
                    wrong.add(at + m.parameterCount() + " parameters, the oracle " + want.get("parameters"));
                }
                if (want.has("trainable") && !m.properties().get("trainable parameters").equals(want.get("trainable").asText())) {
                    wrong.add(at + m.properties().get("trainable parameters") + " trainable, the oracle " + want.get("trainable"));
                }
                weights(m, want.path("weights"), at, wrong);
                shapes(m, want.path("shapes"), at, wrong);
                int g = grids(m);
                grids += g;
                System.out.printf("%s: %d layers, %d parameters (oracle %s), trainable %s (oracle %s), %d filter grids%n", f.getFileName(),
                        m.layers().size(), m.parameterCount(), want.get("parameters"), m.properties().get("trainable parameters"),
                        want.path("trainable").asText("-"), g);
                assertFalse(m.capabilities().contains(Capability.ACTIVATIONS), "weights and architecture only");
            }
        }
        assertEquals(List.of(), wrong);
        assertTrue(grids >= 100, "filter grids drawn: " + grids);
    }

    private static void weights(ModelView m, JsonNode want, String at, List<String> wrong) {
        for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            LayerInfo l = m.layer(e.getKey()).orElse(null);
            if (l == null) {
                wrong.add(at + "no layer " + e.getKey());
                continue;
            }
            List<WeightTensor> got = m.weights(l.id());
            if (got.size() != e.getValue().size()) {
                wrong.add(at + l.id() + " has " + got.size() + " weights, the oracle " + e.getValue().size());
                continue;
            }
            for (WeightTensor w : got) {
                JsonNode o = e.getValue().get(w.name());
                if (o == null) {
                    wrong.add(at + l.id() + " has a weight " + w.name() + " the oracle does not");
                    continue;
                }
                Shape expected = canonical(l.frameworkType(), w.name(), o.get("shape"));
                double sum = 0;
                for (int i = 0; i < w.values().size(); i++) {
                    sum += w.values().getFlat(i);
                }
                double s = o.get("sum").asDouble();
                if (!expected.equals(w.values().shape()) || !expected.equals(l.weights().stream().filter(x -> x.name().equals(w.name()))
                        .findFirst().orElseThrow().shape()) || Math.abs(sum - s) > 1e-3 * Math.max(1, Math.abs(s))) {
                    wrong.add(at + l.id() + "." + w.name() + " " + w.values().shape() + " sums to " + sum + "; the oracle: " + expected
                            + " (Keras " + o.get("shape") + ") summing to " + s);
                }
            }
        }
    }

    /** A Keras-layout weight shape in nnviz's layout, as the test reads the canonical layouts' definitions. */
    static Shape canonical(String cls, String name, JsonNode keras) {
        int r = keras.size();
        int[] k = new int[r];
        for (int i = 0; i < r; i++) {
            k[i] = keras.get(i).asInt();
        }
        boolean kernel = name.endsWith("kernel");
        if (!kernel || r < 2) {
            return Shape.of(k);
        }
        if (r == 2) {
            return Shape.of(k[1], k[0]); // [in, out] -> [out, in]
        }
        int[] o = new int[r];
        System.arraycopy(k, 0, o, 2, r - 2);
        if (cls.contains("Transpose")) { // [k..., out, in] -> [out, in, k...]
            o[0] = k[r - 2];
            o[1] = k[r - 1];
        } else if (cls.startsWith("Depthwise")) { // [k..., in, multiplier] -> [in x multiplier, 1, k...]
            o[0] = k[r - 2] * k[r - 1];
            o[1] = 1;
        } else { // [k..., in, out] -> [out, in, k...]
            o[0] = k[r - 1];
            o[1] = k[r - 2];
        }
        return Shape.of(o);
    }

    private static void shapes(ModelView m, JsonNode want, String at, List<String> wrong) {
        for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            LayerInfo l = m.layer(e.getKey()).orElse(null);
            if (l == null) {
                wrong.add(at + "no layer " + e.getKey() + " for its shape");
                continue;
            }
            JsonNode s = e.getValue();
            int r = s.size() + 1;
            int[] keras = new int[r];
            keras[0] = -1;
            for (int i = 1; i < r; i++) {
                keras[i] = s.get(i - 1).isNull() ? -1 : s.get(i - 1).asInt();
            }
            String cls = l.frameworkType();
            boolean map = r >= 4 || r == 3 && cls.contains("1D") && !cls.startsWith("Global");
            int[] expected = keras.clone();
            if (map) { // channels last -> channels first
                expected[1] = keras[r - 1];
                System.arraycopy(keras, 1, expected, 2, r - 2);
            }
            if (!Shape.of(expected).equals(l.outputShape())) {
                wrong.add(at + l.id() + " (" + cls + ") outputs " + l.outputShape() + ", the oracle " + Shape.of(expected) + " (Keras " + s + ")");
            }
        }
    }

    /** Draws a filter grid of every 2-D convolution's kernel; how many. */
    private static int grids(ModelView m) {
        int n = 0;
        for (LayerInfo l : m.layers()) {
            if (l.frameworkType().endsWith("Conv2D") || l.frameworkType().equals("Conv2DTranspose")) {
                for (WeightTensor w : m.weights(l.id())) {
                    if (w.role() == WeightRole.KERNEL && w.values().rank() == 4) {
                        assertTrue(Figures.toSvg(FilterGrid.of(w).build()).contains("<svg"), l.id());
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** The pictures a person looks at: the nested MobileNetV2's architecture, its first filters, its weights by layer. */
    @Test
    void theNestedMobileNetIsDrawn() throws Exception {
        Path out = Files.createDirectories(Path.of("target", "keras-figures"));
        try (ModelView m = KerasFiles.open(Corpus.file("keras/nsfw-mobilenet-v2-nested.keras"), LoadOptions.defaults())) {
            Figures.writePng(ArchitectureDiagram.of(m).build(), out.resolve("nested-architecture.png"), 1);
            WeightTensor k = m.weights("mobilenetv2_1.00_224/Conv1").get(0);
            Figures.writePng(FilterGrid.of(k).build(), out.resolve("conv1-filters.png"), 2);
            HistogramRidge h = HistogramRidge.titled("kernels by layer");
            for (LayerInfo l : m.layers()) {
                for (WeightTensor w : m.weights(l.id())) {
                    if (w.role() == WeightRole.KERNEL && (l.id().contains("project") || l.id().startsWith("head"))) {
                        h.add(l.name(), Histogram.of(w.values(), 40));
                    }
                }
            }
            Figures.writePng(h.build(), out.resolve("kernel-histograms.png"), 1);
        }
        try (ModelView m = KerasFiles.open(Corpus.file("keras/unet3d.h5"), LoadOptions.defaults())) {
            Figures.writePng(ArchitectureDiagram.of(m).build(), out.resolve("unet3d-architecture.png"), 1);
        }
    }
}
