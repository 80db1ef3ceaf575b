package io.nnviz.cli;

import io.nnviz.testkit.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code nnviz attribute} and {@code nnviz attention} as a user runs them, on real files. */
@Tag("natives")
class AttributionCommandsTest {
    @TempDir
    Path dir;

    @Test
    void attributeWritesEachMethodWithItsCurvesAndRanksThem() throws Exception {
        Path pt = CliRun.fixture("backend-djl/src/test/resources/torchscript/small_cnn.pt", dir);
        Path img = CliRun.fashionPng(dir);
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("attribute", pt, "--input", img, "--input-shape", "1,1,28,28", "--methods", "ig,smoothgrad,ixg,occlusion",
                "--steps", "16", "--out", out, "--quiet").expect(0);
        List<String> files = CliRun.files(out);
        assertTrue(files.containsAll(List.of("attribution-ig.svg", "attribution-smoothgrad.svg", "attribution-ixg.svg",
                "attribution-occlusion.svg", "index.html")), files.toString());
        for (String method : List.of("random (reference)", "Integrated Gradients", "SmoothGrad", "Input x Gradient", "Occlusion")) {
            String row = r.out.lines().filter(l -> l.startsWith(method)).findFirst().orElseThrow(() -> new AssertionError(method + ": " + r.out));
            String[] cols = row.substring(22).trim().split("\\s+");
            double deletion = Double.parseDouble(cols[0]), insertion = Double.parseDouble(cols[1]);
            assertTrue(deletion >= 0 && deletion <= 1 && insertion >= 0 && insertion <= 1, row);
        }
        String svg = java.nio.file.Files.readString(out.resolve("attribution-ig.svg"));
        assertTrue(svg.contains("deletion ") && svg.contains("insertion ") && svg.contains("signed"), "curves and the signed map");
        CliRun.svgs(out);
        // a method the model cannot give is said in one line, the others are still written
        CliRun cam = CliRun.of("attribute", pt, "--input", img, "--input-shape", "1,1,28,28", "--methods", "gradcam,ig", "--steps", "4",
                "--out", dir.resolve("cam"));
        cam.expect(0);
        assertTrue(cam.err.contains("no Grad-CAM for small_cnn.pt"), cam.err);
        assertTrue(CliRun.files(dir.resolve("cam")).contains("attribution-ig.svg"));
    }

    /** {@code --sanity} on a real TorchScript classifier: each method's rank correlation with its randomised model, in the table and the figure. */
    @Test
    @Tag("corpus")
    void attributeSanityReportsTheModelRandomisationCheck() throws Exception {
        Path out = dir.resolve("sanity");
        CliRun r = CliRun.of("attribute", Corpus.file("torchscript/antispoof.pt"), "--input", Corpus.file("torchscript/antispoof.input.npy"),
                "--methods", "smoothgrad,occlusion", "--sanity", "--out", out, "--quiet").expect(0);
        assertTrue(r.out.contains("Randomised"), r.out);
        for (String method : List.of("SmoothGrad", "Occlusion")) {
            String row = r.out.lines().filter(l -> l.startsWith(method)).findFirst().orElseThrow(() -> new AssertionError(method + ": " + r.out));
            String[] cols = row.substring(22).trim().split("\\s+");
            assertEquals(5, cols.length, row);
            double rho = Double.parseDouble(cols[3]);
            assertTrue(rho >= -1 && rho <= 1, row);
            assertEquals(rho < 0.5 ? "passes" : "fails", cols[4], "the check's verdict beside its number: " + row);
        }
        String svg = java.nio.file.Files.readString(out.resolve("attribution-smoothgrad.svg"));
        assertTrue(svg.contains("Model randomisation check: "), "the check and its verdict under the figure");
    }

    @Test
    @Tag("corpus")
    void attentionDrawsTheModelViewAHeadViewPerLayerAndChosenHeads() throws Exception {
        Path onnx = Corpus.file("onnx/all-minilm-l6-v2.onnx");
        Path out = dir.resolve("att");
        // its tokenizer is found beside it as all-minilm-l6-v2-tokenizer.json
        CliRun r = CliRun.of("attention", onnx, "--text", "The quick brown fox jumps over the lazy dog.", "--head", "2,0", "--out", out,
                "--quiet").expect(0);
        assertTrue(r.out.contains("6 attention layers x 12 heads over 12 tokens"), r.out);
        assertTrue(r.out.contains("Tokens: [CLS] the quick brown fox jumps over the lazy dog . [SEP]"), r.out);
        List<String> files = CliRun.files(out);
        for (String f : List.of("attention-model.svg", "attention-layer-0.svg", "attention-layer-5.svg", "attention-2-0.svg", "index.html")) {
            assertTrue(files.contains(f), f + " in " + files);
        }
        assertEquals(6, files.stream().filter(f -> f.matches("attention-layer-\\d\\.svg")).count());
        CliRun.svgs(out);
        CliRun.of("attention", onnx, "--text", "hi", "--head", "9,0", "--out", dir.resolve("never"), "--quiet").refused(2, "--head 9,0");
        CliRun.of("attention", onnx, "--text", " ", "--out", dir.resolve("never")).refused(2, "--text");
        CliRun.of("attention", onnx, "--text", "hi", "--tokenizer", dir.resolve("none.json"), "--out", dir.resolve("never")).refused(2, "none.json");
        Path silero = Corpus.file("onnx/silero_vad_legacy.onnx");
        CliRun.of("attention", silero, "--text", "hi", "--tokenizer", Corpus.file("onnx/all-minilm-l6-v2-tokenizer.json"), "--out",
                dir.resolve("never")).refused(3, "attention softmax");
        assertEquals(List.of(), CliRun.files(dir.resolve("never")));
    }
}
