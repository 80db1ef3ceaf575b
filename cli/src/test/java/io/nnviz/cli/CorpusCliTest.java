package io.nnviz.cli;

import io.nnviz.testkit.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

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

    /**
     * Every model file of the corpus's folders, whatever its format, and the TensorFlow and DL4J
     * files made from fetched ones: a model added to the corpus is run here without a line of
     * this test.
     */
    static Stream<String> models() throws Exception {
        List<String> specs = new ArrayList<>(List.of("zip:esrgan-slim-x2", "zip:esrgan-slim-x4", "savedmodel:emotion", "savedmodel:blazeface",
                "frozen:antispoof", "frozen:liveness"));
        for (String folder : List.of("onnx", "keras", "torchscript", "checkpoints", "checkpoints-legacy", "safetensors", "tflite", "gguf")) {
            Path d = Corpus.dir().resolve(folder);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.list(d)) {
                s.filter(Files::isRegularFile).map(f -> f.getFileName().toString())
                        .filter(n -> !n.endsWith(".json") && !n.endsWith(".npy") && !n.startsWith("."))
                        .sorted().forEach(n -> specs.add(folder + ":" + n));
            }
        }
        return specs.stream();
    }

    @ParameterizedTest
    @MethodSource("models")
    void inspectWritesTheSummaryArchitectureFiltersAndReport(String spec) throws Exception {
        Path m = model(spec);
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("inspect", m, "--out", out, "--format", "svg,html", "--quiet", "--layout-quality").expect(0);
        assertReadable(spec, r.out.lines().filter(l -> l.startsWith("layout: ")).toList());
        List<String> rows = r.out.lines().filter(l -> !l.startsWith("layout: ")).toList();
        String total = rows.get(rows.size() - 1);
        assertTrue(total.startsWith("Total: "), r.out);
        // a model stored in other types than float32 gives its totals by type, and they add up to the total
        Matcher parts = Pattern.compile("Total: [\\d,]+ layers, ([\\d,]+) parameters(?: \\((.*)\\))?").matcher(total);
        assertTrue(parts.matches(), total);
        if (parts.group(2) != null) {
            long sum = 0;
            for (String part : parts.group(2).split(", ")) {
                assertTrue(part.matches("[\\d,]+ (quantized )?[a-z0-9_]+"), total);
                sum += Long.parseLong(part.split(" ")[0].replace(",", ""));
            }
            assertEquals(Long.parseLong(parts.group(1).replace(",", "")), sum, total);
        }
        long layers = Long.parseLong(total.replaceAll("Total: ([\\d,]+) layers.*", "$1").replace(",", ""));
        assertShapesWhole(spec, rows);
        long tableRows = rows.stream().filter(l -> !l.startsWith("Total: ") && !l.startsWith("Layer") && !l.startsWith(FREE_DIMENSIONS))
                .count() - 1; // less the title
        // one row per layer, or for big models the first and last ones and a line saying how many are left out
        assertEquals(layers <= Summary.MAX_ROWS ? layers : Summary.MAX_ROWS + 1, tableRows, "the table: " + r.out);
        if (layers > Summary.MAX_ROWS) {
            assertTrue(r.out.contains(String.format("... %,d layers not listed here", layers - Summary.MAX_ROWS)), r.out);
        }
        List<String> files = CliRun.files(out);
        assertTrue(files.containsAll(List.of("architecture.svg", "index.html")), files.toString());
        boolean convs = r.out.lines().anyMatch(l -> l.matches("\\S+\\s+conv\\s.*"));
        // a conv whose output has four dimensions is a 2-D one, whose kernels make an image grid (1-D audio convs do not)
        boolean convs2d = r.out.lines().anyMatch(l -> l.matches("\\S+\\s+conv\\s+\\[[^,\\]]+(, [^,\\]]+){3}\\].*"));
        boolean grids = files.stream().anyMatch(f -> f.startsWith("filters-"));
        assertTrue(!convs2d || grids, "a filter grid for the 2-D convolutions: " + files);
        assertTrue(!grids || convs, "filter grids only for a model with convolutions: " + files);
        assertTrue(CliRun.svgs(out).size() >= 1);
        assertTrue(files.stream().allMatch(f -> f.length() < 100), "short file names: " + files);
    }

    private static final String FREE_DIMENSIONS = "Free dimensions shown short: ";

    /**
     * Every row's output shape is whole, with its symbolic dimensions by name: a name longer than a
     * column can hold shows short, and the line above the table says what each short one stands for.
     */
    private static void assertShapesWhole(String spec, List<String> rows) {
        Map<String, String> key = new HashMap<>();
        rows.stream().filter(l -> l.startsWith(FREE_DIMENSIONS)).findFirst().ifPresent(line -> {
            for (String e : line.substring(FREE_DIMENSIONS.length()).split(", ")) {
                String[] kv = e.split(" = ", 2);
                assertTrue(kv.length == 2 && kv[0].matches("D\\d+") && kv[1].length() > 3 && key.put(kv[0], kv[1]) == null, spec + ": the key " + line);
            }
        });
        Pattern row = Pattern.compile("^(.+?)  +([a-z_]+)  +(\\[.*?\\]|\\?)( measured)?  +[\\d,]+$");
        int header = rows.indexOf(rows.stream().filter(l -> l.matches("Layer +Kind +Output shape +Parameters")).findFirst().orElseThrow());
        Set<String> used = new HashSet<>();
        for (String l : rows.subList(header + 1, rows.size() - 1)) {
            if (l.startsWith("... ")) {
                continue;
            }
            Matcher m = row.matcher(l);
            assertTrue(m.matches(), spec + ": a row whose shape is not whole: " + l);
            if (m.group(3).length() > 2) {
                for (String d : m.group(3).substring(1, m.group(3).length() - 1).split(", ")) {
                    assertTrue(d.matches("-?\\d+|\\?") || d.length() <= 16 || key.containsKey(d), spec + ": dimension " + d + " in " + l);
                    assertTrue(key.isEmpty() || !d.matches("D\\d+") || key.containsKey(d), spec + ": short name " + d + " not in the key");
                    used.add(d);
                }
            }
        }
        assertTrue(used.containsAll(key.keySet()), spec + ": the key names only dimensions the table shows: " + key.keySet());
    }

    /**
     * Issue 30's thresholds for the architecture at the default depth, on every corpus model:
     * edges point down (data flows down the page), few crossings, no box inside a frame of a group
     * it is not in, no page wider than 3 times its height, few names cut to fit, the title whole.
     */
    private static void assertReadable(String spec, List<String> layout) {
        assertEquals(2, layout.size(), "the header and one row: " + layout);
        String[] h = layout.get(0).substring(8).trim().split("\\s+"), v = layout.get(1).substring(8).trim().split("\\s+");
        String[] cells = Arrays.copyOfRange(v, v.length - h.length + 1, v.length); // the model's name may hold spaces
        Map<String, String> row = new HashMap<>();
        for (int i = 1; i < h.length; i++) {
            row.put(h[i], cells[i - 1].replace("%", ""));
        }
        int boxes = Integer.parseInt(row.get("boxes"));
        assertTrue(Double.parseDouble(row.get("down")) >= 95, spec + ": edges pointing down " + layout.get(1));
        assertTrue(Double.parseDouble(row.get("cross/e")) <= 0.5, spec + ": crossings per edge " + layout.get(1));
        assertEquals(100.0, Double.parseDouble(row.get("purity")), spec + ": boxes inside frames of groups they are not in " + layout.get(1));
        // a page of a few boxes is as wide as its title: the bound is for graphs
        assertTrue(boxes < 5 || Double.parseDouble(row.get("w/h")) <= 3, spec + ": a page wider than 3 times its height " + layout.get(1));
        assertTrue(Integer.parseInt(row.get("cut")) <= Math.max(2, boxes / 10), spec + ": names cut to fit " + layout.get(1));
        assertEquals("ok", row.get("title"), spec + ": the title " + layout.get(1));
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
