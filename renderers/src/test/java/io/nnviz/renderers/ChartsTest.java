package io.nnviz.renderers;

import io.nnviz.api.Tensor;
import io.nnviz.api.Histogram;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.HistogramRidge;
import io.nnviz.renderers.figures.Scatter;
import io.nnviz.renderers.figures.LineChart;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChartsTest {

    @Test
    void markersAtTheDatasEndsLieWhollyInsideTheFrame() {
        double[] x = {1, 2, 3};
        Figure f = LineChart.titled("Accuracy per epoch").series("train", x, new double[] {0.52, 0.58, 0.60})
                .series("validation", x, new double[] {0.55, 0.57, 0.59}).markers(true).integerX(true).build();
        Svg svg = Svg.parse(Figures.toSvg(f));
        Element frame = (Element) svg.groups("axes").get(0).getElementsByTagNameNS("*", "rect").item(0);
        double fl = Svg.num(frame, "x"), ft = Svg.num(frame, "y"), fr = fl + Svg.num(frame, "width"), fb = ft + Svg.num(frame, "height");
        List<Element> points = svg.groups("point");
        assertEquals(6, points.size());
        for (Element p : points) {
            Element r = (Element) p.getElementsByTagNameNS("*", "rect").item(0);
            double x0 = Svg.num(r, "x"), y0 = Svg.num(r, "y"), x1 = x0 + Svg.num(r, "width"), y1 = y0 + Svg.num(r, "height");
            assertTrue(x0 >= fl && x1 <= fr && y0 >= ft && y1 <= fb, "marker " + x0 + ".." + x1 + " x " + y0 + ".." + y1
                    + " outside the frame " + fl + ".." + fr + " x " + ft + ".." + fb);
        }
    }

    @Test
    void epochChartsTickOnlyWholeEpochsAndTellEachPointsValueOnHover() {
        Svg svg = Svg.parse(Figures.toSvg(LineChart.titled("accuracy").xLabel("epoch").integerX(true).markers(true)
                .series("validation", new double[] {2, 1}, new double[] {0.75, 0.5}).build())); // given out of order
        List<String> ticks = svg.texts().stream().filter(t -> t.matches("[0-9.]+") && !t.startsWith("0.")).toList();
        assertEquals(List.of("1", "2"), ticks, "no tick between two epochs");
        assertEquals(List.of("validation at epoch 1: 0.500000", "validation at epoch 2: 0.750000"), svg.groups("point").stream()
                .map(g -> g.getElementsByTagNameNS("*", "title").item(0).getTextContent()).toList(), "drawn in epoch order");
    }

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

    @Test
    void ridgeDrawsOneOutlinePerStepOnASharedValueAxis() {
        java.util.Random r = new java.util.Random(1);
        HistogramRidge ridge = HistogramRidge.titled("dense kernel").valueLabel("weight");
        for (int step = 0; step < 100; step += 10) {
            float[] v = new float[2000];
            double spread = 0.1 + step / 100.0; // weights spread out as training goes on
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextGaussian() * spread);
            }
            v[0] = Float.NaN;
            ridge.add(step, Histogram.of(Tensor.of(v, v.length), 30));
        }
        Svg svg = Svg.parse(Figures.toSvg(ridge.build()));
        List<Element> ridges = svg.groups("ridge");
        assertEquals(10, ridges.size());
        assertEquals("step 0", ridges.get(0).getElementsByTagNameNS("*", "title").item(0).getTextContent());
        // each ridge is one closed outline with the 30 bins plus two base points
        Element first = (Element) ridges.get(0).getElementsByTagNameNS("*", "path").item(0);
        Element last = (Element) ridges.get(9).getElementsByTagNameNS("*", "path").item(0);
        assertEquals(32, first.getAttribute("d").split("[ML]").length - 1, first.getAttribute("d"));
        // the narrow early histogram is drawn narrower than the wide late one
        assertTrue(extent(first) < extent(last) / 3, extent(first) + " vs " + extent(last));
        assertTrue(svg.texts().containsAll(List.of("weight", "step 0", "step 90")), svg.texts().toString());
        assertTrue(svg.texts().stream().anyMatch(s -> s.startsWith("10 NaN/infinite")), svg.texts().toString());
    }

    /** Issue 19: biases start at 0 (a histogram one bin wide), then spread; every ridge is still drawn at full height. */
    @Test
    void everyRidgeIsScaledToItsOwnPeak() {
        HistogramRidge ridge = HistogramRidge.titled("dense bias").size(560, 44);
        ridge.add(1, Histogram.ofCounts(0, 1e-6, new long[] {0, 64, 0}, 0));
        java.util.Random r = new java.util.Random(2);
        for (int step = 100; step <= 500; step += 100) {
            float[] v = new float[64];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextGaussian() * 0.05 * step / 100);
            }
            ridge.add(step, Histogram.of(Tensor.of(v, v.length), 20));
        }
        Svg svg = Svg.parse(Figures.toSvg(ridge.build()));
        for (Element g : svg.groups("ridge")) {
            Element path = (Element) g.getElementsByTagNameNS("*", "path").item(0);
            assertEquals(44, extent(path, 1), 0.5, g.getElementsByTagNameNS("*", "title").item(0).getTextContent() + " is drawn at full height");
        }
        assertTrue(svg.texts().contains("Each step scaled to its own peak."), svg.texts().toString());
    }

    /** The points of a path's "d" (M/L coordinates). */
    private static List<double[]> points(Element path) {
        List<double[]> out = new java.util.ArrayList<>();
        for (String pt : path.getAttribute("d").replaceAll("[MLZ]", " ").trim().split("\\s+")) {
            out.add(new double[] {Double.parseDouble(pt.split(",")[0]), Double.parseDouble(pt.split(",")[1])});
        }
        return out;
    }

    /**
     * Issue 26: a bias of 8 to 16 values was drawn as spiky triangles, a line through 30 bins' centres most of them empty. A
     * histogram of fewer values than four a bin is drawn as bars: every edge of its outline level or upright, a flat top over
     * each bin that holds values and over no other; one of many values keeps its smooth outline.
     */
    @Test
    void aHistogramOfFewValuesIsDrawnAsBars() {
        float[] bias = {-0.14f, -0.085f, -0.03f, -0.028f, 0.001f, 0.004f, 0.012f, 0.035f, 0.06f, 0.125f};
        Histogram few = Histogram.of(Tensor.of(bias, bias.length), 30);
        Svg svg = Svg.parse(Figures.toSvg(HistogramRidge.titled("dense_1 / b").add(400, few).build()));
        List<double[]> pts = points((Element) svg.groups("ridge").get(0).getElementsByTagNameNS("*", "path").item(0));
        double base = pts.get(0)[1];
        int tops = 0;
        for (int i = 1; i < pts.size(); i++) {
            double dx = pts.get(i)[0] - pts.get(i - 1)[0], dy = pts.get(i)[1] - pts.get(i - 1)[1];
            assertTrue(Math.abs(dx) < 0.02 || Math.abs(dy) < 0.02, "a level or upright edge, no spike: " + java.util.Arrays.toString(pts.get(i - 1))
                    + " -> " + java.util.Arrays.toString(pts.get(i)));
            tops += Math.abs(dy) < 0.02 && dx > 0.02 && pts.get(i)[1] < base - 0.5 ? 1 : 0;
        }
        long filled = java.util.stream.IntStream.range(0, few.bins()).filter(b -> few.count(b) > 0).count();
        assertEquals(filled, tops, "a bar over each bin holding values");
        float[] many = new float[3000];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < many.length; i++) {
            many[i] = (float) r.nextGaussian();
        }
        Svg dense = Svg.parse(Figures.toSvg(HistogramRidge.titled("kernel").add(400, Histogram.of(Tensor.of(many, many.length), 30)).build()));
        List<double[]> smooth = points((Element) dense.groups("ridge").get(0).getElementsByTagNameNS("*", "path").item(0));
        assertEquals(32, smooth.size(), "3,000 values keep the outline through the bins' centres");
    }

    private static double extent(Element path) {
        return extent(path, 0);
    }

    /** The range a path covers along x (axis 0) or y (axis 1). */
    private static double extent(Element path, int axis) {
        double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (String pt : path.getAttribute("d").replaceAll("[MLZ]", " ").trim().split("\\s+")) {
            if (pt.contains(",")) {
                double x = Double.parseDouble(pt.split(",")[axis]);
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
        }
        return hi - lo;
    }

    @Test
    void ridgeSubsamplesLongRunsAndTakesStepsInAnyOrder() {
        HistogramRidge ridge = HistogramRidge.titled("long").maxRidges(5);
        for (int s = 0; s < 1000; s++) {
            ridge.add(s, Histogram.ofCounts(-1, 1, new long[] {1, 2, 1}, 0));
        }
        Svg svg = Svg.parse(Figures.toSvg(ridge.build()));
        assertEquals(List.of("step 0", "step 250", "step 500", "step 749", "step 999"), svg.groups("ridge").stream()
                .map(g -> g.getElementsByTagNameNS("*", "title").item(0).getTextContent()).toList());
        assertTrue(svg.texts().stream().anyMatch(t -> t.startsWith("5 of 1000 steps drawn.")), svg.texts().toString());
        assertThrows(IllegalStateException.class, () -> HistogramRidge.titled("empty").build());
        HistogramRidge shuffled = HistogramRidge.titled("shuffled");
        for (long s : new long[] {30, 10, 20, 10}) { // out of order, and step 10 twice: drawn in step order, the later 10 kept
            shuffled.add(s, Histogram.ofCounts(0, s, new long[] {1, 1}, 0));
        }
        Svg back = Svg.parse(Figures.toSvg(shuffled.build()));
        assertEquals(List.of("step 10", "step 20", "step 30"), back.groups("ridge").stream()
                .map(g -> g.getElementsByTagNameNS("*", "title").item(0).getTextContent()).toList());
    }

    /** Issue 20's parallel coordinates: a line per run through its values, each axis from its smallest to its largest. */
    @Test
    void parallelCoordinatesPutEachValueOnItsAxisRange() {
        Figure f = io.nnviz.renderers.figures.ParallelCoordinates.of("sweep", List.of("lr", "batch", "accuracy"))
                .line("a", new double[] {0.1, 16, 0.7}).line("b", new double[] {0.01, 32, 0.6}).line("c", new double[] {0.001, 16, Double.NaN})
                .build();
        Svg svg = Svg.parse(Figures.toSvg(f));
        List<Element> lines = svg.groups("series");
        assertEquals(3, lines.size());
        // a: lr is the largest (top, y 46), batch the smallest (bottom, y 300), accuracy the largest (top)
        String d = ((Element) lines.get(0).getElementsByTagNameNS("*", "path").item(0)).getAttribute("d");
        List<Double> ys = new java.util.ArrayList<>();
        for (String pt : d.replaceAll("[MLZ]", " ").trim().split("\\s+")) {
            ys.add(Double.parseDouble(pt.split(",")[1]));
        }
        assertEquals(List.of(46.0, 300.0, 46.0), ys);
        // c has no accuracy: its line stops at the second axis
        String dc = ((Element) lines.get(2).getElementsByTagNameNS("*", "path").item(0)).getAttribute("d");
        assertEquals(2, dc.replaceAll("[MLZ]", " ").trim().split("\\s+").length, dc);
        assertTrue(svg.texts().containsAll(List.of("lr", "batch", "accuracy")), svg.texts().toString());
    }

    @Test
    void aLogAxisPlacesDecadesEvenlyAndLeavesOutWhatHasNoPlaceOnIt() {
        Figure f = io.nnviz.renderers.figures.ParallelCoordinates.of("sweep", List.of("lr", "accuracy")).logAxis("lr")
                .line("a", new double[] {1e-4, 0.5}).line("b", new double[] {1e-3, 0.6}).line("c", new double[] {1e-2, 0.7})
                .line("zero", new double[] {0, 0.8}).build();
        Svg svg = Svg.parse(Figures.toSvg(f));
        List<Element> lines = svg.groups("series");
        // lr 1e-3 is one decade of two from 1e-4: exactly half way between the bottom (300) and the top (46)
        String d = ((Element) lines.get(1).getElementsByTagNameNS("*", "path").item(0)).getAttribute("d");
        assertEquals(173.0, Double.parseDouble(d.replaceAll("[MLZ]", " ").trim().split("\\s+")[0].split(",")[1]), 1e-9, d);
        // lr 0 has no place on a log axis: the line starts at the second axis, so no path of two points
        String dz = ((Element) lines.get(3).getElementsByTagNameNS("*", "path").item(0)) == null ? ""
                : ((Element) lines.get(3).getElementsByTagNameNS("*", "path").item(0)).getAttribute("d");
        assertTrue(dz.isEmpty() || dz.replaceAll("[MLZ]", " ").trim().split("\\s+").length == 1, dz);
        assertTrue(svg.texts().contains("lr (log)"), svg.texts().toString());

        Scatter sc = Scatter.titled("lr").axes("lr", "accuracy").logX(true)
                .points("r", new double[] {1e-4, 1e-3, 1e-2, 0}, new double[] {0.5, 0.6, 0.7, 0.8});
        Svg s2 = Svg.parse(Figures.toSvg(sc.build()));
        org.w3c.dom.NodeList rects = s2.groups("points").get(0).getElementsByTagNameNS("*", "rect");
        assertEquals(3, rects.getLength(), "x = 0 left out");
        double x0 = Double.parseDouble(((Element) rects.item(0)).getAttribute("x")), x1 = Double.parseDouble(((Element) rects.item(1)).getAttribute("x")),
                x2 = Double.parseDouble(((Element) rects.item(2)).getAttribute("x"));
        assertEquals(x1 - x0, x2 - x1, 1e-6, "a decade is the same width");
        String cap = s2.texts().get(s2.texts().size() - 1);
        assertTrue(cap.contains("1 non-finite or non-positive x"), cap);
    }

    @Test
    void predictedVsTrueHasIdentityLineAndErrorSummary() {
        double[] truth = {1, 2, 3, 4}, pred = {1.5, 2, 2.5, Double.NaN};
        Svg svg = Svg.parse(Figures.toSvg(Scatter.predictedVsTrue(truth, pred).build()));
        assertEquals(3, svg.groups("points").get(0).getElementsByTagNameNS("*", "rect").getLength());
        assertEquals(1, svg.groups("identity").size());
        // errors 0.5, 0, -0.5 on truth 1,2,3 (mean 2, SS 2): MAE 1/3, RMSE sqrt(1/6), R^2 = 1 - 0.5/2
        String cap = svg.texts().get(svg.texts().size() - 1);
        assertTrue(cap.contains("n=3") && cap.contains("MAE 0.333") && cap.contains("RMSE 0.408") && cap.contains("0.75"), cap);
        assertTrue(cap.contains("1 non-finite"), cap);
        assertTrue(svg.texts().containsAll(List.of("true", "predicted")));
    }

    @Test
    void embeddingColoursPointsByClassWithALegend() {
        float[] xy = {0, 0, 1, 1, 5, 5, 6, 6, 6, 5};
        Svg svg = Svg.parse(Figures.toSvg(Scatter.embedding(Tensor.of(xy, 5, 2), new int[] {0, 0, 1, 1, 1},
                List.of("shirt", "<boot>")).build()));
        List<Element> groups = svg.groups("points");
        assertEquals(2, groups.size());
        assertEquals(2, groups.get(0).getElementsByTagNameNS("*", "rect").getLength());
        assertEquals(3, groups.get(1).getElementsByTagNameNS("*", "rect").getLength());
        String fill0 = ((Element) groups.get(0).getElementsByTagNameNS("*", "rect").item(0)).getAttribute("fill");
        String fill1 = ((Element) groups.get(1).getElementsByTagNameNS("*", "rect").item(0)).getAttribute("fill");
        assertTrue(!fill0.equals(fill1), fill0);
        assertTrue(svg.texts().containsAll(List.of("shirt", "<boot>")), svg.texts().toString());
        assertThrows(IllegalArgumentException.class,
                () -> Scatter.embedding(Tensor.of(xy, 5, 2), new int[] {0, 0, 2, 1, 1}, List.of("a", "b")));
        assertThrows(IllegalArgumentException.class,
                () -> Scatter.embedding(Tensor.zeros(5, 3), new int[5], List.of("a")));
    }

    @Test
    void scatterSubsamplesAboveMaxPoints() {
        double[] x = new double[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        Svg svg = Svg.parse(Figures.toSvg(Scatter.titled("many").points("p", x, x).maxPoints(100).build()));
        assertEquals(100, svg.groups("points").get(0).getElementsByTagNameNS("*", "rect").getLength());
        assertTrue(svg.texts().stream().anyMatch(s -> s.contains("Every 10th of 1000 points drawn")), svg.texts().toString());
    }
}
