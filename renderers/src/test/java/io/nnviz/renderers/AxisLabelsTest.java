package io.nnviz.renderers;

import io.nnviz.api.Tensor;
import io.nnviz.renderers.canvas.Num;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.LineChart;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 26: a learning-rate axis read "0.0011", "0.00105", "9.50e-04". Every axis writes its ticks
 * in one format: one notation, and one precision (the same decimal places in plain notation, the
 * same significant digits in scientific).
 */
class AxisLabelsTest {
    private static final Pattern SCI = Pattern.compile("-?([0-9])(?:\\.([0-9]+))?e[-+][0-9]+"), PLAIN = Pattern.compile("-?[0-9]+(?:\\.([0-9]+))?");

    /** The format of a label: "sci N" (N significant digits), "plain N" (N decimal places), or "zero". */
    static String format(String label) {
        if (label.equals("0")) {
            return "zero";
        }
        Matcher m = SCI.matcher(label);
        if (m.matches()) {
            return "sci " + (1 + (m.group(2) == null ? 0 : m.group(2).length()));
        }
        m = PLAIN.matcher(label);
        if (m.matches()) {
            return "plain " + (m.group(1) == null ? 0 : m.group(1).length());
        }
        throw new AssertionError("not a number label: " + label);
    }

    static void assertOneFormat(List<String> labels) {
        List<String> formats = labels.stream().map(AxisLabelsTest::format).filter(f -> !f.equals("zero")).distinct().toList();
        assertEquals(1, formats.size(), "one format on the axis: " + labels + " -> " + formats);
    }

    /** The labels of the chart's y ticks (end-anchored texts of its axes) and x ticks (middle-anchored numbers), from its SVG. */
    static List<List<String>> ticks(Figure f) {
        Svg svg = Svg.parse(Figures.toSvg(f));
        Element axes = svg.groups("axes").get(0);
        List<Element> texts = new java.util.ArrayList<>();
        for (int i = 0; i < axes.getElementsByTagNameNS("*", "text").getLength(); i++) {
            texts.add((Element) axes.getElementsByTagNameNS("*", "text").item(i));
        }
        List<String> y = texts.stream().filter(t -> t.getAttribute("text-anchor").equals("end")).map(Element::getTextContent).toList();
        List<String> x = texts.stream().filter(t -> t.getAttribute("text-anchor").equals("middle") && Svg.num(t, "font-size") == 10)
                .map(Element::getTextContent).toList();
        return List.of(x, y);
    }

    @Test
    void aLearningRateAxisHasOneNotationAndOnePrecision() {
        double[] steps = new double[50], lr = new double[50];
        for (int i = 0; i < 50; i++) {
            steps[i] = i * 10;
            lr[i] = 0.0011 - i * 0.000004;
        }
        List<List<String>> t = ticks(LineChart.titled("Learning rate by layer").series("dense_1/W", steps, lr).build());
        assertEquals(List.of("9.00e-04", "9.50e-04", "1.00e-03", "1.05e-03", "1.10e-03"), t.get(1));
        assertOneFormat(t.get(0));
        assertOneFormat(t.get(1));
        TitlesFitTest.assertTextsFit(LineChart.titled("negative rates").series("x", steps, java.util.Arrays.stream(lr).map(v -> -v).toArray()).build());
    }

    @Test
    void everyKindOfAxisKeepsOneFormat() {
        double[][] ys = {{0, 2.5}, {0.15, 0.35}, {0, 4e5}, {-3.2, -2.9}, {0.999, 1.001}, {1e-7, 3e-7}, {12, 17}};
        for (double[] y : ys) {
            List<List<String>> t = ticks(LineChart.titled("y").series("s", new double[] {1, 2}, y).build());
            assertOneFormat(t.get(1));
            assertOneFormat(t.get(0));
        }
        assertArrayEquals(new String[] {"0", "0.5", "1.0", "1.5", "2.0", "2.5"}, Num.axisLabels(new double[] {0, 0.5, 1, 1.5, 2, 2.5}, false));
        assertArrayEquals(new String[] {"0.001", "0.01", "0.1", "1", "10"}, Num.axisLabels(new double[] {1e-3, 1e-2, 1e-1, 1, 10}, true),
                "a log axis's powers of ten, one significant digit each");
        assertArrayEquals(new String[] {"1e-06", "1e-05", "1e-04"}, Num.axisLabels(new double[] {1e-6, 1e-5, 1e-4}, true));
        assertArrayEquals(new String[] {"0", "2e+05", "4e+05"}, Num.axisLabels(new double[] {0, 2e5, 4e5}, false));
        assertArrayEquals(new String[] {"0.30", "0.35"}, Num.axisLabels(new double[] {0.1 + 0.2, 0.35}, false), "round-off is not a digit");
    }

    @Test
    void aColourBarsThreeLabelsShareAFormat() {
        Svg svg = Svg.parse(Figures.toSvg(Heatmap.of(Tensor.of(new float[] {0.00095f, 0.0011f, 0.001f, 0.00105f}, 2, 2)).title("rates").build()));
        Element bar = svg.groups("colorbar").get(0);
        List<String> labels = new java.util.ArrayList<>();
        for (int i = 0; i < bar.getElementsByTagNameNS("*", "text").getLength(); i++) {
            labels.add(bar.getElementsByTagNameNS("*", "text").item(i).getTextContent());
        }
        assertEquals(3, labels.size(), labels.toString());
        assertOneFormat(labels);
    }
}
