package io.nnviz.renderers;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.diff.ModelDiff;
import io.nnviz.api.spi.ModelBuilder;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.figures.DiffDiagram;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import java.awt.image.BufferedImage;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 26: the diff filled layers of the same structure whose weights moved green, teal and
 * yellow (viridis) under a title saying "added (green)", and its scale started at 0.0588. Now the
 * outline alone says what happened to the structure, the fill alone how far the weights moved, on
 * a scale from 0 with no green or orange in it, and a layer is white only when its weights did not
 * move (beyond round-off) or it has none.
 */
class DiffDiagramTest {
    private static final float[] BASE = {0.5f, -0.25f, 1f, 0.75f, -1f, 0.1f, 0.3f, -0.6f, 0.2f};

    private static WeightTensor dense(String layer, float scale, float add) {
        float[] v = new float[BASE.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = BASE[i] * scale + add;
        }
        return WeightTensor.of(layer, "W", WeightRole.KERNEL, Tensor.of(v, 3, 3));
    }

    /** in -> d1 -> d2 -> d3 -> d4 -> out, plus "extra" in b; out has 3 units in a, 5 in b. */
    private static ModelView model(boolean b) {
        ModelBuilder m = ModelBuilder.of(b ? "after" : "before");
        m.layer(LayerInfo.builder("in", LayerKind.INPUT).outputShape(Shape.of(-1, 3)).build());
        List<String> chain = new java.util.ArrayList<>(List.of("in", "d1", "d2", "d3", "d4"));
        Map<String, float[]> moves = Map.of("d1", new float[] {1, 0}, "d2", new float[] {1.18f, 0}, "d3", new float[] {1.14f, 0},
                "d4", new float[] {1, 1e-8f});
        for (String d : List.of("d1", "d2", "d3", "d4")) {
            m.layer(LayerInfo.builder(d, LayerKind.DENSE).outputShape(Shape.of(-1, 3)).weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(3, 3)))
                    .build());
            float[] mv = moves.get(d);
            m.weights(d, b ? dense(d, mv[0], mv[1]) : dense(d, 1, 0));
        }
        if (b) {
            m.layer(LayerInfo.builder("extra", LayerKind.ACTIVATION).outputShape(Shape.of(-1, 3)).build());
            chain.add("extra");
        }
        int units = b ? 5 : 3;
        m.layer(LayerInfo.builder("out", LayerKind.DENSE).outputShape(Shape.of(-1, units))
                .weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(units, 3))).build());
        m.weights("out", WeightTensor.of("out", "W", WeightRole.KERNEL, Tensor.of(new float[units * 3], units, 3)));
        chain.add("out");
        m.chain(chain.toArray(String[]::new));
        return m.build();
    }

    private static String hex(int argb) {
        return String.format(Locale.ROOT, "#%06x", argb & 0xFFFFFF);
    }

    @Test
    void fillsFollowTheWeightScaleFromZeroAndOutlinesTheStructureAsTheKeySays() {
        ModelView a = model(false), b = model(true);
        ModelDiff d = ModelDiff.of(a, b);
        Figure f = DiffDiagram.of(d, b).title("before \u2192 after").build();
        Svg svg = Svg.parse(Figures.toSvg(f));
        Map<String, Element> boxes = new HashMap<>();
        for (Element g : svg.groups("node")) {
            boxes.put(g.getAttribute("data-layer"), (Element) g.getElementsByTagNameNS("*", "rect").item(0));
        }
        // the fills: white where nothing moved (d1; d4 by round-off), or nothing to compare (in, extra, out); else the purple scale from 0
        double max = 0.18;
        for (String white : List.of("in", "d1", "d4", "extra", "out")) {
            assertEquals("#ffffff", boxes.get(white).getAttribute("fill"), white + " is white");
        }
        assertEquals(hex(Colormaps.PURPLES.color(1)), boxes.get("d2").getAttribute("fill"), "18% is the top of the scale");
        assertEquals(hex(Colormaps.PURPLES.color(0.14 / max)), boxes.get("d3").getAttribute("fill"), "14% on the same scale from 0");
        // no fill is anything but the purple scale (no green, teal, yellow or orange)
        java.util.Set<String> scale = new java.util.HashSet<>();
        for (int i = 0; i <= 255; i++) {
            scale.add(hex(Colormaps.PURPLES.color(i / 255.0)));
        }
        boxes.forEach((layer, r) -> assertTrue(scale.contains(r.getAttribute("fill")), layer + " filled " + r.getAttribute("fill")));
        // the outlines: green added, orange changed, thin grey the same
        assertEquals(hex(DiffDiagram.ADDED), boxes.get("extra").getAttribute("stroke"));
        assertEquals(hex(DiffDiagram.CHANGED), boxes.get("out").getAttribute("stroke"));
        for (String same : List.of("d1", "d2", "d3", "d4")) {
            assertEquals(hex(DiffDiagram.SAME), boxes.get(same).getAttribute("stroke"), same);
        }
        // the legend: a bar from 0 labelled as the weight change, and a key whose swatches are the boxes' colours
        org.w3c.dom.NodeList bar = svg.groups("colorbar").get(0).getElementsByTagNameNS("*", "text");
        List<String> barTexts = java.util.stream.IntStream.range(0, bar.getLength()).mapToObj(i -> bar.item(i).getTextContent()).toList();
        assertTrue(barTexts.contains("0") && barTexts.contains("0.18") && barTexts.stream().anyMatch(t -> t.startsWith("weight change")), barTexts.toString());
        Map<String, String> key = new HashMap<>();
        for (Element g : svg.groups("key")) {
            key.put(g.getElementsByTagNameNS("*", "text").item(0).getTextContent(),
                    ((Element) g.getElementsByTagNameNS("*", "rect").item(0)).getAttribute("stroke"));
        }
        assertEquals(hex(DiffDiagram.ADDED), key.get("added"));
        assertEquals(hex(DiffDiagram.CHANGED), key.get("structure changed"));
        assertEquals(hex(DiffDiagram.SAME), key.get("structure the same"));
        assertTrue(key.keySet().stream().anyMatch(k -> k.contains("\u2264 1e-6")), "the tolerance is said: " + key.keySet());
        assertFalse(f.title().contains("green"), "colours are the key's to say: " + f.title());
        assertTrue(f.title().contains("1 added, 1 changed, 0 removed; 2 with moved weights"), f.title());
        // the PNG: d2's box is purple, not green
        BufferedImage img = Figures.toImage(f, 1);
        Element r = boxes.get("d2");
        int p = img.getRGB((int) (Svg.num(r, "x") + 6), (int) (Svg.num(r, "y") + Svg.num(r, "height") - 4));
        int red = p >> 16 & 0xFF, green = p >> 8 & 0xFF, blue = p & 0xFF;
        assertTrue(blue > green + 40 && red > green, String.format("d2 drawn purple, got #%06x", p & 0xFFFFFF));
    }

    @Test
    void roundOffIsNoChangeAndTheToleranceIsOneInAMillion() {
        assertFalse(DiffDiagram.weightsChanged(1e-7));
        assertFalse(DiffDiagram.weightsChanged(Double.NaN));
        assertTrue(DiffDiagram.weightsChanged(0.14));
        assertEquals(2, DiffDiagram.weightsChanged(ModelDiff.of(model(false), model(true))));
    }
}
