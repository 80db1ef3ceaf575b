package io.nnviz.renderers;

import io.nnviz.api.Group;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.spi.ModelBuilder;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.renderers.figures.FilterGrid;
import io.nnviz.renderers.figures.LineChart;
import io.nnviz.renderers.report.HtmlReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HtmlReportTest {
    @TempDir
    Path dir;

    private HtmlReport report(ModelView m) {
        return HtmlReport.titled("Run <1> & \"friends\"").model(m)
                .section("Architecture").figure("architecture", ArchitectureDiagram.of(m).build())
                .section("Filters").figure("conv filters", FilterGrid.of(TileFiguresTest.random(1, 8, 1, 5, 5)).build())
                .figure("conv filters", FilterGrid.of(TileFiguresTest.random(2, 8, 1, 3, 3)).build())
                .section("Training").figure("loss", LineChart.titled("Loss").series("train", new double[] {1, 2, 3},
                        new double[] {3, 2, 1}).build());
    }

    /**
     * 249 identical blocks of four layers: the view of every layer (998 boxes, the most a view of
     * every layer is drawn for, in 249 frames: tens of thousands of units tall) would be a PNG drawn
     * at a quarter of its size at most, so it gets none and its caption says so, while its SVG is
     * written; the view shown first (the blocks) keeps its PNG, which a command writes as
     * architecture.png.
     */
    @Test
    void aViewTooLargeToRasterLegiblyIsWrittenAsSvgAloneAndSaysSo() throws Exception {
        ModelView m = ArchitectureDiagramTest.blocks(249);
        assertEquals(998, m.layers().size(), "within the 1,000 layers a view of every layer is drawn for");
        Path index = HtmlReport.titled("stack").model(m).section("Architecture").architecture(m).write(dir.resolve("big"));
        Path figures = index.getParent().resolve("figures");
        String html = Files.readString(index);
        assertTrue(ImageIO.read(figures.resolve("architecture.png").toFile()).getWidth() > 50, "the first view's PNG");
        Svg.parse(Files.readString(figures.resolve("architecture-every-layer.svg")));
        assertFalse(Files.exists(figures.resolve("architecture-every-layer.png")), "no unreadable PNG");
        Matcher said = Pattern.compile("no PNG: within its 16-megapixel limit it would be drawn at (\\d+)% of its size").matcher(html);
        assertTrue(said.find(), "the caption says why");
        assertTrue(Integer.parseInt(said.group(1)) < 50, "under half its size: " + said.group());
        assertFalse(html.contains("href=\"figures/architecture-every-layer.png\""), "and links no PNG");
    }

    /**
     * Past 1,000 layers no view of more than 1,000 boxes and frames is drawn: 2 stages of 520
     * different blocks (2,082 layers) get their first depth alone, as "depth 1 of 1", with no view
     * of every layer; 2 stages of 400 blocks of 3 layers (2,402) keep their second depth's 800
     * blocks, the last view.
     */
    @Test
    void pastAThousandLayersNoViewOfOverAThousandBoxesIsDrawn() throws Exception {
        ModelView wide = stages(2, 520, 2);
        assertEquals(2_082, wide.layers().size());
        assertEquals(List.of("depth 1 of 1"), viewLabels(wide, "wide"));
        ModelView deep = stages(2, 400, 3);
        assertEquals(2_402, deep.layers().size());
        assertEquals(List.of("depth 1 of 2", "depth 2 of 2"), viewLabels(deep, "deep"));
        try (Stream<Path> files = Files.list(dir.resolve("deep/figures"))) {
            assertEquals(List.of("architecture-depth-2-of-2.svg", "architecture.png", "architecture.svg"),
                    files.map(f -> f.getFileName().toString()).sorted().toList(), "the view shown first (depth 1) is named architecture, the other by its label");
        }
    }

    /** The labels of the views a report of {@code m} draws, in order, each drawn as an SVG with as many boxes as it says. */
    private List<String> viewLabels(ModelView m, String name) throws IOException {
        String html = Files.readString(HtmlReport.titled(name).section("Architecture").architecture(m).write(dir.resolve(name)));
        List<String> labels = new ArrayList<>();
        Matcher view = Pattern.compile("<figure class=\"view\" data-label=\"([^\"]+)\"").matcher(html);
        while (view.find()) {
            labels.add(view.group(1));
        }
        for (String svg : html.split("<figure class=\"view\"")) {
            assertTrue(count(svg, "class=\"node\"") <= 1_000, "a view of over 1,000 boxes drawn");
        }
        return labels;
    }

    /**
     * input -> {@code stages} stages of {@code blocks} blocks of {@code layers} dense layers -> output, each
     * block a different width (none folded with the next): groups two deep.
     */
    static ModelView stages(int stages, int blocks, int layers) {
        ModelBuilder b = ModelBuilder.of("stages");
        b.layer(LayerInfo.builder("in", LayerKind.INPUT).build());
        String prev = "in";
        for (int s = 0; s < stages; s++) {
            for (int k = 0; k < blocks; k++) {
                String block = "stage" + s + "/block" + k;
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < layers; i++) {
                    String id = block + "/dense" + i;
                    b.layer(LayerInfo.builder(id, LayerKind.DENSE).group(block).weight(new WeightSpec(
                            "W", WeightRole.KERNEL, Shape.of(2 + s * blocks + k, 8))).build()).edge(prev, id);
                    ids.add(id);
                    prev = id;
                }
                b.group(new Group(block, "block" + k, "Block", "stage" + s, ids));
            }
            b.group(new Group("stage" + s, "stage" + s, "Stage", null, List.of()));
        }
        b.layer(LayerInfo.builder("out", LayerKind.OUTPUT).build()).edge(prev, "out");
        return b.build();
    }

    @Test
    void selfContainedPageWithEveryFigureInlineAndAsFiles() throws Exception {
        ModelView m = ArchitectureDiagramTest.chain(7, "<L>");
        Path index = report(m).write(dir.resolve("out"));
        String html = Files.readString(index);
        assertTrue(html.contains("<title>Run &lt;1&gt; &amp; &quot;friends&quot;</title>"));
        assertEquals(4, count(html, "<svg "), "four inline figures");
        for (String slug : List.of("architecture", "conv-filters", "conv-filters-2", "loss")) {
            Path svg = index.getParent().resolve("figures/" + slug + ".svg");
            Svg.parse(Files.readString(svg));
            assertTrue(ImageIO.read(index.getParent().resolve("figures/" + slug + ".png").toFile()).getWidth() > 50);
            assertTrue(html.contains("href=\"figures/" + slug + ".svg\""));
        }
        // the summary table lists every layer and the total
        assertEquals(1 + 1, count(html, "<tr>"), "header and total (a hand-built model has no properties)");
        assertEquals(7, count(html, "<tr data-layer="), "a row per layer, with its id for the viewer");
        assertTrue(html.contains("&lt;L&gt;3"));
        // no request can leave the page: no http(s) URLs except XML namespace names, no scripts
        Matcher u = Pattern.compile("(?:src|href)=\"(https?:[^\"]*)\"").matcher(html);
        assertFalse(u.find(), "external reference " + (u.find(0) ? u.group(1) : ""));
        assertEquals(1, count(html, "<script"), "the viewer's script, and no other");
        assertTrue(html.contains("default-src 'none'"), "CSP forbids any fetch");
        // the one script is allowed by its hash, and the hash is the script's
        Matcher csp = Pattern.compile("script-src 'sha256-([A-Za-z0-9+/=]+)'").matcher(html);
        assertTrue(csp.find(), "CSP names the script's hash");
        String script = html.substring(html.indexOf("<script>") + 8, html.indexOf("</script>"));
        assertEquals(java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256")
                .digest(script.getBytes(java.nio.charset.StandardCharsets.UTF_8))), csp.group(1));
        // every table-of-contents link has its target
        Matcher toc = Pattern.compile("<a href=\"#([^\"]+)\"").matcher(html);
        int links = 0;
        while (toc.find()) {
            assertTrue(html.contains("id=\"" + toc.group(1) + "\""), "TOC target " + toc.group(1));
            links++;
        }
        assertEquals(4, links);
        try (Stream<Path> files = Files.walk(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temp files left behind");
        }
    }

    /** Issue 30: drawing ahead (views laid out and figures drawn while the application goes on) writes the very same report. */
    @Test
    void drawnAheadTheReportIsTheSameByteForByte() throws Exception {
        ModelView m = ArchitectureDiagramTest.chain(30, "L");
        HtmlReport plain = HtmlReport.titled("r").section("Architecture").architecture(m).section("Filters")
                .figure("filters", FilterGrid.of(TileFiguresTest.random(1, 8, 1, 5, 5)).build()).pngScale(1.5);
        plain.write(dir.resolve("plain"));
        HtmlReport ahead = HtmlReport.titled("r").section("Architecture").architecture(m).drawAhead();
        ahead.section("Filters").figure("filters", FilterGrid.of(TileFiguresTest.random(1, 8, 1, 5, 5)).build()).drawAhead();
        ahead.pngScale(1.5).write(dir.resolve("ahead")); // a scale set after drawing ahead still holds: those PNGs are drawn again
        List<String> files = files(dir.resolve("plain"));
        assertEquals(files, files(dir.resolve("ahead")));
        assertTrue(files.contains("figures/architecture.png") && files.contains("figures/filters.png"), files.toString());
        for (String f : files) {
            assertEquals(-1L, Files.mismatch(dir.resolve("plain").resolve(f), dir.resolve("ahead").resolve(f)), f);
        }
    }

    private static List<String> files(Path d) throws IOException {
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(Files::isRegularFile).map(p -> d.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void anUnwritableFolderIsAClearErrorAndLeavesNoIndex() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        IOException e = assertThrows(IOException.class, () -> report(ArchitectureDiagramTest.chain(3, "L")).write(file.resolve("report")));
        assertTrue(e.getMessage().contains("not-a-folder"), e.getMessage());
        assertFalse(Files.exists(file.resolveSibling("index.html")));
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
