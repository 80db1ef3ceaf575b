package io.nnviz.recording.view;

import io.nnviz.api.Histogram;
import io.nnviz.api.Tensor;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.analysis.Curve;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.recording.run.RunLog;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.Figures;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The comparison's table cells, its thinning of many runs' curves, and its weights across runs. */
class RunComparisonTest {
    private static MutableRunLog run(String name, double lr, int steps) {
        MutableRunLog log = MutableRunLog.create(RunInfo.named(name).with(Map.of("lr", lr), List.of(), List.of()), 1000);
        for (int s = 1; s <= steps; s++) {
            log.scalar("loss", s, 1.0 / s);
            log.advance(s, 0);
        }
        return log;
    }

    @Test
    void hyperparametersKeepTheUsersFormUnlessALongDouble() {
        assertEquals("0.01", RunsTable.hyperparameter(0.01));
        assertEquals("3.0E-4", RunsTable.hyperparameter(3.0e-4));
        assertEquals("0.000158489", RunsTable.hyperparameter(1.5848931924611136E-4));
        assertEquals("0.333333", RunsTable.hyperparameter(1.0 / 3));
        assertEquals("1.23457e-07", RunsTable.hyperparameter(1.2345678901234e-7));
        assertEquals("128", RunsTable.hyperparameter(128));
        assertEquals("adam", RunsTable.hyperparameter("adam"));
        assertEquals("", RunsTable.hyperparameter(null));
    }

