package io.nnviz.backend.djl.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.backend.djl.JavaConv;
import io.nnviz.testkit.Corpus;
import io.nnviz.testkit.FashionMnist;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real pretrained ONNX models nobody here made (corpus/fetch.sh): all-MiniLM-L6-v2 (PyTorch
 * export), Silero VAD (PyTorch export, If subgraphs, LSTM), and PaddleOCR's text-direction
 * classifier and text detector (Paddle2ONNX, every weight in a Constant node). Each is checked
 * against the onnx package's own reading of it and against ONNX Runtime.
 */
@Tag("corpus")
@Tag("natives")
class OnnxCorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode oracle(String name) throws Exception {
        return JSON.readTree(Corpus.file("onnx/" + name + ".oracle.json").toFile());
    }

    /** Layers per op type, as the onnx package counts nodes (Constant nodes are not layers); the float parameter total. */
    private static void assertStructure(OnnxModel m, JsonNode oracle) {
        Map<String, Integer> ours = new TreeMap<>(), theirs = new TreeMap<>();
        for (LayerInfo l : m.layers()) {
            if (l.kind() != LayerKind.INPUT) {
                ours.merge(l.frameworkType(), 1, Integer::sum);
            }
        }
        oracle.get("ops").fields().forEachRemaining(e -> theirs.put(e.getKey(), e.getValue().asInt()));
        assertEquals(theirs, ours, "layers by op type");
        assertEquals(0, ours.getOrDefault("Constant", 0), "Constant nodes are weights, not layers");
        assertEquals(oracle.get("floatParameters").asLong(), m.parameterCount(), "float parameters, integer shape constants left out");
        assertEquals(m.fileParameters(), m.parameterCount());
    }

    /** Shapes known for >= 95% of layers, and equal to onnx.shape_inference's wherever it inferred one. */
    private static void assertShapes(OnnxModel m, JsonNode oracle, double atLeast) {
        long known = m.layers().stream().filter(l -> l.outputShape() != null).count();
        assertTrue(known >= atLeast * m.layers().size(), known + " of " + m.layers().size() + " layers have a shape");
        List<String> differ = new ArrayList<>();
        int compared = 0;
        for (LayerInfo l : m.layers()) {
            JsonNode theirs = oracle.get("shapes").get(m.outputTensor(l.id()));
            if (theirs == null || l.groupId() != null && l.groupId().contains("/")) {
                continue;
            }
            compared++;
            List<String> t = new ArrayList<>();
            theirs.forEach(d -> t.add(d.asText()));
            String ours = m.shapeOf(m.outputTensor(l.id()));
            if (!agrees(ours, t)) {
                differ.add(l.id() + ": nnviz " + ours + ", onnx " + t);
            }
        }
        assertTrue(compared > 0, "the oracle has shapes to compare");
        assertTrue(differ.isEmpty(), differ.size() + " of " + compared + " shapes differ from onnx.shape_inference: "
                + differ.subList(0, Math.min(10, differ.size())));
    }

    /**
     * nnviz's shape against onnx's: the same rank and, wherever onnx gives a size or a symbol of the
     * file's, the same; onnx's own placeholders for what it does not know ("unk__3") match anything.
     */
    private static boolean agrees(String ours, List<String> theirs) {
        if (ours.equals("?")) {
            return false;
        }
        String[] o = ours.replaceAll("[\\[\\]]", "").split(",\\s*", -1);
        if (ours.equals("[]")) {
            o = new String[0];
        }
        if (o.length != theirs.size()) {
            return false;
        }
        for (int i = 0; i < o.length; i++) {
            String t = theirs.get(i);
            if (!t.startsWith("unk__") && !t.equals("?") && !t.equals(o[i])) {
                return false;
            }
        }
        return true;
    }

    /** The model's outputs as ONNX Runtime computes them from the unmodified file. */
    private static List<Tensor> ortOutputs(Path file, Map<String, Tensor> inputs, Map<String, Integer> types) throws Exception {
        try (ai.djl.repository.zoo.ZooModel<ai.djl.ndarray.NDList, ai.djl.ndarray.NDList> zoo = ai.djl.repository.zoo.Criteria.builder()
                .setTypes(ai.djl.ndarray.NDList.class, ai.djl.ndarray.NDList.class).optModelPath(file).optEngine("OnnxRuntime")
                .optTranslator(new ai.djl.translate.NoopTranslator()).build().loadModel();
             ai.djl.inference.Predictor<ai.djl.ndarray.NDList, ai.djl.ndarray.NDList> p = zoo.newPredictor();
             ai.djl.ndarray.NDManager mm = ai.djl.ndarray.NDManager.newBaseManager("OnnxRuntime")) {
            ai.djl.ndarray.NDList feed = new ai.djl.ndarray.NDList();
            for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
                long[] d = new long[e.getValue().rank()];
                for (int i = 0; i < d.length; i++) {
                    d[i] = e.getValue().shape().dim(i);
                }
                ai.djl.ndarray.NDArray x = mm.create(e.getValue().toArray(), new ai.djl.ndarray.types.Shape(d));
                int t = types.get(e.getKey());
                feed.add(t == 7 ? x.toType(ai.djl.ndarray.types.DataType.INT64, false) : x);
            }
            List<Tensor> out = new ArrayList<>();
            for (ai.djl.ndarray.NDArray a : p.predict(feed)) {
                out.add(OnnxTensors.copy(a));
            }
            return out;
        }
    }

    /** A 2-D convolution computed in plain Java from NCHW input and OIHW weights. */
    static Tensor conv2d(Tensor x, Tensor w, Tensor b, LayerInfo conv) {
        int group = conv.attributes().containsKey("group") ? Integer.parseInt(conv.attributes().get("group")) : 1;
        return JavaConv.conv2d(x, w, b, ints(conv, "strides", 1), ints(conv, "pads", 0), ints(conv, "dilations", 1), group);
    }

    private static long[] ints(LayerInfo l, String attr, long dflt) {
        String v = l.attributes().get(attr);
        long[] d = {dflt, dflt, dflt, dflt};
        if (v == null) {
            return d;
        }
        String[] p = v.replaceAll("[\\[\\] ]", "").split(",");
        for (int i = 0; i < 4; i++) {
            d[i] = Long.parseLong(p[i % p.length]);
        }
        return d;
    }

    /** The conv layer at {@code index} (in order) and its input's producer. */
    private static void assertConvMatchesJava(OnnxModel m, Map<String, Tensor> inputs, int index) {
        List<LayerInfo> convs = m.layers().stream().filter(l -> l.frameworkType().equals("Conv") && l.groupId() == null).toList();
        LayerInfo conv = convs.get(index);
        String from = m.edges().stream().filter(e -> e.to().equals(conv.id())).findFirst().orElseThrow().from();
        Map<String, Tensor> acts = m.activations(inputs, List.of(from, conv.id()));
        List<WeightTensor> w = m.weights(conv.id());
        Tensor expected = conv2d(acts.get(from), w.get(0).values(), w.size() > 1 ? w.get(1).values() : null, conv);
        Corpus.assertClose(expected, acts.get(conv.id()), 1e-4, "conv " + conv.id() + " (ONNX Runtime) against Java from nnviz's weights");
    }

    /** A real Fashion-MNIST image stretched (nearest) to h x w, three channels, normalised as PaddleOCR does. */
    private static Tensor paddleImage(int h, int w) {
        float[] px = FashionMnist.trainCached(16).image(3);
        float[] out = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[(c * h + y) * w + x] = (px[(y * 28 / h) * 28 + x * 28 / w] - 0.5f) / 0.5f;
                }
            }
        }
        return Tensor.of(out, 1, 3, h, w);
    }

    private static LayerInfo lastLayer(ModelView m) {
        return m.layers().get(m.layers().size() - 1);
    }

    /** Issue 29: the file gate reads content, so a model under a name that says nothing opens the same. */
    @Test
    void anOnnxModelNamedAnythingOpensAsOnnx(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = Corpus.file("onnx/ch_ppocr_mobile_v2.0_cls_infer.onnx");
        Path renamed = java.nio.file.Files.copy(f, dir.resolve("weights.bin"));
        try (ModelView a = NNViz.load(f); ModelView b = NNViz.load(renamed)) {
            assertEquals(a.layers(), b.layers());
            assertEquals(a.parameterCount(), b.parameterCount());
        }
    }

    @Test
    void paddleOcrsClassifierKeepsItsWeightsInConstants() throws Exception {
        Path f = Corpus.file("onnx/ch_ppocr_mobile_v2.0_cls_infer.onnx");
        try (OnnxModel m = (OnnxModel) NNViz.load(f)) {
            JsonNode o = oracle("ch_ppocr_mobile_v2.0_cls_infer");
            assertStructure(m, o);
            assertShapes(m, o, 0.95);
            assertTrue(m.layers().stream().filter(l -> l.kind() == LayerKind.CONV).allMatch(l -> !l.weights().isEmpty()),
                    "every conv has its kernel");
            Map<String, Tensor> in = Map.of("x", paddleImage(48, 192));
            assertConvMatchesJava(m, in, 3);
            Tensor ort = ortOutputs(f, in, m.inputs()).get(0);
            Corpus.assertClose(ort, m.activations(in, List.of(lastLayer(m).id())).get(lastLayer(m).id()), 1e-4, "output");
        }
    }

    /**
     * Occlusion, the attribution ONNX models get (ONNX Runtime has no gradients here): nnviz's
     * batched map against drops computed window by window from ONNX Runtime run on the original file.
     */
    @Test
    void occlusionOfTheTextDirectionClassifierAgreesWithOnnxRuntimeWindowByWindow() throws Exception {
        Path f = Corpus.file("onnx/ch_ppocr_mobile_v2.0_cls_infer.onnx");
        try (OnnxModel m = (OnnxModel) NNViz.load(f)) {
            assertTrue(!m.capabilities().contains(io.nnviz.api.Capability.INPUT_GRADIENT), "no gradients from ONNX Runtime");
            Tensor x = paddleImage(48, 192);
            int target = 0;
            Tensor map = io.nnviz.api.attribution.Occlusion.of(m).window(16, 32).stride(16, 32).map(x, target); // 3 x 6 disjoint windows
            assertEquals(io.nnviz.api.Shape.of(48, 192), map.shape());
            double base = ortOutputs(f, Map.of("x", x), m.inputs()).get(0).getFlat(target);
            for (int[] w : new int[][] {{0, 0}, {16, 64}, {32, 160}}) {
                float[] v = x.toArray();
                for (int c = 0; c < 3; c++) {
                    for (int y = w[0]; y < w[0] + 16; y++) {
                        for (int xx = w[1]; xx < w[1] + 32; xx++) {
                            v[(c * 48 + y) * 192 + xx] = 0;
                        }
                    }
                }
                double drop = base - ortOutputs(f, Map.of("x", Tensor.of(v, 1, 3, 48, 192)), m.inputs()).get(0).getFlat(target);
                assertEquals(drop, map.get(w[0] + 7, w[1] + 13), 1e-5 + 1e-4 * Math.abs(drop), "window at " + w[0] + "," + w[1]);
            }
            assertTrue(map.stats().max() - map.stats().min() > 1e-4, "the map is not flat: " + map.stats());
        }
    }

    /**
     * A real ONNX model's randomised copy, written with its tensors shuffled and run by ONNX
     * Runtime, and the model randomisation check of the forward-only methods on it.
     */
    @Test
    void theTextDirectionClassifierIsRandomisedInAFileOfItsOwn() throws Exception {
        Path f = Corpus.file("onnx/ch_ppocr_mobile_v2.0_cls_infer.onnx");
        try (OnnxModel m = (OnnxModel) NNViz.load(f)) {
            Tensor x = paddleImage(48, 192);
            io.nnviz.testkit.AttributionChecks.assertShuffledCopy(m, x);
            var r = io.nnviz.api.attribution.ModelRandomization.of(m).cascadeSteps(4).cascading(mm -> io.nnviz.api.attribution.Occlusion
                    .of(mm).window(16, 32).stride(16, 32), x, 0);
            assertEquals(m.layers().stream().filter(l -> l.parameterCount() > 0).count(), r.last().randomized().size());
            for (var st : r.steps()) {
                try (io.nnviz.api.ModelView copy = m.withShuffledWeights(st.randomized(), 1)) {
                    System.out.printf("PP-OCR cls (ONNX): %d layers shuffled, occlusion's rank correlation %.3f, scores %s%n",
                            st.randomized().size(), st.rankCorrelation(), java.util.Arrays.toString(copy.scores(x).toArray()));
                }
            }
            OnnxModel copy = (OnnxModel) m.withShuffledWeights(List.of(lastLayer(m).id()), 2);
            assertTrue(java.nio.file.Files.isRegularFile(copy.file()) && !copy.file().equals(f));
            copy.close();
            assertFalse(java.nio.file.Files.exists(copy.file()), "a copy's file is deleted when it is closed");
        }
    }

    @Test
    void paddleOcrsDetectorTakesAGivenInputShape() throws Exception {
        Path f = Corpus.file("onnx/ch_PP-OCRv4_det_infer.onnx");
        try (OnnxModel m = (OnnxModel) NNViz.load(f)) {
            JsonNode o = oracle("ch_PP-OCRv4_det_infer");
            assertStructure(m, o);
            assertShapes(m, o, 0.95);
        }
        try (OnnxModel m = (OnnxModel) NNViz.load(f, io.nnviz.api.LoadOptions.defaults().inputShape(1, 3, 64, 64))) {
            assertEquals("[1, 1, 64, 64]", m.shapeOf(m.outputTensor(lastLayer(m).id())), "the probability map at the input's size");
            Map<String, Tensor> in = Map.of("x", paddleImage(64, 64));
            assertConvMatchesJava(m, in, 10);
            long full = m.layers().stream().filter(l -> knownBeyondBatch(l.outputShape())).count();
            assertTrue(full >= 0.95 * m.layers().size(), full + " of " + m.layers().size() + " shapes fully known with the input's");
            Tensor ort = ortOutputs(f, in, m.inputs()).get(0);
            Corpus.assertClose(ort, m.activations(in, List.of(lastLayer(m).id())).get(lastLayer(m).id()), 1e-4, "output");
        }
    }

    /** Token ids of a real sentence, looked up in the model's own tokenizer.json vocabulary. */
    private static float[] tokens(String... words) throws Exception {
        JsonNode vocab = JSON.readTree(Corpus.file("onnx/all-minilm-l6-v2-tokenizer.json").toFile()).get("model").get("vocab");
        float[] ids = new float[words.length + 2];
        ids[0] = vocab.get("[CLS]").asInt();
        for (int i = 0; i < words.length; i++) {
            ids[i + 1] = vocab.get(words[i]).asInt();
        }
        ids[ids.length - 1] = vocab.get("[SEP]").asInt();
        return ids;
    }

    private static boolean knownBeyondBatch(io.nnviz.api.Shape s) {
        if (s == null) {
            return false;
        }
        for (int i = 1; i < s.rank(); i++) {
            if (s.dim(i) < 0) {
                return false;
            }
        }
        return true;
    }

    @Test
    void anInputNameTheModelLacksIsAClearError() {
        Path f = Corpus.file("onnx/ch_PP-OCRv4_det_infer.onnx");
        io.nnviz.api.InvalidInputException e = org.junit.jupiter.api.Assertions.assertThrows(io.nnviz.api.InvalidInputException.class,
                () -> NNViz.load(f, io.nnviz.api.LoadOptions.defaults().inputShape("image", 1, 3, 64, 64)));
        assertTrue(e.getMessage().contains("no input 'image'") && e.getMessage().contains("[x]"), e.getMessage());
    }

    @Test
    void miniLmGivesItsInnerLayersWithThreeInputs() throws Exception {
        Path f = Corpus.file("onnx/all-minilm-l6-v2.onnx");
        try (OnnxModel m = (OnnxModel) NNViz.load(f)) {
            JsonNode o = oracle("all-minilm-l6-v2");
            assertStructure(m, o);
            assertShapes(m, o, 0.95);
            float[] ids = tokens("a", "shoe", ",", "a", "bag", "and", "a", "coat", ".");
            int t = ids.length;
            float[] ones = new float[t];
            java.util.Arrays.fill(ones, 1);
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("input_ids", Tensor.of(ids, 1, t));
            in.put("attention_mask", Tensor.of(ones, 1, t));
            in.put("token_type_ids", Tensor.of(new float[t], 1, t));
            // an inner dense layer (a MatMul by a weight) against Java from its input and nnviz's weights
            LayerInfo dense = m.layers().stream().filter(l -> l.kind() == LayerKind.DENSE).skip(7).findFirst().orElseThrow();
            String from = m.edges().stream().filter(e -> e.to().equals(dense.id())).findFirst().orElseThrow().from();
            Map<String, Tensor> acts = m.activations(in, List.of(from, dense.id()));
            Tensor x = acts.get(from), w = m.weights(dense.id()).get(0).values(); // ONNX MatMul weight [in, out]
            int in0 = x.shape().dim(2), out0 = w.shape().dim(1);
            float[] y = new float[t * out0];
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < out0; j++) {
                    double s = 0;
                    for (int k = 0; k < in0; k++) {
                        s += x.get(0, i, k) * w.get(k, j);
                    }
                    y[i * out0 + j] = (float) s;
                }
            }
            Corpus.assertClose(Tensor.of(y, 1, t, out0), acts.get(dense.id()), 1e-4, "MatMul " + dense.id());
            List<Tensor> ort = ortOutputs(f, in, m.inputs());
            LayerInfo out = lastLayer(m);
            Corpus.assertClose(ort.get(0), m.activations(in, List.of(out.id())).get(out.id()), 1e-4, "last hidden state");
            assertEquals("[batch_size, sequence_length, 384]", m.shapeOf(m.outputTensor(out.id())), "symbolic dims carried through");
        }
    }

    @Test
    void sileroVadWithItsIfSubgraphsAndFourInputs() throws Exception {
        Path f = Corpus.file("onnx/silero_vad_legacy.onnx");
        try (OnnxModel m = (OnnxModel) NNViz.load(f)) {
            JsonNode o = oracle("silero_vad_legacy");
            assertTrue(m.groups().size() >= 2, "the If's branches are groups: " + m.groups());
            long inBranches = m.layers().stream().filter(l -> l.groupId() != null).count();
            assertTrue(inBranches > 200, inBranches + " layers inside the branches");
            long known = m.layers().stream().filter(l -> l.outputShape() != null).count();
            assertTrue(known >= 0.95 * m.layers().size(), known + " of " + m.layers().size() + " layers have a shape; unknown: "
                    + m.layers().stream().filter(l -> l.outputShape() == null).map(l -> l.id() + " " + l.frameworkType()).limit(30).toList());
            float[] audio = new float[512];
            for (int i = 0; i < audio.length; i++) {
                audio[i] = (float) (0.3 * Math.sin(i * 2 * Math.PI * 220 / 16000) + 0.05 * Math.sin(i * 0.91));
            }
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("input", Tensor.of(audio, 1, 512));
            in.put("sr", Tensor.of(new float[] {16000}));
            in.put("h", Tensor.zeros(2, 1, 64));
            in.put("c", Tensor.zeros(2, 1, 64));
            List<Tensor> ort = ortOutputs(f, in, m.inputs());
            LayerInfo out = m.layers().stream().filter(l -> l.frameworkType().equals("If")).findFirst().orElseThrow();
            Corpus.assertClose(ort.get(0), m.activations(in, List.of(out.id())).get(out.id()), 1e-4, "speech probability");
        }
    }
}
