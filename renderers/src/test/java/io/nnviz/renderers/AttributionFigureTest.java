package io.nnviz.renderers;

import io.nnviz.api.Tensor;
import io.nnviz.api.attribution.Attribution;
import io.nnviz.api.attribution.Faithfulness;
import io.nnviz.renderers.figures.AttributionFigure;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The attribution figure: a signed map red where it speaks for the target and blue against, the unsigned map, the curves and their areas. */
class AttributionFigureTest {
    private static final int H = 20, W = 20;

    /** Positive on the left half, negative on the right, over a mid-gray RGB image. */
    private static Attribution halves() {
        float[] values = new float[3 * H * W];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    values[(c * H + y) * W + x] = x < W / 2 ? 0.5f : -0.5f;
                }
            }
        }
        Tensor v = Tensor.of(values, 1, 3, H, W);
        float[] pos = new float[H * W];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = values[i] + values[H * W + i] + values[2 * H * W + i];
        }
        return new Attribution("Integrated Gradients", 3, v, Tensor.of(pos, H, W), Map.of());
    }

    private static Tensor gray() {
        float[] px = new float[3 * H * W];
        java.util.Arrays.fill(px, 0.5f);
        return Tensor.of(px, 3, H, W);
    }

    @Test
    void theSignedMapIsRedForAndBlueAgainstAndTheCurvesCarryTheirAreas() {
        Faithfulness.Curve del = new Faithfulness.Curve("deletion", new double[] {0, 0.5, 1}, new double[] {0.9, 0.2, 0.1}, 0.35);
        Faithfulness.Curve ins = new Faithfulness.Curve("insertion", new double[] {0, 0.5, 1}, new double[] {0.1, 0.7, 0.9}, 0.6);
        Figure f = AttributionFigure.of(gray(), halves()).deletion(del).insertion(ins).panelSize(100).build();
        Svg svg = Svg.parse(Figures.toSvg(f));
        assertTrue(svg.texts().containsAll(java.util.List.of("input", "signed", "|attribution|", "deletion 0.350", "insertion 0.600", "Faithfulness (areas)")),
                svg.texts().toString());
        assertTrue(svg.texts().stream().anyMatch(t -> t.contains("Integrated Gradients for output 3")), svg.texts().toString());
        // the signed panel, drawn second: sample its left and right halves in the PNG
        BufferedImage img = Figures.toImage(f, 1);
        int redish = 0, blueish = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth() / 3; x++) {
                int p = img.getRGB(x, y), r = p >> 16 & 0xFF, b = p & 0xFF;
                if (r - b > 60) {
                    redish++;
                } else if (b - r > 60) {
                    blueish++;
                }
            }
        }
        assertTrue(redish > 1500 && blueish > 1500, "red and blue halves: " + redish + " red, " + blueish + " blue pixels");
    }

    @Test
    void aMapOfPositionsOnlyShowsOneMapAndWrongShapesAreRefused() {
        float[] cam = new float[H * W];
        for (int i = 0; i < cam.length; i++) {
            cam[i] = i % W;
        }
        Attribution a = new Attribution("Grad-CAM", 1, null, Tensor.of(cam, H, W), Map.of());
        Svg svg = Svg.parse(Figures.toSvg(AttributionFigure.of(gray(), a).build()));
        assertTrue(svg.texts().contains("attribution") && !svg.texts().contains("signed"), svg.texts().toString());
        assertThrows(IllegalArgumentException.class, () -> AttributionFigure.of(Tensor.zeros(3, 5, 5), a));
        assertEquals(2, a.positions().rank());
    }
}
