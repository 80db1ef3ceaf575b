package io.nnviz.cli;

import io.nnviz.testkit.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real-model corpus (corpus/fetch.sh) through the CLI as a user runs it: every format, the
 * TensorFlow and DL4J files made from the fetched models by the backends' own fixtures.
 */
@Tag("corpus")
@Tag("natives")
class CorpusCliTest {
    @TempDir
    Path dir;

    private Path model(String spec) throws Exception {
        return CorpusModels.make(spec, dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"onnx:all-minilm-l6-v2.onnx", "onnx:silero_vad_legacy.onnx", "onnx:ch_ppocr_mobile_v2.0_cls_infer.onnx",
            "onnx:ch_PP-OCRv4_det_infer.onnx", "keras:esrgan-slim-x2.h5", "keras:esrgan-slim-x4.h5", "zip:esrgan-slim-x2",
            "zip:esrgan-slim-x4", "torchscript:antispoof.pt", "torchscript:liveness.pt", "torchscript:resnet18.pt",
            "torchscript:regnet_x_400mf.pt", "savedmodel:emotion", "savedmodel:blazeface", "frozen:antispoof", "frozen:liveness", "tflite:selfie_segmentation.tflite",
            "tflite:face_detection_short_range_int8.tflite"})
    void inspectWritesTheSummaryArchitectureFiltersAndReport(String spec) throws Exception {
        Path m = model(spec);
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("inspect", m, "--out", out, "--format", "svg,html", "--quiet").expect(0);
        List<String> rows = r.out.lines().toList();
        String total = rows.get(rows.size() - 1);
        assertTrue(total.startsWith("Total: "), r.out);
        if (spec.startsWith("tflite:")) { // TFLite counts its parameters by dtype, float and quantized apart
            assertTrue(total.matches("Total: .* parameters \\((float16|int8) [\\d,]+.*; float [\\d,]+, quantized [\\d,]+\\)"), total);
        }
        long layers = Long.parseLong(total.replaceAll("Total: ([\\d,]+) layers.*", "$1").replace(",", ""));
        long tableRows = rows.stream().filter(l -> !l.startsWith("Total: ") && !l.startsWith("Layer")).count() - 1; // less the title
        // one row per layer, or for big models the first and last ones and a line saying how many are left out
        assertEquals(layers <= Summary.MAX_ROWS ? layers : Summary.MAX_ROWS + 1, tableRows, "the table: " + r.out);
        if (layers > Summary.MAX_ROWS) {
            assertTrue(r.out.contains(String.format("... %,d layers not listed here", layers - Summary.MAX_ROWS)), r.out);
        }
        List<String> files = CliRun.files(out);
        assertTrue(files.containsAll(List.of("architecture.svg", "index.html")), files.toString());
        boolean convs = r.out.lines().anyMatch(l -> l.matches("\\S+\\s+conv\\s.*"));
        if (!spec.contains("silero")) { // Silero's convolutions are 1-D (audio): no image grid for their kernels
            assertEquals(convs, files.stream().anyMatch(f -> f.startsWith("filters-")), "a filter grid per conv layer: " + files);
        }
        assertTrue(CliRun.svgs(out).size() >= 1);
        assertTrue(files.stream().allMatch(f -> f.length() < 100), "short file names: " + files);
    }

    @Test
    void anOnnxImageClassifierGetsOcclusionForSaliency() throws Exception {
        Path out = dir.resolve("acts");
        CliRun a = CliRun.of("activations", Corpus.file("onnx/ch_ppocr_mobile_v2.0_cls_infer.onnx"), "--input", CliRun.fashionPng(dir),
                "--size", "192x48", "--channels", "3", "--mean", "0.5", "--std", "0.5", "--out", out, "--quiet").expect(0);
        assertTrue(CliRun.files(out).contains("saliency.svg"), CliRun.files(out).toString());
        String svg = Files.readString(out.resolve("saliency.svg"));
        assertTrue(svg.contains("Occlusion for output"), "titled as occlusion, not gradients");
        assertTrue(CliRun.files(out).stream().filter(f -> f.startsWith("activations-")).count() > 0, CliRun.files(out).toString());
        assertTrue(a.err.isEmpty(), a.err);
    }
}
