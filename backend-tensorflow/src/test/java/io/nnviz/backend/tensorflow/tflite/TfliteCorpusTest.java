package io.nnviz.backend.tensorflow.tflite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nnviz.NNViz;
import io.nnviz.api.Capability;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.renderers.figures.FilterGrid;
import io.nnviz.testkit.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 29: every TFLite file of the corpus (MediaPipe's models as npm serves them, and an int8 one
 * made from one of them; corpus/fetch.sh) opens through NNViz.load as Debian's python3-flatbuffers
 * reads it (corpus/tflite_oracle.py): the operators in execution order with their names, each
 * layer's output shape, the parameters by dtype exactly, each weight's shape (kernels in OIHW) and
 * the sum of its dequantized values; a filter grid draws for every 2-D convolution's kernel, and
 * the model says it has no activations.
 */
@Tag("corpus")
class TfliteCorpusTest {
    static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(Corpus.dir().resolve("tflite"))) {
            return s.filter(p -> p.toString().endsWith(".tflite")).sorted().toList();
        }
    }

    @Test
    void everyTfliteFileIsReadAsFlatbuffersReadsIt() throws Exception {
        List<Path> files = files();
        assertTrue(files.size() >= 5, "TFLite files in the corpus: " + files);
        List<String> wrong = new ArrayList<>();
        for (Path f : files) {
            JsonNode want = new ObjectMapper().readTree(Corpus.file("tflite/" + f.getFileName().toString().replace(".tflite", ".oracle.json")).toFile());
            long t0 = System.nanoTime();
            try (ModelView m = NNViz.load(f)) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                int grids = compare(f.getFileName().toString(), m, want, wrong);
                System.out.printf("%s: %d layers, %,d parameters (%s), opened in %d ms, %d filter grids drawn%n", f.getFileName(),
                        m.layers().size(), m.parameterCount(), m.parameterCountByDtype(), ms, grids);
            }
        }
        assertEquals(List.of(), wrong);
    }

    /** Compares model {@code m} with the oracle {@code want}, adding what differs to {@code wrong}; returns the filter grids drawn. */
    private static int compare(String file, ModelView m, JsonNode want, List<String> wrong) {
        JsonNode tensors = want.get("tensors");
        // the parameters by dtype, exactly, and their total
        Map<String, Long> byType = new TreeMap<>();
        want.get("parameters_by_dtype").fields().forEachRemaining(e -> byType.put(e.getKey(), e.getValue().asLong()));
        Map<String, Long> got = new TreeMap<>();
        m.parameterCountByDtype().forEach((t, n) -> got.put(t.name(), n));
        check(wrong, file + ": parameters by dtype", byType, got);
        check(wrong, file + ": parameters", want.get("parameters").asLong(), m.parameterCount());
        check(wrong, file + ": tensors", want.get("tensor_count").asText(), m.properties().get("tensors"));
        check(wrong, file + ": operators", want.get("operators").asInt(), Integer.parseInt(m.properties().get("operators").split(" ")[0]));
        // the layers: the graph's inputs, then every operator but a DEQUANTIZE or DENSIFY of a constant, in execution order
        Set<Integer> constant = new HashSet<>();
        for (int i = 0; i < tensors.size(); i++) {
            if (tensors.get(i).has("constant")) {
                constant.add(i);
            }
        }
        List<String> names = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        want.get("graph_inputs").forEach(i -> {
            names.add("input");
            shapes.add(activation(tensors.get(i.asInt())));
        });
        for (int op = 0; op < want.get("operators").asInt(); op++) {
            String name = want.get("op_names").get(op).asText();
            JsonNode io = want.get("op_tensors").get(op);
            if ((name.equals("DEQUANTIZE") || name.equals("DENSIFY")) && constant.contains(io.get("inputs").get(0).asInt())) {
                constant.add(io.get("outputs").get(0).asInt());
                continue;
            }
            names.add(name);
            shapes.add(activation(tensors.get(io.get("outputs").get(0).asInt())));
        }
        check(wrong, file + ": layers", names, m.layers().stream().map(LayerInfo::frameworkType).toList());
        check(wrong, file + ": output shapes", shapes, m.layers().stream().map(LayerInfo::outputShape).toList());
        // each weight: the oracle's tensor of that name, its shape in canonical layout, its dequantized values' sum
        Map<String, JsonNode> byName = new HashMap<>();
        tensors.forEach(t -> byName.put(t.get("name").asText(), t));
        int grids = 0;
        for (LayerInfo l : m.layers()) {
            for (WeightTensor w : m.weights(l.id())) {
                JsonNode t = byName.get(w.name());
                if (t == null || !t.has("parameter")) {
                    wrong.add(file + ": " + l.id() + " has weight " + w.name() + ", not a parameter of the file");
                    continue;
                }
                int[] s = new int[t.get("shape").size()];
                for (int i = 0; i < s.length; i++) {
                    s[i] = t.get("shape").get(i).asInt();
                }
                boolean kernel = w.role() == WeightRole.KERNEL && s.length == 4;
                int[] canonical = !kernel ? s : l.frameworkType().equals("DEPTHWISE_CONV_2D") ? new int[] {s[3], s[0], s[1], s[2]}
                        : new int[] {s[0], s[3], s[1], s[2]};
                check(wrong, file + ": shape of " + w.name(), Shape.of(canonical), w.values().shape());
                double sum = sum(w.values()), expected = t.get("sum").asDouble();
                if (Math.abs(sum - expected) > 1e-3 * Math.max(1, Math.abs(expected))) {
                    wrong.add(file + ": " + w.name() + " sums to " + sum + ", flatbuffers reads " + expected);
                }
                double weighted = weightedSum(w.values(), kernel ? l.frameworkType() : ""), wantWeighted = t.get("weighted_sum").asDouble();
                if (Math.abs(weighted - wantWeighted) > 1e-3 * Math.max(1, Math.abs(wantWeighted))) {
                    wrong.add(file + ": " + w.name() + " has values out of place: weighted by position " + weighted + ", flatbuffers reads "
                            + wantWeighted);
                }
                if (kernel && l.kind() == LayerKind.CONV) {
                    String svg = Figures.toSvg(FilterGrid.of(w).title(l.name()).build());
                    grids++;
                    if (!svg.contains("<svg") || svg.length() < 500) {
                        wrong.add(file + ": the filter grid of " + l.id() + " is empty");
                    }
                }
            }
        }
        check(wrong, file + ": capabilities", Set.of(Capability.WEIGHTS), m.capabilities());
        UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                () -> m.activations(Tensor.zeros(1, 3, 8, 8), List.of(m.layers().get(1).id())));
        assertTrue(e.getMessage().contains("a TFLite file carries no runtime here"), e.getMessage());
        return grids;
    }

    @Test
    void theArchitectureOfAModelWithACustomOpDraws() throws Exception {
        try (ModelView m = NNViz.load(Corpus.file("tflite/selfie_segmentation.tflite"))) {
            String svg = Figures.toSvg(ArchitectureDiagram.of(m).build());
            assertTrue(svg.contains("Convolution2DTransposeBias"), "the custom op is named");
            assertTrue(m.properties().get("custom ops").contains("Convolution2DTransposeBias"), m.properties().toString());
            if (System.getenv("NNVIZ_TFLITE_PNG") != null) { // to look at: the diagram and a filter grid as PNG
                Path out = Files.createDirectories(Path.of(System.getenv("NNVIZ_TFLITE_PNG")));
                Figures.writePng(ArchitectureDiagram.of(m).build(), out.resolve("selfie-architecture.png"), 1);
                LayerInfo conv = m.layers().stream().filter(l -> l.frameworkType().equals("CONV_2D")).findFirst().orElseThrow();
                Figures.writePng(FilterGrid.of(m.weights(conv.id()).get(0)).title(conv.name()).build(), out.resolve("selfie-filters.png"), 2);
            }
        }
    }

    /** A tensor's shape as nnviz gives an activation's: NCHW for images, -1 (unknown) where the shape signature leaves a dimension open. */
    private static Shape activation(JsonNode t) {
        JsonNode dims = t.hasNonNull("signature") ? t.get("signature") : t.get("shape");
        int[] s = new int[dims.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = dims.get(i).asInt();
        }
        return Shape.of(s.length == 4 ? new int[] {s[0], s[3], s[1], s[2]} : s);
    }

    private static void check(List<String> wrong, String what, Object expected, Object actual) {
        if (!expected.equals(actual)) {
            wrong.add(what + ": flatbuffers reads " + expected + ", nnviz " + actual);
        }
    }

    /**
     * The sum of {@code t}'s values each weighted by (its index in the file's row-major layout mod 13) + 1, as the oracle
     * weights them: a kernel's index in OHWI (CONV_2D and the like) or [1, H, W, C] (DEPTHWISE_CONV_2D) worked back from OIHW.
     */
    private static double weightedSum(Tensor t, String kernelOf) {
        double s = 0;
        int[] d = t.shape().toArray();
        for (int i = 0; i < t.size(); i++) {
            long stored = i;
            if (!kernelOf.isEmpty()) {
                int o = i / (d[1] * d[2] * d[3]), c = i / (d[2] * d[3]) % d[1], y = i / d[3] % d[2], x = i % d[3];
                stored = kernelOf.equals("DEPTHWISE_CONV_2D") ? ((long) y * d[3] + x) * d[0] + o : (((long) o * d[2] + y) * d[3] + x) * d[1] + c;
            }
            s += t.getFlat(i) * (stored % 13 + 1);
        }
        return s;
    }

    private static double sum(Tensor t) {
        double s = 0;
        for (int i = 0; i < t.size(); i++) {
            s += t.getFlat(i);
        }
        return s;
    }
}
