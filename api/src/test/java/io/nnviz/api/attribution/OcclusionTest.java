package io.nnviz.api.attribution;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.spi.ModelBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Occlusion on models whose answer is known in closed form: for a linear score, occluding a window
 * to 0 drops the score by the window's sum of w * x, so every map value is an average of those.
 */
class OcclusionTest {
    private static final int C = 2, H = 5, W = 6;
    private static final float[] WEIGHTS = new float[C * H * W];

    static {
        for (int i = 0; i < WEIGHTS.length; i++) {
            WEIGHTS[i] = (float) Math.sin(1.3 * i + 0.2);
        }
    }

    /** Two outputs: score 0 = w . x, score 1 = -2 (w . x); batch free or fixed at 1. */
    private static ModelView linear(boolean fixedBatch, AtomicInteger calls) {
        return ModelBuilder.of("linear").layer(LayerInfo.builder("x", LayerKind.INPUT).outputShape(Shape.of(fixedBatch ? 1 : -1, C, H, W)).build())
                .layer(LayerInfo.builder("y", LayerKind.DENSE).outputShape(Shape.of(-1, 2)).build()).chain("x", "y")
                .forward((in, ids) -> {
                    calls.incrementAndGet();
                    int n = in.shape().dim(0), per = C * H * W;
                    float[] y = new float[2 * n];
                    for (int k = 0; k < n; k++) {
                        double s = 0;
                        for (int i = 0; i < per; i++) {
                            s += WEIGHTS[i] * in.getFlat(k * per + i);
                        }
                        y[2 * k] = (float) s;
                        y[2 * k + 1] = (float) (-2 * s);
                    }
                    return Map.of("y", Tensor.of(y, n, 2));
                }).build();
    }

    private static Tensor image() {
        float[] v = new float[C * H * W];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (0.5 + 0.4 * Math.cos(0.7 * i));
        }
        return Tensor.of(v, 1, C, H, W);
    }

    @Test
    void aOneByOneWindowGivesEachPixelsContributionSummedOverChannels() {
        Tensor x = image();
        AtomicInteger calls = new AtomicInteger();
        Tensor map = Occlusion.of(linear(false, calls)).window(1, 1).stride(1, 1).batch(7).map(x, 0);
        assertEquals(Shape.of(H, W), map.shape());
        for (int r = 0; r < H; r++) {
            for (int c = 0; c < W; c++) {
                double want = 0;
                for (int ch = 0; ch < C; ch++) {
                    int i = (ch * H + r) * W + c;
                    want += WEIGHTS[i] * x.getFlat(i);
                }
                assertEquals(want, map.get(r, c), 1e-5, "pixel " + r + "," + c);
            }
        }
        assertEquals(1 + (H * W + 6) / 7, calls.get(), "the base run and the occluded copies in batches of 7");
        // the second unit is -2 times the first: so is its map
        Tensor second = Occlusion.of(linear(false, new AtomicInteger())).window(1, 1).stride(1, 1).map(x, 1);
        for (int i = 0; i < map.size(); i++) {
            assertEquals(-2 * map.getFlat(i), second.getFlat(i), 1e-4);
        }
    }

    @Test
    void overlappingWindowsAverageTheirDropsAndAFixedBatchRunsOneAtATime() {
        Tensor x = image();
        AtomicInteger calls = new AtomicInteger();
        Tensor batched = Occlusion.of(linear(false, new AtomicInteger())).window(3, 2).stride(2, 2).map(x, 0);
        Tensor single = Occlusion.of(linear(true, calls)).window(3, 2).stride(2, 2).map(x, 0);
        // windows: rows start 0, 2 (the last clamped to fit 5 rows); columns 0, 2, 4
        int windows = 2 * 3;
        assertEquals(1 + windows, calls.get(), "batch fixed at 1: one run per window");
        for (int i = 0; i < batched.size(); i++) {
            assertEquals(batched.getFlat(i), single.getFlat(i), 1e-6);
        }
        // pixel (2, 0) lies in the windows at rows 0-2 and 2-4 of columns 0-1: the mean of their drops
        double a = 0, b = 0;
        for (int ch = 0; ch < C; ch++) {
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 2; c++) {
                    a += WEIGHTS[(ch * H + r) * W + c] * x.getFlat((ch * H + r) * W + c);
                    b += WEIGHTS[(ch * H + r + 2) * W + c] * x.getFlat((ch * H + r + 2) * W + c);
                }
            }
        }
        assertEquals((a + b) / 2, batched.get(2, 0), 1e-5);
    }

    @Test
    void badRequestsAreClearErrors() {
        ModelView m = linear(false, new AtomicInteger());
        assertTrue(assertThrows(InvalidInputException.class, () -> Occlusion.of(m).map(image(), 2)).getMessage().contains("target 2"));
        assertTrue(assertThrows(InvalidInputException.class, () -> Occlusion.of(m).map(Tensor.zeros(2, C, H, W), 0))
                .getMessage().contains("[2, 2, 5, 6]"));
        assertThrows(IllegalArgumentException.class, () -> Occlusion.of(m).window(0, 1));
        assertEquals(List.of(H, W), List.of(Occlusion.of(m).map(image(), 0).shape().dim(0), Occlusion.of(m).map(image(), 0).shape().dim(1)));
    }
}
