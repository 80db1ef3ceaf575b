package io.nnviz.renderers;

import io.nnviz.api.Tensor;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.figures.ActivationGrid;
import io.nnviz.renderers.figures.FilterGrid;
import io.nnviz.renderers.figures.Normalization;
import io.nnviz.renderers.figures.SaliencyOverlay;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Base64;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TileFiguresTest {

    static Tensor random(long seed, int... shape) {
        Random r = new Random(seed);
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Tensor.of(v, shape);
    }

    static BufferedImage embedded(Element image) throws Exception {
        String href = image.getAttributeNS("http://www.w3.org/1999/xlink", "href");
        assertTrue(href.startsWith("data:image/png;base64,"), "image is not an embedded PNG");
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(href.substring(22))));
    }

    static Element tilesElement(Svg svg) {
        return (Element) svg.groups("tiles").get(0).getElementsByTagNameNS("*", "image").item(0);
    }

    static BufferedImage tiles(Svg svg) throws Exception {
        return embedded(tilesElement(svg));
    }

    @Test
    void filterGridHasOneTilePerFilterInOneEmbeddedImage() throws Exception {
        Tensor k = random(1, 20, 1, 5, 5);
        Svg svg = Svg.parse(Figures.toSvg(FilterGrid.of(k).title("conv1").build()));
        assertEquals(2, svg.all("image").size(), "one tile image + one colour bar image");
        assertEquals(1, svg.groups("tiles").get(0).getElementsByTagNameNS("*", "image").getLength());
        List<String> labels = svg.texts().stream().filter(t -> t.startsWith("#")).toList();
        assertEquals(20, labels.size());
        assertEquals("#0", labels.get(0));
        assertEquals("#19", labels.get(19));
        // 20 tiles in 5 columns x 4 rows of 5x5 pixels, 1 px apart, label gaps between rows
        BufferedImage tiles = tiles(svg);
        assertEquals(5 * 5 + 4, tiles.getWidth());
        // the colour bar shows the symmetric range of a diverging map
        double m = Math.max(Math.abs(k.stats().min()), Math.abs(k.stats().max()));
        assertTrue(svg.texts().contains(io.nnviz.renderers.canvas.Num.label(m)), svg.texts().toString());
        assertTrue(svg.texts().contains(io.nnviz.renderers.canvas.Num.label(-m)), svg.texts().toString());
    }

    @Test
    void knownTensorHasExpectedColoursAtKnownPixels() throws Exception {
        // one 2x2 filter: -1, 0, 1, NaN with a diverging global scale [-1, 1]
        Tensor k = Tensor.of(new float[] {-1, 0, 1, Float.NaN}, 1, 1, 2, 2);
        Figure f = FilterGrid.of(k).tileSize(40).build();
        Svg svg = Svg.parse(Figures.toSvg(f));
        BufferedImage raw = tiles(svg);
        int gap = raw.getHeight() - 2; // label rows above the tile
        assertEquals(Colormaps.DIVERGING.color(0) & 0xFFFFFF, raw.getRGB(0, gap) & 0xFFFFFF);
        assertEquals(Colormaps.DIVERGING.color(0.5) & 0xFFFFFF, raw.getRGB(1, gap) & 0xFFFFFF);
        assertEquals(Colormaps.DIVERGING.color(1) & 0xFFFFFF, raw.getRGB(0, gap + 1) & 0xFFFFFF);
        assertEquals(Colormaps.NON_FINITE & 0xFFFFFF, raw.getRGB(1, gap + 1) & 0xFFFFFF);
        // the PNG path: same colours at the centres of the four 20x20 cells
        Element img = tilesElement(svg);
        double x0 = Svg.num(img, "x"), y0 = Svg.num(img, "y"), s = Svg.num(img, "width") / raw.getWidth();
        BufferedImage png = Figures.toImage(f, 1);
        int[][] cells = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};
        int[] expected = {Colormaps.DIVERGING.color(0), Colormaps.DIVERGING.color(0.5), Colormaps.DIVERGING.color(1), Colormaps.NON_FINITE};
        for (int i = 0; i < 4; i++) {
            int px = (int) (x0 + (cells[i][0] + 0.5) * s), py = (int) (y0 + (gap + cells[i][1] + 0.5) * s);
            assertColor(expected[i], png.getRGB(px, py), 2, "cell " + i);
        }
        assertTrue(svg.texts().stream().anyMatch(t -> t.contains("1 NaN")), "NaN caption: " + svg.texts());
    }

    static void assertColor(int expected, int actual, int tol, String what) {
        for (int sh = 0; sh <= 16; sh += 8) {
            int e = expected >> sh & 0xFF, a = actual >> sh & 0xFF;
            assertTrue(Math.abs(e - a) <= tol, what + ": expected #" + Integer.toHexString(expected & 0xFFFFFF)
                    + " got #" + Integer.toHexString(actual & 0xFFFFFF));
        }
    }

    @Test
    void rgbFiltersForThreeInputChannels() throws Exception {
        Tensor k = random(2, 8, 3, 7, 7);
        Svg svg = Svg.parse(Figures.toSvg(FilterGrid.of(k).build()));
        BufferedImage raw = tiles(svg);
        assertEquals(3 * 7 + 2, raw.getWidth(), "8 filters in 3 columns");
        boolean colourful = false;
        for (int y = 0; y < raw.getHeight(); y++) {
            for (int x = 0; x < raw.getWidth(); x++) {
                int c = raw.getRGB(x, y);
                colourful |= (c >> 16 & 0xFF) != (c & 0xFF);
            }
        }
        assertTrue(colourful, "RGB tiles are not coloured");
        Svg per = Svg.parse(Figures.toSvg(FilterGrid.of(k).channels(FilterGrid.Channels.PER_CHANNEL).build()));
        assertEquals(24, per.texts().stream().filter(t -> t.matches("\\d+/\\d")).count());
    }

    @Test
    void aOneByOneKernelShowsEachFiltersWeightsOnItsInputChannels() throws Exception {
        // 2 filters of 6 input channels: filter 0 runs -1 .. 1 over its channels, filter 1 the other way
        float[] v = new float[12];
        for (int c = 0; c < 6; c++) {
            v[c] = -1 + 0.4f * c;
            v[6 + c] = 1 - 0.4f * c;
        }
        Figure f = FilterGrid.of(Tensor.of(v, 2, 6, 1, 1)).build();
        Svg svg = Svg.parse(Figures.toSvg(f));
        BufferedImage raw = tiles(svg);
        int gap = raw.getHeight() - 2; // each tile is 2 rows of 3 channels, below its label rows
        assertEquals(2 * 3 + 1, raw.getWidth(), "2 tiles of 3 columns side by side, 1 apart");
        for (int filter = 0; filter < 2; filter++) {
            for (int c = 0; c < 6; c++) {
                int x = filter * 4 + c % 3, y = gap + c / 3;
                double frac = (v[filter * 6 + c] + 1) / 2; // the diverging scale spans -1 .. 1
                assertColor(Colormaps.DIVERGING.color(frac), raw.getRGB(x, y), 3, "filter " + filter + ", channel " + c);
            }
        }
        assertTrue(String.join(" ", svg.texts()).contains("weights on its 6 input channels, in 2 rows of 3"), svg.texts().toString());
        Svg mean = Svg.parse(Figures.toSvg(FilterGrid.of(random(3, 4, 5, 3, 3)).build()));
        assertTrue(String.join(" ", mean.texts()).contains("mean over its 5 input channels"), mean.texts().toString());
    }

    @Test
    void constantEmptyAndNanTensorsRenderWithCaptions() {
        Svg constant = Svg.parse(Figures.toSvg(ActivationGrid.of(Tensor.zeros(4, 3, 3)).build()));
        assertTrue(constant.texts().stream().anyMatch(t -> t.contains("constant")), constant.texts().toString());
        float[] nan = new float[18];
        java.util.Arrays.fill(nan, Float.NaN);
        Svg allNan = Svg.parse(Figures.toSvg(ActivationGrid.of(Tensor.of(nan, 2, 3, 3)).build()));
        assertTrue(allNan.texts().stream().anyMatch(t -> t.contains("No finite values")), allNan.texts().toString());
        float[] inf = {1, Float.POSITIVE_INFINITY, 2, 3};
        Svg withInf = Svg.parse(Figures.toSvg(FilterGrid.of(Tensor.of(inf, 1, 1, 2, 2)).build()));
        assertTrue(withInf.texts().stream().anyMatch(t -> t.contains("1 infinite")), withInf.texts().toString());
        assertTrue(withInf.texts().contains("NaN/Inf"), "legend swatch");
        // PNG path of the same must not throw and must be non-blank
        BufferedImage png = Figures.toImage(ActivationGrid.of(Tensor.zeros(4, 3, 3)).build(), 1);
        assertTrue(png.getWidth() > 10);
        // empty channel count is rejected with a message, not a division by zero
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FilterGrid.of(Tensor.zeros(0, 1, 3, 3)).build());
        assertTrue(e.getMessage().contains("no tiles"), e.getMessage());
    }

    @Test
    void activationGridTopKAndOverlay() throws Exception {
        float[] v = new float[6 * 4 * 4];
        for (int c = 0; c < 6; c++) {
            for (int i = 0; i < 16; i++) {
                v[c * 16 + i] = c == 4 ? 10 : c == 2 ? 5 : c * 0.1f;
            }
        }
        Tensor act = Tensor.of(v, 1, 6, 4, 4);
        Svg top = Svg.parse(Figures.toSvg(ActivationGrid.of(act).topK(2).build()));
        List<String> labels = top.texts().stream().filter(t -> t.startsWith("#")).toList();
        assertEquals(List.of("#4 \u03bc=10", "#2 \u03bc=5"), labels);
        Tensor image = random(5, 1, 8, 8);
        Svg over = Svg.parse(Figures.toSvg(ActivationGrid.of(act).overlay(image, 0.5).build()));
        BufferedImage raw = tiles(over);
        assertTrue(raw.getWidth() >= 8 * 3, "overlay tiles are at the input's resolution");
        Figure sal = SaliencyOverlay.saliency(image, random(6, 1, 8, 8)).build();
        Svg s = Svg.parse(Figures.toSvg(sal));
        assertTrue(s.texts().containsAll(List.of("input", "heat", "overlay")), s.texts().toString());
    }

    @Test
    void gradCamWeightsChannelsByMeanGradient() {
        // channel 0 has gradient +1 everywhere, channel 1 gradient -1: cam = relu(A0 - A1)
        float[] a = {1, 2, 3, 4, /* ch1 */ 4, 0, 0, 0};
        float[] g = {1, 1, 1, 1, -1, -1, -1, -1};
        Tensor cam = SaliencyOverlay.gradCamMap(new io.nnviz.api.LayerGradient("c", 0,
                Tensor.of(a, 1, 2, 2, 2), Tensor.of(g, 1, 2, 2, 2)));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {0, 2, 3, 4}, cam.toArray());
    }

    /** Issue 19: a dead (all zero) channel among live ones is grey and crossed, not the mid-scale colour of a live one. */
    @Test
    void deadChannelsAreMarkedNotDrawnMidScale() throws Exception {
        Tensor act = random(8, 1, 4, 6, 6);
        float[] v = act.toArray();
        java.util.Arrays.fill(v, 2 * 36, 3 * 36, 0f); // channel 2 dead
        Svg svg = Svg.parse(Figures.toSvg(ActivationGrid.of(Tensor.of(v, 1, 4, 6, 6)).columns(4).build()));
        List<org.w3c.dom.Element> dead = svg.groups("constant");
        assertEquals(1, dead.size());
        assertTrue(dead.get(0).getElementsByTagNameNS("*", "title").item(0).getTextContent().endsWith("constant 0"));
        assertTrue(svg.texts().stream().anyMatch(t -> t.startsWith("1 tile is constant (dead channels)")), svg.texts().toString());
        BufferedImage raw = tiles(svg);
        int tile = 7; // 4 columns of 6 px, 1 px apart
        assertEquals(io.nnviz.renderers.color.Palette.CONSTANT_COLOR, raw.getRGB(2 * tile + 3, raw.getHeight() - 3), "dead tile grey");
        int live = raw.getRGB(1 * tile + 3, raw.getHeight() - 3);
        assertTrue(live != io.nnviz.renderers.color.Palette.CONSTANT_COLOR, "live tile coloured");
    }

    /** Issue 19: a narrow figure's caption is wrapped within its width, whole, not clipped ("...overall rang"). */
    @Test
    void captionsWrapWithinTheFigure() {
        Figure f = FilterGrid.of(random(4, 2, 1, 3, 3)).normalization(Normalization.PER_TILE).build();
        Svg svg = Svg.parse(Figures.toSvg(f));
        String want = "Each tile normalised to its own range; the bar shows the overall range.";
        List<String> lines = svg.texts().stream().filter(t -> want.contains(t) && t.length() > 3).toList(); // not tick labels
        assertTrue(lines.size() >= 2, "wrapped onto several lines: " + svg.texts());
        assertEquals(want, String.join(" ", lines));
        for (String l : lines) {
            assertTrue(io.nnviz.renderers.canvas.TextStyle.of(10).width(l) <= f.width() - 20, l + " fits " + f.width());
        }
    }

    @Test
    void perTileNormalisationIsSelectable() {
        Tensor k = random(3, 4, 2, 3, 3);
        Svg svg = Svg.parse(Figures.toSvg(FilterGrid.of(k).normalization(Normalization.PER_TILE).build()));
        assertTrue(String.join(" ", svg.texts()).contains("own range"), svg.texts().toString());
    }

    @Test
    void mosaicIsTheBareTilesAtOnePixelPerValueInTheFiguresColours() throws Exception {
        Tensor k = random(3, 64, 3, 7, 7);
        io.nnviz.renderers.figures.TileFigure f = FilterGrid.of(k).build();
        io.nnviz.renderers.canvas.RasterImage m = f.mosaic();
        // 8 x 8 RGB tiles of 7x7, 1 px apart, one blank row above each tile row
        assertEquals(8 * 7 + 7, m.width());
        assertEquals(8 * (7 + 1), m.height());
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(m.toPng()));
        BufferedImage embedded = tiles(Svg.parse(Figures.toSvg(f)));
        // filter 9 (row 1, column 1), its pixel (2, 3), is the same colour in the mosaic and the figure
        int mx = 1 * 8 + 3, my = 1 * 8 + 1 + 2;
        assertEquals(m.pixel(mx, my), png.getRGB(mx, my));
        int ey = embedded.getHeight() / 8 + (embedded.getHeight() / 8 - 7) + 2;
        assertEquals(png.getRGB(mx, my), embedded.getRGB(mx, ey));
        // the value there is the RGB of the kernel's three channels at that position, stretched to the global range
        double lo = k.stats().min(), hi = k.stats().max();
        int red = (int) ((k.get(9, 0, 2, 3) - lo) * 255 / (hi - lo) + 0.5);
        assertEquals(red, (png.getRGB(mx, my) >> 16) & 255);
    }

    @Test
    void pngEncoderRoundTripsOpaqueTranslucentAndPaletteImages() throws Exception {
        java.util.Random r = new java.util.Random(5);
        int[] opaque = new int[37 * 23], translucent = new int[37 * 23];
        for (int i = 0; i < opaque.length; i++) {
            opaque[i] = 0xFF000000 | r.nextInt(0x1000000);
            translucent[i] = r.nextInt();
        }
        byte[] idx = new byte[37 * 23];
        r.nextBytes(idx);
        int[] palette = io.nnviz.renderers.color.Palette.of(io.nnviz.renderers.color.Colormaps.VIRIDIS, 0x00FFFFFF);
        for (io.nnviz.renderers.canvas.RasterImage img : List.of(
                io.nnviz.renderers.canvas.RasterImage.argb(37, 23, opaque),
                io.nnviz.renderers.canvas.RasterImage.argb(37, 23, translucent),
                io.nnviz.renderers.canvas.RasterImage.indexed(37, 23, idx, palette))) {
            BufferedImage back = ImageIO.read(new ByteArrayInputStream(img.toPng()));
            assertEquals(37, back.getWidth());
            for (int y = 0; y < 23; y++) {
                for (int x = 0; x < 37; x++) {
                    int want = img.pixel(x, y), got = back.getRGB(x, y);
                    if (want >>> 24 == 0) {
                        assertEquals(0, got >>> 24, "transparent at " + x + "," + y);
                    } else {
                        assertEquals(want, got, "pixel " + x + "," + y);
                    }
                }
            }
        }
    }

    /**
     * {@code Figures.toPng} draws into the raster its thread drew the last PNG into: figures of
     * different sizes in turn (the first larger, so the array is longer than the next image) each
     * read back as {@code toImage} draws them on a fresh image, pixel for pixel, both opaque.
     */
    @Test
    void pngsDrawnOneAfterAnotherEqualTheirOwnFreshImages() throws Exception {
        Random r = new Random(11);
        List<io.nnviz.renderers.figures.TileFigure> figures = new java.util.ArrayList<>();
        for (int[] d : new int[][] {{64, 3, 5, 5}, {9, 4, 3, 3}, {32, 8, 1, 1}, {16, 3, 7, 7}}) {
            float[] v = new float[d[0] * d[1] * d[2] * d[3]];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
            figures.add(FilterGrid.of(Tensor.of(v, d)).build());
        }
        for (io.nnviz.renderers.figures.TileFigure f : figures) {
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(Figures.toPng(f, 1.5)));
            BufferedImage fresh = Figures.toImage(f, 1.5);
            // opaque on their white background: drawn as RGB, written without an alpha channel
            assertEquals(BufferedImage.TYPE_INT_RGB, fresh.getType(), f.title());
            assertFalse(png.getColorModel().hasAlpha(), f.title());
            assertEquals(fresh.getWidth(), png.getWidth());
            assertEquals(fresh.getHeight(), png.getHeight());
            for (int y = 0; y < fresh.getHeight(); y++) {
                for (int x = 0; x < fresh.getWidth(); x++) {
                    assertEquals(fresh.getRGB(x, y), png.getRGB(x, y), f.title() + ": pixel " + x + "," + y);
                }
            }
        }
    }
}
