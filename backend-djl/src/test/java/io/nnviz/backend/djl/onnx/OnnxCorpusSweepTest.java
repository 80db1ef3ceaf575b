package io.nnviz.backend.djl.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.figures.FilterGrid;
import io.nnviz.testkit.Corpus;
import io.nnviz.testkit.TensorParts;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 29: every ONNX model of the corpus folder, whoever exported it (torch.onnx, Paddle2ONNX,
 * ONNX Runtime's quantizer, float16 exports), against the onnx package's reading of it
 * (corpus/onnx_oracle.py): layers by op type, parameters by stored type exact, every shape nnviz
 * gives agreeing with onnx.shape_inference (inside If branches too), a shape on at least 95% of
 * the layers (given the input a model is fed where a free dimension decides a branch), and a
 * filter grid for every 2-D convolution's kernel, dequantized where the file is quantized. One test over the folder, not one per model: a model
 * added to the corpus is checked without a line here.
 */
@Tag("corpus")
class OnnxCorpusSweepTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The input shapes of the corpus models whose declared inputs leave free a dimension that
     * decides which branch runs: Silero VAD v5 and v6 squeeze their encoder's time axis only when
     * it is 1, which holds for the chunks they are fed (vad-web feeds 256 samples and 32 of
     * context at 8 kHz, 512 and 64 at 16 kHz); the 8 kHz chunk is valid in both sample-rate
     * branches. The legacy model takes any length; 512 samples is its 16 kHz chunk. Every other
     * model is read as it declares itself.
     */
    static Map<String, long[]> inputs(String model) {
        return switch (model) {
            case "silero_vad_v5.onnx", "silero_vad_v6.onnx" -> Map.of("input", new long[] {1, 288});
            case "silero_vad_legacy.onnx" -> Map.of("input", new long[] {1, 512});
            default -> Map.of();
        };
    }

    static List<Path> models() throws IOException {
        try (Stream<Path> s = Files.list(Corpus.dir().resolve("onnx"))) {
            return s.filter(p -> p.toString().endsWith(".onnx")).sorted().toList();
        }
    }

    @Test
    void everyOnnxModelHasTheOnnxPackagesLayersParametersAndShapes() throws Exception {
        List<Path> models = models();
        assertTrue(models.size() >= 7, "ONNX models in the corpus: " + models.size());
        List<String> wrong = new ArrayList<>();
        for (Path f : models) {
            JsonNode oracle = JSON.readTree(f.resolveSibling(f.getFileName().toString().replace(".onnx", ".oracle.json")).toFile());
            String name = f.getFileName().toString();
            LoadOptions options = LoadOptions.defaults();
            for (Map.Entry<String, long[]> e : inputs(name).entrySet()) {
                options = options.inputShape(e.getKey(), e.getValue());
            }
            try (OnnxModel m = (OnnxModel) NNViz.load(f); OnnxModel given = (OnnxModel) NNViz.load(f, options)) {
                Map<String, Integer> ours = new TreeMap<>(), theirs = new TreeMap<>();
                for (LayerInfo l : m.layers()) {
                    if (l.kind() != LayerKind.INPUT) {
                        ours.merge(l.frameworkType(), 1, Integer::sum);
                    }
                }
                oracle.get("ops").fields().forEachRemaining(e -> theirs.put(e.getKey(), e.getValue().asInt()));
                if (!ours.equals(theirs)) {
                    wrong.add(name + ": layers by op type " + ours + ", onnx " + theirs);
                }
                Map<String, Long> byType = new TreeMap<>(), want = new TreeMap<>();
                m.parameterCountByDtype().forEach((t, n) -> byType.put(t.name(), n));
                oracle.get("parametersByDtype").fields().forEachRemaining(e -> want.put(e.getKey(), e.getValue().asLong()));
                if (!byType.equals(want)) {
                    wrong.add(name + ": parameters by type " + byType + ", onnx " + want);
                }
                int compared = 0, differ = 0;
                for (LayerInfo l : m.layers()) {
                    String tensor = m.outputTensor(l.id());
                    JsonNode t = oracle.get("shapes").has(tensor) ? oracle.get("shapes").get(tensor) : oracle.path("subgraphShapes").get(tensor);
                    if (t == null) {
                        continue;
                    }
                    compared++;
                    List<String> dims = new ArrayList<>();
                    t.forEach(d -> dims.add(d.asText()));
                    String s = m.shapeOf(m.outputTensor(l.id()));
                    if (!s.equals("?") && !agrees(s, dims) && differ++ < 3) {
                        wrong.add(name + ": " + l.id() + " has shape " + s + ", onnx.shape_inference " + dims);
                    }
                }
                for (LayerInfo l : m.layers()) {
                    if (l.kind() != LayerKind.CONV) {
                        continue;
                    }
                    for (WeightTensor w : m.weights(l.id())) {
                        if (w.role() == WeightRole.KERNEL && w.values().rank() == 4) {
                            String svg = Figures.toSvg(FilterGrid.of(w).build());
                            if (!svg.contains("<image") && !svg.contains("<rect")) {
                                wrong.add(name + ": the filter grid of " + l.id() + " draws no filter");
                            }
                            if (w.values().stats().nanCount() > 0) {
                                wrong.add(name + ": " + l.id() + "'s kernel has NaN after dequantization");
                            }
                        }
                    }
                }
                boolean quantized = m.parameterCountByDtype().keySet().stream().anyMatch(t -> !t.floating());
                long quantizedConvs = m.layers().stream().filter(l -> l.kind() == LayerKind.CONV)
                        .filter(l -> l.weights().stream().anyMatch(w -> !w.dtype().floating())).count();
                if (quantized && m.layers().stream().anyMatch(l -> l.frameworkType().equals("ConvInteger")) && quantizedConvs == 0) {
                    wrong.add(name + ": quantized convolutions without their weights");
                }
                assertTrue(compared > 0 || oracle.get("shapes").isEmpty(), name + ": shapes to compare");
                long asDeclared = m.layers().stream().filter(l -> l.outputShape() != null).count();
                long known = given.layers().stream().filter(l -> l.outputShape() != null).count();
                System.out.printf("%s: %d layers, %d%% with a shape (%d%% as declared%s), %d compared with onnx, parameters %s%n", name,
                        m.layers().size(), 100 * known / m.layers().size(), 100 * asDeclared / m.layers().size(),
                        inputs(name).isEmpty() ? "" : ", given " + options, compared, byType);
                if (known < 0.95 * m.layers().size()) {
                    wrong.add(name + ": " + known + " of " + m.layers().size() + " layers with a shape");
                }
            }
        }
        assertEquals(List.of(), wrong);
    }

    /**
     * Weights are decoded as far as they are read ({@code Tensor.ranged}): on every weight of every
     * ONNX model of the corpus, float, half or quantized per tensor or per channel, the first rows, a
     * middle slice and a range across slice boundaries read alone equal the same values of the whole
     * tensor read at once.
     */
    @Test
    void partsOfEveryWeightReadAloneEqualTheWholeTensor() throws Exception {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Path f : models()) {
            try (OnnxModel m = (OnnxModel) NNViz.load(f)) {
                for (LayerInfo l : m.layers()) {
                    if (l.weights().isEmpty()) {
                        continue;
                    }
                    List<WeightTensor> parts = m.weights(l.id()), whole = m.weights(l.id());
                    for (int i = 0; i < parts.size(); i++) {
                        String why = TensorParts.readAloneEqualWhole(whole.get(i).values(), parts.get(i).values(), true);
                        if (why != null) {
                            wrong.add(f.getFileName() + ": " + l.id() + " " + parts.get(i).name() + " " + l.weights().get(i).dtype() + ": " + why);
                        }
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 1000, "weights checked: " + checked);
        assertEquals(List.of(), wrong.subList(0, Math.min(10, wrong.size())), wrong.size() + " wrong");
    }

    /**
     * The corpus's quantized models have float twins from the same weights (MiniLM and its
     * ONNX Runtime quantization, IS-Net in uint8 and in float16): every quantized kernel nnviz
     * dequantizes lies on a lattice (its scale) that spans the float kernel's range and is within
     * half a step of the float model's kernel in the same place. That checks the scale and zero
     * point nnviz found in the graph, not only the bytes.
     */
    @Test
    void dequantizedKernelsAgreeWithTheirFloatTwins() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (String[] twin : List.of(new String[] {"all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2.onnx"},
                new String[] {"isnet-quint8.onnx", "isnet-fp16.onnx"})) {
            try (OnnxModel q = (OnnxModel) NNViz.load(Corpus.file("onnx/" + twin[0]));
                 OnnxModel f = (OnnxModel) NNViz.load(Corpus.file("onnx/" + twin[1]))) {
                List<WeightTensor> quantized = kernels(q, true), floats = kernels(f, false);
                int matched = 0;
                List<WeightTensor> left = new ArrayList<>(floats);
                for (WeightTensor w : quantized) {
                    WeightTensor twinKernel = closest(w, left); // exporters order layers differently: the same shape, the nearest values
                    if (twinKernel == null) {
                        continue;
                    }
                    left.remove(twinKernel);
                    Tensor a = w.values(), b = twinKernel.values();
                    String bad = offLattice(a, b);
                    if (bad != null) {
                        wrong.add(twin[0] + ": " + w.layerId() + " against " + twin[1] + ": " + bad);
                    }
                    matched++;
                }
                if (matched < 0.9 * quantized.size() || quantized.isEmpty()) {
                    wrong.add(twin[0] + ": " + matched + " of " + quantized.size() + " quantized kernels found in " + twin[1]);
                }
            }
        }
        assertEquals(List.of(), wrong);
    }

    /**
     * Why the dequantized {@code q} is not the float {@code f} quantized, or null if it is. The
     * scales run along the first or the last axis (per output channel or per column) or are one
     * for the tensor: along the right axis, each slice's values lie on a lattice whose step (the
     * smallest gap between distinct values) spans the slice's float range in 255 steps or fewer,
     * and every value is within half a step of the float one.
     */
    private static String offLattice(Tensor q, Tensor f) {
        String why = null;
        for (int axis : new int[] {0, q.rank() - 1}) {
            int slices = q.shape().dim(axis), inner = 1;
            for (int d = axis + 1; d < q.rank(); d++) {
                inner *= q.shape().dim(d);
            }
            int per = q.size() / slices;
            float[][] qs = new float[slices][per];
            double[] range = new double[slices], worst = new double[slices];
            int[] fill = new int[slices];
            for (int i = 0; i < q.size(); i++) {
                int s = (i / inner) % slices;
                qs[s][fill[s]++] = q.getFlat(i);
                range[s] = Math.max(range[s], Math.abs(f.getFlat(i)));
                worst[s] = Math.max(worst[s], Math.abs(q.getFlat(i) - f.getFlat(i)));
            }
            why = null;
            for (int s = 0; s < slices && why == null; s++) {
                Arrays.sort(qs[s]);
                double step = 0; // one value: only the distance says
                for (int i = 1; i < per; i++) {
                    if (qs[s][i] > qs[s][i - 1]) {
                        step = step == 0 ? qs[s][i] - qs[s][i - 1] : Math.min(step, qs[s][i] - qs[s][i - 1]);
                    }
                }
                if (worst[s] > 0.505 * step + 2e-3 * range[s] + 1e-6 || step * 255 < 0.99 * range[s] && step > 0) {
                    why = "slice " + s + " along axis " + axis + " is off by " + worst[s] + " with a step of " + step + " over a range of "
                            + range[s];
                }
            }
            if (why == null) {
                return null;
            }
        }
        return why;
    }

    /** The float kernel of {@code w}'s shape whose first values are nearest to {@code w}'s, or null if none has its shape. */
    private static WeightTensor closest(WeightTensor w, List<WeightTensor> floats) {
        WeightTensor best = null;
        double bestDistance = Double.MAX_VALUE;
        for (WeightTensor f : floats) {
            if (!f.values().shape().equals(w.values().shape())) {
                continue;
            }
            double d = 0;
            for (int i = 0; i < Math.min(256, w.values().size()); i++) {
                d += Math.abs(f.values().getFlat(i) - w.values().getFlat(i));
            }
            if (d < bestDistance) {
                bestDistance = d;
                best = f;
            }
        }
        return best;
    }

    /** The kernels of the conv and dense layers, in layer order: the quantized ones, or the floating-point ones. */
    private static List<WeightTensor> kernels(OnnxModel m, boolean quantized) {
        List<WeightTensor> out = new ArrayList<>();
        for (LayerInfo l : m.layers()) {
            if (l.weights().stream().anyMatch(w -> w.role() == WeightRole.KERNEL && w.dtype().floating() != quantized)) {
                m.weights(l.id()).stream().filter(w -> w.role() == WeightRole.KERNEL).forEach(out::add);
            }
        }
        return out;
    }

    /**
     * The same rank, and the same size or symbol wherever onnx gives one of the file's: "unk__3",
     * and "Squeeze665_dim_0" (what it names a dimension of an If's output), are onnx's own unknowns.
     */
    static boolean agrees(String ours, List<String> theirs) {
        String[] o = ours.equals("[]") ? new String[0] : ours.replaceAll("[\\[\\]]", "").split(",\\s*", -1);
        if (o.length != theirs.size()) {
            return false;
        }
        for (int i = 0; i < o.length; i++) {
            String t = theirs.get(i);
            if (!t.startsWith("unk__") && !t.matches(".+_dim_\\d+") && !t.equals("?") && !t.equals(o[i]) && !o[i].equals("?")) {
                return false;
            }
        }
        return true;
    }
}
