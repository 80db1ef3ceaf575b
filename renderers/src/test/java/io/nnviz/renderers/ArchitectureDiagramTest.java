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
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchitectureDiagramTest {

    /** A ResNet-like chain: n layers, an extra edge skipping ahead every 3 layers. */
    static ModelView chain(int n, String namePrefix) {
        ModelBuilder b = ModelBuilder.of("chain-" + n);
        for (int i = 0; i < n; i++) {
            LayerKind kind = i == 0 ? LayerKind.INPUT : i % 3 == 0 ? LayerKind.MERGE : LayerKind.CONV;
            LayerInfo.Builder l = LayerInfo.builder("n" + i, kind).name(namePrefix + i).outputShape(Shape.of(-1, 64, 56, 56));
            if (kind == LayerKind.CONV) {
                l.weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(64, 64, 3, 3)));
            }
            b.layer(l.build());
            if (i > 0) {
                b.edge("n" + (i - 1), "n" + i);
            }
            if (i >= 3 && i % 3 == 0) {
                b.edge("n" + (i - 3), "n" + i);
            }
        }
        return b.build();
    }

    record Box(double x, double y, double w, double h) {
        boolean overlaps(Box o) {
            return x < o.x + o.w - 0.01 && o.x < x + w - 0.01 && y < o.y + o.h - 0.01 && o.y < y + h - 0.01;
        }
    }

    static List<Box> nodeBoxes(Svg svg) {
        List<Box> boxes = new ArrayList<>();
        for (Element g : svg.groups("node")) {
            Element r = (Element) g.getElementsByTagNameNS("*", "rect").item(0);
            boxes.add(new Box(Svg.num(r, "x"), Svg.num(r, "y"), Svg.num(r, "width"), Svg.num(r, "height")));
        }
        return boxes;
    }

    @Test
    void fiveHundredNodesWithSkipsNeverOverlapAndFitTheViewBox() {
        ModelView m = chain(500, "layer");
        Svg svg = Svg.parse(Figures.toSvg(ArchitectureDiagram.of(m).build()));
        List<Box> boxes = nodeBoxes(svg);
        assertEquals(500, boxes.size());
        double[] vb = svg.viewBox();
        for (Box b : boxes) {
            assertTrue(b.x >= vb[0] && b.y >= vb[1] && b.x + b.w <= vb[0] + vb[2] && b.y + b.h <= vb[1] + vb[3],
                    "node " + b + " outside viewBox");
        }
        // sweep by y to keep the pairwise check fast
        boxes.sort((a, b) -> Double.compare(a.y, b.y));
        for (int i = 0; i < boxes.size(); i++) {
            for (int j = i + 1; j < boxes.size() && boxes.get(j).y < boxes.get(i).y + boxes.get(i).h; j++) {
                assertFalse(boxes.get(i).overlaps(boxes.get(j)), boxes.get(i) + " overlaps " + boxes.get(j));
            }
        }
        // 499 chain edges + 166 skips, each drawn as a path plus an arrow head
        Element edges = svg.groups("edges").get(0);
        assertEquals(2 * (499 + 166), edges.getElementsByTagNameNS("*", "path").getLength());
    }

    @Test
    void nodesShowNameKindShapeAndParameters() {
        Svg svg = Svg.parse(Figures.toSvg(ArchitectureDiagram.of(chain(4, "L")).build()));
        List<String> t = svg.texts();
        assertTrue(t.contains("L1"), t.toString());
        assertTrue(t.contains("conv \u00b7 CONV"), t.toString());
        assertTrue(t.contains("out [?, 64, 56, 56]"), t.toString());
        assertTrue(t.contains("params 36.9K"), t.toString());
    }

    @Test
    void hostileNamesAreEscapedAndTheFileStillParses() {
        String evil = "<script>alert('x')</script>\"&\u0001\u0007" + "A".repeat(10_000);
        ModelView m = ModelBuilder.of(evil).layer(LayerInfo.builder("a", LayerKind.INPUT).name(evil).build())
                .layer(LayerInfo.builder("b", LayerKind.DENSE).name("x\"y'z&<>").attribute("act", "<b>").build())
                .chain("a", "b").build();
        String text = Figures.toSvg(ArchitectureDiagram.of(m).build());
        assertFalse(text.contains("<script>"), "raw markup leaked");
        Svg svg = Svg.parse(text);
        assertTrue(svg.texts().contains("x\"y'z&<>"), svg.texts().toString());
        assertTrue(svg.all("title").stream().anyMatch(e -> e.getTextContent().contains("act: <b>")));
        assertTrue(text.length() < 200_000, "10k-character names are abbreviated in boxes");
    }

    @Test
    void nodesShowNamesWithoutTheSharedPrefixAndTooltipsTheFullId() {
        String p = "StatefulPartitionedCall/functional_1/";
        ModelView m = ModelBuilder.of("tf").layer(LayerInfo.builder("x", LayerKind.INPUT).name("x").build())
                .layer(LayerInfo.builder(p + "conv2d_12/BiasAdd", LayerKind.CONV).name(p + "conv2d_12/BiasAdd").build())
                .layer(LayerInfo.builder(p + "dense/MatMul", LayerKind.DENSE).name(p + "dense/MatMul").build())
                .chain("x", p + "conv2d_12/BiasAdd", p + "dense/MatMul").build();
        assertEquals(p, LayerNames.of(m).prefix());
        Svg svg = Svg.parse(Figures.toSvg(ArchitectureDiagram.of(m).build()));
        assertTrue(svg.texts().contains("conv2d_12/BiasAdd") && svg.texts().contains("dense/MatMul"), svg.texts().toString());
        assertFalse(svg.texts().stream().anyMatch(t -> t.contains("StatefulPartitionedCall")), svg.texts().toString());
        assertTrue(svg.all("title").stream().anyMatch(e -> e.getTextContent().startsWith(p + "conv2d_12/BiasAdd")), "full id on hover");
        // nothing shared, or a name that is all prefix: names stay whole
        ModelView none = ModelBuilder.of("n").layer(LayerInfo.builder("a/b", LayerKind.DENSE).build())
                .layer(LayerInfo.builder("c/d", LayerKind.DENSE).build()).build();
        assertEquals("", LayerNames.of(none).prefix());
        ModelView whole = ModelBuilder.of("w").layer(LayerInfo.builder("enc", LayerKind.OTHER).name("enc/").build())
                .layer(LayerInfo.builder("enc/q", LayerKind.DENSE).build()).build();
        assertEquals("", LayerNames.of(whole).prefix());
    }

    /** A shape a backend measured by running the model, not inferred, says so in the box (it holds for one input only). */
    @Test
    void aMeasuredShapeIsShownAsMeasured() {
        LayerInfo measured = LayerInfo.builder("relu", LayerKind.ACTIVATION).outputShape(Shape.of(1, 4))
                .attribute("shape source", "measured by ONNX Runtime").attribute("measured on", "x=[1, 4]").build();
        LayerInfo symbolic = LayerInfo.builder("lstm", LayerKind.RECURRENT).outputShape(Shape.of(-1, 128))
                .attribute("shape", "[batch, 128]").attribute("shape source", "measured by ONNX Runtime").build();
        LayerInfo inferred = LayerInfo.builder("conv", LayerKind.CONV).outputShape(Shape.of(1, 4)).build();
        assertEquals("[1, 4] measured", LayerNames.fullShape(measured));
        assertEquals("[batch, 128] measured", LayerNames.fullShape(symbolic));
        assertEquals("[1, 4]", LayerNames.fullShape(inferred));
        ModelView m = ModelBuilder.of("m").layer(LayerInfo.builder("x", LayerKind.INPUT).outputShape(Shape.of(1, 4)).build())
                .layer(measured).chain("x", "relu").build();
        Svg svg = Svg.parse(Figures.toSvg(ArchitectureDiagram.of(m).build()));
        assertTrue(svg.texts().stream().anyMatch(t -> t.contains("[1, 4] measured")), svg.texts().toString());
    }

    /**
     * Long symbolic dimension names (paddle2onnx's {@code p2o.DynamicDimension.0}) show short on the
     * boxes and in the table, each the same short name wherever it appears, with a key in the
     * legend; short ones ({@code batch}) stay as they are; the tooltip keeps the full shape; an
     * alias never takes a name the model already uses.
     */
    @Test
    void longSymbolicDimensionsShowShortWithAKey() {
        String n0 = "p2o.DynamicDimension.0", n1 = "p2o.DynamicDimension.1";
        ModelBuilder b = ModelBuilder.of("m");
        b.layer(LayerInfo.builder("x", LayerKind.INPUT).outputShape(Shape.of(-1, 3, -1, -1))
                .attribute("shape", "[" + n0 + ", 3, " + n1 + ", D0]").build());
        b.layer(LayerInfo.builder("conv", LayerKind.CONV).outputShape(Shape.of(-1, 16, -1, -1))
                .attribute("shape", "[" + n0 + ", 16, ?, ?]").build());
        b.layer(LayerInfo.builder("fc", LayerKind.DENSE).outputShape(Shape.of(-1, 10)).attribute("shape", "[batch, 10]").build());
        ModelView m = b.chain("x", "conv", "fc").build();
        LayerNames names = LayerNames.of(m);
        assertEquals("[D1, 3, D2, D0]", names.shape(m.layers().get(0)), "D0 is the model's own name: the aliases skip it");
        assertEquals("[D1, 16, ?, ?]", names.shape(m.layers().get(1)));
        assertEquals("[batch, 10]", names.shape(m.layers().get(2)));
        assertEquals(List.of("D1 = " + n0, "D2 = " + n1), names.dimensionKey());
        assertEquals(List.of("D1 = " + n0), names.dimensionKey(m.layers().get(1)));
        Svg svg = Svg.parse(Figures.toSvg(ArchitectureDiagram.of(m).build()));
        List<String> texts = svg.texts();
        assertTrue(texts.contains("out [D1, 16, ?, ?]") && texts.contains("out [batch, 10]"), texts.toString());
        assertTrue(texts.containsAll(List.of("D1 = " + n0, "D2 = " + n1)), "the legend's key: " + texts);
        assertTrue(texts.stream().noneMatch(t -> t.contains("\u2026") || t.endsWith("...")), "nothing cut: " + texts);
        Element conv = svg.groups("node").stream().filter(g -> g.getAttribute("data-layer").equals("conv")).findFirst().orElseThrow();
        String tip = conv.getElementsByTagNameNS("*", "title").item(0).getTextContent();
        assertTrue(tip.contains("out [" + n0 + ", 16, ?, ?]"), tip);
    }

    static ModelView blocks(int n) {
        ModelBuilder b = ModelBuilder.of("stack");
        b.layer(LayerInfo.builder("in", LayerKind.INPUT).build());
        String prev = "in";
        for (int k = 0; k < n; k++) {
            List<String> ids = new ArrayList<>();
            for (String part : new String[] {"attn", "norm1", "ffn", "norm2"}) {
                String id = "block" + k + "." + part;
                LayerKind kind = part.startsWith("norm") ? LayerKind.NORM : part.equals("attn") ? LayerKind.ATTENTION : LayerKind.DENSE;
                b.layer(LayerInfo.builder(id, kind).group("block" + k)
                        .weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(8, 8))).build());
                b.edge(prev, id);
                ids.add(id);
                prev = id;
            }
            b.group(new Group("block" + k, "block" + k, "TransformerLayer", null, ids));
        }
        b.layer(LayerInfo.builder("out", LayerKind.OUTPUT).build()).edge(prev, "out");
        return b.build();
    }

    /**
     * A frame's header is drawn after the edges, on an opaque patch of its frame's colour: an edge
     * that enters the frame at its top (the input's, into a DJL SequentialBlock) passes behind the
     * header instead of striking through its letters.
     */
    @Test
    void edgesPassBehindFrameHeaders() {
        Svg svg = Svg.parse(Figures.toSvg(ArchitectureDiagram.of(blocks(2)).build()));
        List<Element> all = svg.all("g");
        int edges = all.indexOf(svg.groups("edges").get(0));
        List<Element> headers = svg.groups("block-header");
        assertEquals(2, headers.size());
        for (Element h : headers) {
            assertTrue(all.indexOf(h) > edges, "the header after the edges");
            Element patch = (Element) h.getElementsByTagNameNS("*", "rect").item(0);
            Element text = (Element) h.getElementsByTagNameNS("*", "text").item(0);
            assertTrue(patch.getAttribute("fill").matches("#[0-9a-f]{6}") && !patch.hasAttribute("fill-opacity"), "an opaque patch: " + patch.getAttribute("fill"));
            assertTrue(Svg.num(patch, "x") <= Svg.num(text, "x") && Svg.num(patch, "y") <= Svg.num(text, "y") - 10
                    && Svg.num(patch, "y") + Svg.num(patch, "height") >= Svg.num(text, "y"), "the patch under the text");
            assertTrue(text.getTextContent().startsWith("block"), text.getTextContent());
        }
    }

    /** A frame too narrow for its name and its type shows its name whole, the type left to its tooltip. */
    @Test
    void aNarrowFrameShowsItsNameWholeRatherThanItsTypeCut() {
        String type = "AFrameworkTypeNameMuchWiderThanTheLayerInside";
        ModelView m = ModelBuilder.of("narrow").layer(LayerInfo.builder("in", LayerKind.INPUT).build())
                .layer(LayerInfo.builder("stem/relu", LayerKind.ACTIVATION).group("stem").build())
                .layer(LayerInfo.builder("out", LayerKind.OUTPUT).build())
                .edge("in", "stem/relu").edge("stem/relu", "out")
                .group(new Group("stem", "stem", type, null, List.of("stem/relu"))).build();
        Svg svg = Svg.parse(Figures.toSvg(ArchitectureDiagram.of(m).build()));
        Element header = svg.groups("block-header").get(0);
        assertEquals("stem", header.getElementsByTagNameNS("*", "text").item(0).getTextContent());
        assertTrue(header.getElementsByTagNameNS("*", "title").item(0).getTextContent().contains(type), "the type on the tooltip");
    }

    @Test
    void groupsAreFramesAndCanBeCollapsed() {
        ModelView m = blocks(2);
        Svg open = Svg.parse(Figures.toSvg(ArchitectureDiagram.of(m).build()));
        assertEquals(2, open.groups("block").size());
        assertEquals(10, open.groups("node").size());
        // children sit inside their frame
        Element frame = (Element) open.groups("block").get(0).getElementsByTagNameNS("*", "rect").item(0);
        Box f = new Box(Svg.num(frame, "x"), Svg.num(frame, "y"), Svg.num(frame, "width"), Svg.num(frame, "height"));
        long inside = nodeBoxes(open).stream().filter(b -> b.x >= f.x && b.y >= f.y && b.x + b.w <= f.x + f.w
                && b.y + b.h <= f.y + f.h).count();
        assertEquals(4, inside);
        Svg closed = Svg.parse(Figures.toSvg(ArchitectureDiagram.of(m).collapse("block1").build()));
        assertEquals(1, closed.groups("block").size());
        assertEquals(7, closed.groups("node").size());
        assertTrue(closed.texts().contains("4 layers (collapsed)"), closed.texts().toString());
    }

    @Test
    void longRunsOfIdenticalBlocksFoldPastTheThreshold() {
        ModelView m = blocks(12);
        Svg svg = Svg.parse(Figures.toSvg(ArchitectureDiagram.of(m).autoCollapse(20).build()));
        assertEquals(3, svg.groups("node").size(), "input, one folded block, output");
        assertTrue(svg.texts().contains("block0 \u00d712"), svg.texts().toString());
        assertTrue(svg.texts().contains("48 layers (collapsed)"), svg.texts().toString());
        Svg expanded = Svg.parse(Figures.toSvg(ArchitectureDiagram.of(m).autoCollapse(Integer.MAX_VALUE).build()));
        assertEquals(50, expanded.groups("node").size());
    }

    /** Issue 19's overlays: any per-layer value colours the boxes on viridis with a legend; the built-in ones compute what they say. */
    @Test
    void anOverlayColoursTheBoxesByItsValuesWithALegend() {
        float[] w1 = {3, 4}, w2 = {1, 0, 0, 0, 0, 0};
        ModelView m = ModelBuilder.of("mlp").layer(LayerInfo.builder("x", LayerKind.INPUT).outputShape(Shape.of(-1, 1)).build())
                .layer(LayerInfo.builder("fc1", LayerKind.DENSE).outputShape(Shape.of(-1, 2)).weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(2, 1))).build())
                .layer(LayerInfo.builder("relu", LayerKind.ACTIVATION).outputShape(Shape.of(-1, 2)).build())
                .layer(LayerInfo.builder("fc2", LayerKind.DENSE).outputShape(Shape.of(-1, 3)).weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(3, 2))).build())
                .chain("x", "fc1", "relu", "fc2")
                .weights("fc1", io.nnviz.api.WeightTensor.of("fc1", "W", WeightRole.KERNEL, io.nnviz.api.Tensor.of(w1, 2, 1)))
                .weights("fc2", io.nnviz.api.WeightTensor.of("fc2", "W", WeightRole.KERNEL, io.nnviz.api.Tensor.of(w2, 3, 2)))
                .forward((in, ids) -> {
                    float x = in.getFlat(0);
                    float[] h = {3 * x, 4 * x}, r = {Math.max(0, h[0]), Math.max(0, h[1])};
                    return java.util.Map.of("fc1", io.nnviz.api.Tensor.of(h, 1, 2), "relu", io.nnviz.api.Tensor.of(r, 1, 2),
                            "fc2", io.nnviz.api.Tensor.of(new float[] {r[0], 0, 0}, 1, 3));
                }).build();
        assertEquals(java.util.Map.of("fc1", 2.0, "fc2", 6.0), io.nnviz.renderers.figures.Overlays.parameters(m));
        var norms = io.nnviz.renderers.figures.Overlays.weightNorm(m); // from each tensor's mean and deviation: to rounding
        assertEquals(java.util.Set.of("fc1", "fc2"), norms.keySet());
        assertEquals(5.0, norms.get("fc1"), 1e-12);
        assertEquals(1.0, norms.get("fc2"), 1e-12);
        io.nnviz.api.Tensor minus = io.nnviz.api.Tensor.of(new float[] {-1}, 1, 1);
        var sparsity = io.nnviz.renderers.figures.Overlays.activationSparsity(m, minus);
        assertEquals(java.util.Map.of("fc1", 0.0, "relu", 1.0, "fc2", 1.0), sparsity, "a negative input: the ReLU and what follows are all zero");
        assertEquals(-3.5, io.nnviz.renderers.figures.Overlays.activationMean(m, minus).get("fc1"), 1e-6);
        Svg svg = Svg.parse(Figures.toSvg(ArchitectureDiagram.of(m).overlay(io.nnviz.renderers.figures.Overlays.weightNorm(m), "weight norm").build()));
        java.util.Map<String, String> fill = new java.util.HashMap<>();
        for (Element g : svg.groups("node")) {
            String tip = g.getElementsByTagNameNS("*", "title").item(0).getTextContent();
            fill.put(tip.split("\\n")[0], ((Element) g.getElementsByTagNameNS("*", "rect").item(0)).getAttribute("fill").toLowerCase(java.util.Locale.ROOT));
        }
        assertEquals("#fde725", fill.get("fc1"), "the largest value: viridis' top");
        assertEquals("#440154", fill.get("fc2"), "the smallest: viridis' bottom");
        assertEquals("#ffffff", fill.get("relu"), "no value: white");
        assertEquals(1, svg.groups("colorbar").size());
        assertTrue(svg.texts().contains("weight norm"), svg.texts().toString());
    }

    /** Issue 19's scale: a flat graph past ten times the automatic limit is drawn as runs of layers; past the box cap, collapsed with a note. */
    @Test
    void flatGraphsAreDrawnInRunsAndHugeExpandedViewsCollapseWithANote() {
        ModelView m = chain(3_000, "op");
        Svg svg = Svg.parse(Figures.toSvg(ArchitectureDiagram.of(m).build()));
        List<String> names = svg.texts().stream().filter(t -> t.startsWith("layers ")).toList();
        assertTrue(!names.isEmpty() && svg.groups("node").size() <= 120, svg.groups("node").size() + " boxes: " + names);
        assertTrue(svg.texts().stream().anyMatch(t -> t.startsWith("layers 0\u2013")), svg.texts().toString());
        ModelView huge = chain(31_000, "op");
        Svg capped = Svg.parse(Figures.toSvg(ArchitectureDiagram.of(huge).autoCollapse(Integer.MAX_VALUE).build()));
        assertTrue(capped.groups("node").size() <= 120, "not 31,000 boxes");
        assertTrue(String.join(" ", capped.texts()).contains("drawn collapsed (over 30,000 boxes expanded)"), capped.texts().get(0));
    }
}
