package io.nnviz.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SavedModels and frozen graphs through the CLI, written by TensorFlow Java itself (TfFixtures, in the TensorFlow world). */
@Tag("natives")
class TensorFlowFormatsTest {
    @TempDir
    Path dir;

    @Test
    void savedModelAndFrozenGraphInspectAndActivations() throws Exception {
        Path saved = dir.resolve("cnn_saved");
        Path frozen = dir.resolve("frozen_cnn.pb");
        CliRun.inWorld("tensorflow", "io.nnviz.backend.tensorflow.TfFixtures", "savedModel", saved);
        CliRun.inWorld("tensorflow", "io.nnviz.backend.tensorflow.TfFixtures", "frozenCnn", frozen);
        for (Path model : List.of(saved, frozen)) {
            Path out = dir.resolve("out-" + model.getFileName());
            CliRun r = CliRun.of("inspect", model, "--out", out, "--format", "svg,html", "--quiet").expect(0);
            assertTrue(r.out.contains(model == saved ? "TensorFlow SavedModel" : "TensorFlow frozen GraphDef"), r.out);
            assertTrue(r.out.contains("conv1") && r.out.contains(" conv "), r.out);
            List<String> files = CliRun.files(out);
            assertTrue(files.containsAll(List.of("architecture.svg", "filters-conv1.svg", "index.html")), files.toString());
            assertTrue(files.stream().noneMatch(f -> f.endsWith(".png")), "--format svg,html writes no PNG: " + files);
            CliRun.svgs(out);
            Path acts = dir.resolve("acts-" + model.getFileName());
            CliRun a = CliRun.of("activations", model, "--input", CliRun.fashionPng(Files.createDirectories(dir.resolve("img-"
                    + model.getFileName()))), "--out", acts, "--layers", "conv1|pool1", "--quiet").expect(0);
            assertTrue(a.out.isEmpty() || !a.out.contains("Exception"), a.out);
            List<String> af = CliRun.files(acts);
            assertTrue(af.containsAll(List.of("activations-conv1.svg", "activations-pool1.svg", "saliency.svg")), af.toString());
        }
        // a NumPy tensor in the canonical layout instead of an image: one sample without its batch dimension
        float[] px = io.nnviz.testkit.FashionMnist.trainCached(8).image(3);
        Path npy = Files.write(dir.resolve("sample.npy"), DjlFormatsTest.npy(px, 1, 28, 28));
        CliRun n = CliRun.of("activations", frozen, "--input", npy, "--out", dir.resolve("acts-npy"), "--layers", "conv1").expect(0);
        assertTrue(n.out.contains("Top output of"), n.out);
        assertTrue(CliRun.files(dir.resolve("acts-npy")).contains("activations-conv1.svg"));
        Path wrong = Files.write(dir.resolve("wrong.npy"), DjlFormatsTest.npy(new float[10], 1, 10));
        assertTrue(CliRun.of("activations", frozen, "--input", wrong, "--out", dir.resolve("never"), "--quiet").refused(2, "wrong.npy")
                .err.contains("does not fit"));

        // a damaged SavedModel, a truncated graph and random bytes named .pb: refused with the file's name, nothing written
        Path broken = dir.resolve("broken_saved");
        Files.createDirectories(broken);
        byte[] noise = new byte[2048];
        new Random(5).nextBytes(noise);
        Files.write(broken.resolve("saved_model.pb"), noise);
        CliRun.of("inspect", broken, "--out", dir.resolve("never")).refused(3, "broken_saved");
        byte[] whole = Files.readAllBytes(frozen);
        Path cut = Files.write(dir.resolve("cut.pb"), Arrays.copyOf(whole, whole.length / 2));
        CliRun.of("inspect", cut, "--out", dir.resolve("never")).refused(3, "cut.pb");
        noise[0] = 0x0A; // looks like a GraphDef's first field: the parser must still refuse it
        Path random = Files.write(dir.resolve("random.pb"), noise);
        CliRun.of("inspect", random, "--out", dir.resolve("never")).refused(3, "random.pb");
        assertEquals(List.of(), CliRun.files(dir.resolve("never")));
    }

    /**
     * Run as a user runs it (a JVM of its own, no TF_CPP_MIN_LOG_LEVEL set): TensorFlow's native log
     * lines stay off stderr, and --verbose brings them back.
     */
    @Test
    void tensorFlowsNativeLogLinesStayOffTheTerminalUnlessVerbose() throws Exception {
        Path saved = dir.resolve("cnn_saved");
        CliRun.inWorld("tensorflow", "io.nnviz.backend.tensorflow.TfFixtures", "savedModel", saved);
        String[] quiet = process("inspect", saved.toString(), "--out", dir.resolve("q").toString(), "--format", "svg");
        assertEquals("0", quiet[0], quiet[2]);
        assertTrue(quiet[1].contains("conv1"), "the summary still reaches stdout: " + quiet[1]);
        assertTrue(!quiet[2].contains("tensorflow/") && !quiet[2].contains("absl") && !quiet[2].contains("I0000"),
                "no native log lines: " + quiet[2]);
        assertTrue(quiet[2].contains("Wrote "), "nnviz's own messages still pass: " + quiet[2]);
        String[] loud = process("inspect", saved.toString(), "--out", dir.resolve("v").toString(), "--format", "svg", "--verbose");
        assertEquals("0", loud[0], loud[2]);
        assertTrue(loud[2].contains("tensorflow/"), "--verbose shows TensorFlow's own lines: " + loud[2]);
    }

    /** The CLI's main in a new JVM on this test's class path, without TF_CPP_MIN_LOG_LEVEL: {exit code, stdout, stderr}. */
    private String[] process(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove(QuietNatives.ENV);
        Path out = dir.resolve("stdout.txt"), err = dir.resolve("stderr.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        int code = p.waitFor();
        return new String[] {String.valueOf(code), Files.readString(out), Files.readString(err)};
    }
}