    @Test
    void manyRunsCurvesAreThinnedEvenlyWithTheirFirstAndLastPoints() {
        List<RunLog> few = List.of(run("a", 0.1, 500), run("b", 0.2, 500));
        assertEquals(Integer.MAX_VALUE, RunComparison.thinnedTo(few), "1,000 points drawn in full");
        List<RunLog> many = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            many.add(run("r" + i, 0.1, 1000));
        }
        int n = RunComparison.thinnedTo(many);
        assertEquals(RunComparison.CHART_POINTS / 300, n);
        Curve thin = RunComparison.thin(many.get(0).stepSeries("loss"), n);
        assertEquals(n, thin.size());
        assertEquals(1, thin.x(0));
        assertEquals(1000, thin.x(n - 1));
        for (int i = 0; i < n; i++) {
            assertEquals(1.0 / thin.x(i), thin.y(i), 0, "each kept point is a logged one");
        }
        // the table still has each run's own last value
        RunComparison.Table t = RunComparison.of(many).table();
        int last = t.header().indexOf("loss (last)");
        assertEquals(String.format(Locale.ROOT, "%.6g", 1.0 / 1000), t.rows().get(0).get(last));
    }

    @Test
    void aWeightRecordedByTwoRunsIsComparedAcrossThem() {
        MutableRunLog a = run("a", 0.1, 10), b = run("b", 0.2, 10), c = run("c", 0.3, 10);
        Tensor w = Tensor.of(new float[] {-1, 0, 1, 2}, 4);
        a.histogram("dense / kernel", 10, Histogram.of(w, 8));
        b.histogram("dense / kernel", 10, Histogram.of(w, 8));
        c.histogram("other / kernel", 10, Histogram.of(w, 8));
        List<RunFigures.Entry> entries = RunComparison.of(List.of(a, b, c)).entries(7);
        List<String> weights = entries.stream().filter(e -> e.section().equals(RunComparison.WEIGHTS)).map(RunFigures.Entry::title).toList();
        assertEquals(List.of("dense / kernel across 2 runs (latest of each)"), weights, "a weight one run has is not compared");
        String svg = Figures.toSvg(entries.stream().filter(e -> e.section().equals(RunComparison.WEIGHTS))
                .findFirst().orElseThrow().figure());
        assertTrue(svg.contains("<title>a (step 10)</title>") && svg.contains("<title>b (step 10)</title>"), "a ridge per run");
        assertTrue(entries.stream().allMatch(e -> e.version() == 7), "every figure carries the given version");
    }

    @Test
    void eachVaryingHyperparameterIsScatteredAgainstEachMetricTheTargetFirst() {
        List<MutableRunLog> runs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            MutableRunLog r = MutableRunLog.create(RunInfo.named("r" + i).with(Map.of("lr", 0.1 * (i + 1), "batch", 32), List.of(), List.of()), 100);
            r.scalar("loss", 1, 1.0 / (i + 1));
            r.epochScalar("validation/accuracy", 0, 0.5 + 0.1 * i);
            runs.add(r);
        }
        List<String> scatters = RunComparison.of(runs).entries(0).stream().filter(e -> e.id().startsWith("hp-") && !e.id().equals("hp-parallel"))
                .map(RunFigures.Entry::id).toList();
        assertEquals(List.of("hp-lr", "hp-lr-vs-loss"), scatters, "lr against the target (validation accuracy), then the loss; batch never varies");
        String svg = Figures.toSvg(RunComparison.of(runs).entries(0).stream().filter(e -> e.id().equals("hp-lr-vs-loss"))
                .findFirst().orElseThrow().figure());
        assertTrue(svg.contains("lr against loss"), "titled by its pair");

        for (MutableRunLog r : runs) { // many metrics: the first 24 pairs drawn, the rest said
            for (int m = 0; m < 30; m++) {
                r.scalar("metric" + m, 1, m);
            }
        }
        List<RunFigures.Entry> all = RunComparison.of(runs).entries(0);
        long drawn = all.stream().filter(e -> e.section().equals(RunComparison.HYPERPARAMETERS) && e.id().startsWith("hp-lr")).count();
        assertEquals(RunComparison.SCATTERS, drawn);
        String more = Figures.toSvg(all.stream().filter(e -> e.id().equals("hp-more")).findFirst().orElseThrow().figure());
        assertTrue(more.contains("8 more pairs"), more);
    }

    /** A run as DL4J records it (per-layer learning rates and update ratios) or as DJL does (neither), both with validation accuracy. */
    private static RunLog framework(String name, boolean dl4j) {
        MutableRunLog r = MutableRunLog.create(RunInfo.named(name).with(Map.of("lr", dl4j ? 0.1 : 0.01), List.of(), List.of()), 100);
        for (int s = 1; s <= 5; s++) {
            r.scalar("loss", s, 1.0 / s);
            if (dl4j) {
                r.scalar("learning_rate/0", s, 0.1);
                r.scalar("learning_rate/1", s, 0.1);
                r.scalar("update_ratio/0/W", s, -3);
            }
        }
        r.epochScalar("validation/accuracy", 0, dl4j ? 0.8 : 0.7);
        return r;
    }

    /** The colour of each legend entry of a figure, by its series' name. */
    private static Map<String, String> legendColours(Figure f) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        Document d = dbf.newDocumentBuilder().parse(new ByteArrayInputStream(
                Figures.toSvg(f).getBytes(StandardCharsets.UTF_8)));
        Map<String, String> out = new LinkedHashMap<>();
        NodeList gs = d.getElementsByTagName("g");
        for (int i = 0; i < gs.getLength(); i++) {
            Element g = (Element) gs.item(i);
            if (g.getAttribute("class").equals("legend")) {
                String name = g.getElementsByTagName("title").item(0).getTextContent().replace("legend: ", "");
                Element mark = (Element) (g.getElementsByTagName("line").getLength() > 0 ? g.getElementsByTagName("line").item(0)
                        : g.getElementsByTagName("rect").item(0));
                out.put(name, mark.hasAttribute("stroke") ? mark.getAttribute("stroke") : mark.getAttribute("fill"));
            }
        }
        return out;
    }

    /** Issue 26: runs of two frameworks compared. */
    @Test
    void eachRunKeepsOneColourTitlesCountTheRunsDrawnAndSharedChartsComeFirst() throws Exception {
        List<RunLog> runs = List.of(framework("dl4j-a", true), framework("djl", false), framework("dl4j-b", true));
        List<RunFigures.Entry> entries = RunComparison.of(runs).entries(0);
        List<String> curves = entries.stream().filter(e -> e.section().equals(RunComparison.CURVES)).map(RunFigures.Entry::title).toList();
        assertEquals(List.of("loss (3 runs)", "validation/accuracy by epoch (3 runs)", "learning_rate/0 (2 runs)", "learning_rate/1 (2 runs)",
                "update_ratio/0/W (2 runs)"), curves, "what every run has first, then one framework's, a family together; counted as drawn");
        String dl4jB = String.format(Locale.ROOT, "#%06x", RunComparison.color(2) & 0xFFFFFF);
        for (RunFigures.Entry e : entries) {
            Map<String, String> legend = legendColours(e.figure());
            if (legend.containsKey("dl4j-b")) { // whether the chart has the DJL run before it or not
                assertEquals(dl4jB, legend.get("dl4j-b"), e.title() + ": " + legend);
            }
            if (e.section().equals(RunComparison.CURVES)) {
                assertTrue(e.figure().title().contains("(" + legend.size() + " run"), e.figure().title() + " draws " + legend.keySet());
            }
        }
        assertEquals(dl4jB, String.format(Locale.ROOT, "#%06x", RunComparison.of(runs).table().colors().get(2) & 0xFFFFFF), "the table's key");
        List<String> header = RunComparison.of(runs).table().header();
        assertTrue(header.indexOf("validation/accuracy (last epoch)") < header.indexOf("learning_rate/0 (last)"), "the table in the charts' order: " + header);
        RunLog one = framework("alone", true);
        assertEquals("learning_rate/0 (1 run)", RunComparison.of(List.of(one, framework("djl", false))).entries(0).stream()
                .filter(e -> e.id().equals("runs-learning-rate-0")).findFirst().orElseThrow().title());
    }
}
