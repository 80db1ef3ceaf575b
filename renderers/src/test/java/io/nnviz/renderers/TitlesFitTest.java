package io.nnviz.renderers;

import io.nnviz.api.Histogram;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.attribution.Attribution;
import io.nnviz.api.attribution.Faithfulness;
import io.nnviz.api.spi.ModelBuilder;
import io.nnviz.renderers.canvas.Anchor;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.renderers.figures.AttentionFigures;
import io.nnviz.renderers.figures.AttributionFigure;
import io.nnviz.renderers.figures.FilterGrid;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.HistogramRidge;
import io.nnviz.renderers.figures.LineChart;
import io.nnviz.renderers.figures.Notice;
import io.nnviz.renderers.figures.ParallelCoordinates;
import io.nnviz.renderers.figures.Scatter;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 26: long titles lost their end ("... parameters" without its ")", "randomised model: flat
 * ma"). Every figure type, given a long title, keeps every text inside its width, measured with
 * the font metrics the renderers lay out with, and shows the whole title (wrapped, not cut).
 */
class TitlesFitTest {
    private static final String LONG = "Weights of /encoder/layer.11/attention/output/dense at step 31,415 with a deliberately long"
            + " title that no chart of 560 units holds on one line (closing parenthesis)";

    /** Every text's measured extent lies inside the figure; returns the texts of the title style (14-pt bold) in order. */
    static List<String> assertTextsFit(Figure f) {
        Svg svg = Svg.parse(Figures.toSvg(f));
        double[] vb = svg.viewBox();
        List<String> titles = new ArrayList<>();
        for (Element t : svg.all("text")) {
            String s = t.getTextContent();
            double x = Svg.num(t, "x"), y = Svg.num(t, "y"), size = Svg.num(t, "font-size");
            boolean bold = "bold".equals(t.getAttribute("font-weight"));
            String a = t.getAttribute("text-anchor");
            Anchor anchor = a.equals("middle") ? Anchor.MIDDLE : a.equals("end") ? Anchor.END : Anchor.START;
            double w = new TextStyle(size, 0, anchor, bold, 0).width(s);
            double left = x - (anchor == Anchor.MIDDLE ? w / 2 : anchor == Anchor.END ? w : 0);
            if (!t.getAttribute("transform").isEmpty()) { // rotated axis titles: their anchor point is inside
                assertTrue(x >= 0 && x <= vb[2], "'" + s + "' at x " + x + " outside width " + vb[2]);
                continue;
            }
            if (left < -0.5 || left + w > vb[2] + 0.5 || y > vb[3] + 0.5 || y < 0) {
                fail(f.getClass().getSimpleName() + " '" + f.title() + "': text '" + s + "' spans x " + left + ".." + (left + w) + " at y " + y
                        + ", the figure is " + vb[2] + " x " + vb[3]);
            }
            if (bold && size == 14) {
                titles.add(s);
            }
        }
        return titles;
    }

    /** The figure's title is drawn whole: its lines joined are the title. */
    static void assertWholeTitle(Figure f, String title) {
        List<String> lines = assertTextsFit(f);
        assertTrue(String.join("", lines).replace(" ", "").contains(title.replace(" ", "")), "title drawn as " + lines + ", not whole: " + title);
    }

    static ModelView model(String name) {
        ModelBuilder b = ModelBuilder.of(name).framework("Deeplearning4j");
        for (int i = 0; i < 3; i++) {
            LayerInfo.Builder l = LayerInfo.builder("n" + i, i == 0 ? LayerKind.INPUT : LayerKind.DENSE).name("layer_" + i)
                    .outputShape(Shape.of(-1, 10));
            if (i > 0) {
                l.weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(10, 10)));
                b.edge("n" + (i - 1), "n" + i);
            }
            b.layer(l.build());
        }
        return b.build();
    }

    @Test
    void theArchitectureDiagramKeepsItsClosingParenthesis() {
        ModelView m = model("mnist_convolutional_network_with_batchnorm");
        Figure f = ArchitectureDiagram.of(m).build();
        assertWholeTitle(f, "mnist_convolutional_network_with_batchnorm (Deeplearning4j, 200 parameters)");
        Figure longer = ArchitectureDiagram.of(m).title(LONG + " " + LONG).build();
        assertWholeTitle(longer, LONG + " " + LONG);
        assertTrue(longer.width() <= 760, "past its cap the diagram wraps its title rather than widen: " + longer.width());
    }

    @Test
    void chartsWrapLongTitlesAndKeepTheirTextInside() {
        double[] x = {0, 1, 2}, y = {0.3, 0.2, 0.1};
        List<Figure> figures = List.of(
                LineChart.titled(LONG).series("train", x, y).build(),
                LineChart.titled(LONG).series("train", x, y).size(330, 220).build(),
                Scatter.titled(LONG).points("run", x, y).build(),
                HistogramRidge.titled(LONG).add(1, Histogram.of(Tensor.of(new float[] {1, 2, 3}, 3), 4)).build(),
                Heatmap.of(Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)).title(LONG).build(),
                ParallelCoordinates.of(LONG, List.of("lr", "loss")).line("a", new double[] {0.1, 0.2}).build(),
                Notice.of(LONG, LONG + " " + LONG + " " + LONG).build(),
                FilterGrid.of(Tensor.of(new float[2 * 1 * 3 * 3], 2, 1, 3, 3)).title(LONG).build(),
                AttentionFigures.headView(new io.nnviz.api.attention.Attention(List.of("layer.0/attention/self/Softmax"), List.of("a", "b"),
                        Tensor.of(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, 1, 1, 2, 2)), 0));
        for (Figure f : figures) {
            assertWholeTitle(f, f.title());
        }
        Figure chart = figures.get(0);
        assertTrue(chart.height() > LineChart.titled("short").series("train", x, y).build().height(), "a wrapped title makes the chart taller");
    }

    @Test
    void legendLabelsAreDrawnWholeUpToAboutThirtyCharactersAndFitBeyond() {
        double[] x = {0, 1, 2}, y = {0.3, 0.2, 0.1};
        String share = "predicted_class_share", layer = "backbone/stage3/block2/conv_expand_1x1/kernel";
        Figure one = LineChart.titled("Share of the most predicted class").series(share, x, y).build();
        Figure many = LineChart.titled("Gradient RMS by layer").series("conv1", x, y).series(layer, x, y).series("head", x, y).build();
        for (Figure f : List.of(one, many)) {
            assertTextsFit(f);
        }
        List<String> legend = new ArrayList<>();
        for (Figure f : List.of(one, many)) {
            for (Element g : Svg.parse(Figures.toSvg(f)).groups("legend")) {
                legend.add(g.getElementsByTagNameNS("*", "text").item(0).getTextContent());
            }
        }
        assertEquals(share, legend.get(0), "a metric's whole name");
        assertEquals("conv1", legend.get(1));
        assertTrue(legend.get(2).endsWith("\u2026") && layer.startsWith(legend.get(2).substring(0, legend.get(2).length() - 1))
                && legend.get(2).length() >= 30, "a long name shortened, to 30 characters or more: " + legend.get(2));
    }

    @Test
    void theAttributionFigureShowsTheWholeCheckWithItsVerdict() {
        int h = 8, w = 8;
        float[] pos = new float[h * w];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = i % w - 3.5f;
        }
        Attribution a = new Attribution("Integrated Gradients", 9, null, Tensor.of(pos, h, w), Map.of());
        Faithfulness.Curve del = new Faithfulness.Curve("deletion", new double[] {0, 1}, new double[] {0.9, 0.1}, 0.35);
        Faithfulness.Curve ins = new Faithfulness.Curve("insertion", new double[] {0, 1}, new double[] {0.1, 0.9}, 0.6);
        for (double rho : new double[] {Double.NaN, 0.92, 0.12}) {
            Figure f = AttributionFigure.of(Tensor.zeros(1, h, w), a).deletion(del).insertion(ins).randomization(rho)
                    .title("Integrated Gradients for Ankle boot (class 9), the predicted class").build();
            assertWholeTitle(f, "Integrated Gradients for Ankle boot (class 9), the predicted class");
            Svg svg = Svg.parse(Figures.toSvg(f));
            String check = String.join(" ", svg.groups("sanity").get(0).getElementsByTagNameNS("*", "text").item(0).getTextContent());
            String expected = Double.isNaN(rho) || rho < 0.5 ? "passes" : "fails";
            assertTrue(check.startsWith("Model randomisation check: " + expected), check);
            if (!Double.isNaN(rho)) {
                String all = String.join(" ", svg.groups("sanity").get(0).getTextContent());
                assertTrue(all.contains(String.format(java.util.Locale.ROOT, "\u03c1 = %.2f", rho)) && all.contains("passes below 0.5"), all);
            }
        }
        assertEquals("Model randomisation check: fails", AttributionFigure.randomizationVerdict(0.5).substring(0, 32));
    }
}
