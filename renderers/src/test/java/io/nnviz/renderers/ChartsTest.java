package io.nnviz.renderers;

import io.nnviz.api.Tensor;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.LineChart;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChartsTest {

    @Test
    void lineChartHasAxesTicksLegendAndOnePathPerSeries() {
        double[] x = new double[100], a = new double[100], b = new double[100];
        for (int i = 0; i < 100; i++) {
            x[i] = i * 10;
            a[i] = 2.0 / (1 + i);
            b[i] = 1.5 / (1 + i) + 0.1;
        }
        a[40] = Double.NaN;
        Svg svg = Svg.parse(Figures.toSvg(LineChart.titled("Loss").series("train", x, a).series("val", x, b).build()));
        assertEquals(List.of("train", "val"), svg.groups("series").stream()
                .map(g -> g.getElementsByTagNameNS("*", "title").item(0).getTextContent()).toList());
        // the NaN breaks the train line in two
        assertEquals(2, svg.groups("series").get(0).getElementsByTagNameNS("*", "path").getLength());
        assertEquals(1, svg.groups("series").get(1).getElementsByTagNameNS("*", "path").getLength());
        List<String> t = svg.texts();
        assertTrue(t.containsAll(List.of("Loss", "step", "train", "val", "0", "1000")), t.toString());
        assertTrue(t.stream().anyMatch(s -> s.contains("1 non-finite")), t.toString());
    }

    @Test
    void smoothingMatchesTensorBoardsDebiasedEma() {
        double[] y = {1, 0, 1, 0};
        Svg svg = Svg.parse(Figures.toSvg(LineChart.titled("s").series("y", new double[] {0, 1, 2, 3}, y).smoothing(0.5).build()));
        assertEquals(2, svg.groups("series").get(0).getElementsByTagNameNS("*", "path").getLength(), "raw + smoothed");
        // EMA w=0.5, debiased: 1, (0.25)/(0.75)=1/3, (0.625)/(0.875)=5/7, (0.3125)/(0.9375)=1/3
        Element smooth = (Element) svg.groups("series").get(0).getElementsByTagNameNS("*", "path").item(1);
        String d = smooth.getAttribute("d");
        assertEquals(4, d.split("L").length, d);
    }

    @Test
    void logScaleLeavesOutNonPositiveValues() {
        Svg svg = Svg.parse(Figures.toSvg(LineChart.titled("lr").series("lr", new double[] {1, 2, 3},
                new double[] {1e-3, 0, 1e-1}).logY(true).build()));
        assertTrue(svg.texts().containsAll(List.of("0.001", "0.01", "0.1")), svg.texts().toString());
        assertTrue(svg.texts().stream().anyMatch(s -> s.contains("non-positive")));
    }

    @Test
    void confusionMatrixShowsCountsOrRowPercentagesAndAccuracy() {
        long[][] c = {{8, 2, 0}, {1, 9, 0}, {0, 0, 0}};
        List<String> names = List.of("cat", "dog", "<bird>");
        Svg counts = Svg.parse(Figures.toSvg(Heatmap.confusionMatrix(c, names, false).build()));
        assertTrue(counts.texts().get(0).startsWith("Confusion matrix, accuracy 85% of 20"), counts.texts().get(0));
        List<String> cells = counts.groups("annotations").get(0).getElementsByTagNameNS("*", "text").getLength() == 9
                ? counts.texts() : List.of();
        assertTrue(cells.containsAll(List.of("8", "2", "9", "<bird>")), counts.texts().toString());
        Svg norm = Svg.parse(Figures.toSvg(Heatmap.confusionMatrix(c, names, true).build()));
        assertTrue(norm.texts().containsAll(List.of("80%", "20%", "90%", "10%")), norm.texts().toString());
        assertTrue(norm.texts().containsAll(List.of("true class", "predicted class")));
        assertThrows(IllegalArgumentException.class, () -> Heatmap.confusionMatrix(c, List.of("a"), false));
    }

    @Test
    void attentionHeatmapWithTokenLabelsAndConstantCaption() {
        List<String> tokens = List.of("[CLS]", "the", "cat", "sat");
        float[] w = new float[16];
        java.util.Arrays.fill(w, 0.25f);
        Svg svg = Svg.parse(Figures.toSvg(Heatmap.of(Tensor.of(w, 4, 4)).rowLabels(tokens).columnLabels(tokens)
                .axes("query", "key").title("Head 0").build()));
        assertEquals(8, svg.texts().stream().filter(tokens::contains).count());
        assertTrue(svg.texts().stream().anyMatch(s -> s.contains("constant")), svg.texts().toString());
        assertThrows(IllegalArgumentException.class, () -> Heatmap.of(Tensor.zeros(2, 2)).rowLabels(tokens));
    }
}
