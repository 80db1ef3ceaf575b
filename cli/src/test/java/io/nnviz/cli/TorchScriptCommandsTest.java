package io.nnviz.cli;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 26: {@code activations} and {@code attribute} on a TorchScript file, whose layers run inside
 * the script (libtorch runs it whole), on the DJL backend's PyTorch-made fixture and a real
 * Fashion-MNIST image. Reports are read with an HTML5 parser.
 */
@Tag("natives")
class TorchScriptCommandsTest {
    @TempDir
    Path dir;

    /** The notices on stderr: lines starting "nnviz: " (the progress bar's lines aside). */
    private static List<String> notices(CliRun r) {
        return r.err.lines().flatMap(l -> java.util.Arrays.stream(l.split("\r"))).map(String::strip).filter(l -> l.startsWith("nnviz: "))
                .toList();
    }

    @Test
    void activationsByDefaultShowTheInputAndTheOutputAndSayWhy() throws Exception {
        Path pt = CliRun.fixture("backend-djl/src/test/resources/torchscript/small_cnn.pt", dir), out = dir.resolve("acts");
        Path img = CliRun.fashionPng(dir);
        CliRun r = CliRun.of("activations", pt, "--input", img, "--out", out).expect(0);
        assertEquals(List.of("nnviz: small_cnn.pt is TorchScript: its inner layers run inside the script, so the activations shown are"
                + " its input's and its output's"), notices(r), r.err);
        List<String> files = CliRun.files(out);
        assertTrue(files.containsAll(List.of("activations-input.svg", "activations-output.svg", "saliency.svg", "index.html")),
                files.toString());
        assertFalse(files.stream().anyMatch(f -> f.startsWith("activations-conv") || f.startsWith("activations-fc")), files.toString());
        assertTrue(r.out.contains("Top output of output: "), r.out);
        CliRun.svgs(out);
        Document html = Jsoup.parse(out.resolve("index.html").toFile(), "UTF-8");
        Element acts = html.select("section").stream().filter(s -> s.selectFirst("h2") != null
                && s.selectFirst("h2").text().equals("Activations")).findFirst().orElseThrow(() -> new AssertionError(html.select("h2")));
        assertTrue(acts.select("p").text().contains("its inner layers run inside the script"), "the notice in the report");
        // the input's map (1 channel of 28 x 28) and the output's 3 scores, drawn inline
        List<String> captions = acts.select("figure figcaption").eachText();
        assertEquals(2, captions.size(), captions.toString());
        assertTrue(captions.get(0).startsWith("input [1, 28, 28]") && captions.get(1).startsWith("output [3]"), captions.toString());
        assertEquals(2, acts.select("figure svg").size());
        // a layer asked for by name that runs inside the script is still an error naming it
        CliRun named = CliRun.of("activations", pt, "--input", img, "--layers", "conv", "--out", dir.resolve("never"), "--quiet")
                .refused(3, "small_cnn.pt");
        assertTrue(named.err.contains("layer 'conv' runs inside the script"), named.err);
    }

    @Test
    void attributeSaysWhichDefaultMethodsItSkippedAndRanksTheRestInTheReport() throws Exception {
        Path pt = CliRun.fixture("backend-djl/src/test/resources/torchscript/small_cnn.pt", dir), out = dir.resolve("attr");
        // --quiet: what was not run is part of the result, said even then
        CliRun r = CliRun.of("attribute", pt, "--input", CliRun.fashionPng(dir), "--input-shape", "1,1,28,28", "--steps", "8", "--out", out,
                "--quiet").expect(0);
        List<String> notRun = r.out.lines().filter(l -> l.startsWith("Not run: ")).toList();
        assertEquals(1, notRun.size(), r.out);
        assertTrue(notRun.get(0).startsWith("Not run: Grad-CAM++ (a default method): ") && notRun.get(0).contains("LAYER_GRADIENT"),
                notRun.get(0));
        // the printed ranking: the reference and the three default methods the model has gradients for
        List<String> methods = List.of("random (reference)", "Integrated Gradients", "SmoothGrad", "Occlusion");
        Document html = Jsoup.parse(out.resolve("index.html").toFile(), "UTF-8");
        Element table = html.selectFirst("table#tab-ranking");
        assertNotNull(table, "the ranking table in the report");
        assertEquals(List.of("Method", "Deletion", "Insertion", "Seconds"), table.select("thead th").eachText().subList(1, 5));
        List<Element> rows = table.select("tbody tr");
        assertEquals(methods.size(), rows.size(), table.outerHtml());
        for (int i = 0; i < methods.size(); i++) {
            String method = methods.get(i);
            String printed = r.out.lines().filter(l -> l.startsWith(method)).findFirst().orElseThrow(() -> new AssertionError(method + r.out));
            List<String> cells = rows.get(i).select("td").stream().map(Element::text).toList(); // the first: its box
            assertEquals(method, cells.get(1));
            // the same numbers as printed, column by column
            assertEquals(List.of(printed.substring(22).trim().split("\\s+")), cells.subList(2, 5), method);
            double deletion = Double.parseDouble(cells.get(2)), insertion = Double.parseDouble(cells.get(3));
            assertTrue(deletion >= 0 && deletion <= 1 && insertion >= 0 && insertion <= 1, cells.toString());
        }
        Element section = table.parents().stream().filter(e -> e.tagName().equals("section")).findFirst().orElseThrow();
        assertEquals("Ranking", section.selectFirst("h2").text());
        assertTrue(section.select("p").eachText().contains(notRun.get(0)), "the method not run, said in the report: " + section.text());
        assertTrue(html.text().contains("lower deletion and higher insertion are more faithful"));
        // and nothing on stderr with --quiet
        assertTrue(r.err.isBlank(), r.err);
    }
}
