package io.nnviz.api.attribution;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerGradient;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.spi.ModelBuilder;
import io.nnviz.testkit.FiniteDifferences;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each attribution method against an independent computation on small dense models whose answers
 * are known: closed forms for a linear score, a fine Riemann sum and finite differences for a
 * nonlinear one, and Grad-CAM(++) and Score-CAM weights worked by hand.
 */
class AttributionMethodsTest {
    private static final int C = 2, H = 3, W = 4, N = C * H * W, HIDDEN = 5;
    private static final float[] WL = new float[2 * N], W1 = new float[HIDDEN * N], V = new float[2 * HIDDEN];

    static {
        Random r = new Random(3);
        for (int i = 0; i < WL.length; i++) {
            WL[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < W1.length; i++) {
            W1[i] = (float) (r.nextGaussian() * 0.4);
        }
        for (int i = 0; i < V.length; i++) {
            V[i] = (float) r.nextGaussian();
        }
    }

    private static Tensor input(long seed) {
        Random r = new Random(seed);
        float[] x = new float[N];
        for (int i = 0; i < N; i++) {
            x[i] = r.nextFloat();
        }
        return Tensor.of(x, 1, C, H, W);
    }

    /** Two linear scores y_k = WL_k . x; the gradient of y_t is WL_t for every sample. */
    static ModelView linear() {
        return ModelBuilder.of("linear").layer(LayerInfo.builder("x", LayerKind.INPUT).outputShape(Shape.of(-1, C, H, W)).build())
                .layer(LayerInfo.builder("y", LayerKind.DENSE).outputShape(Shape.of(-1, 2)).build()).chain("x", "y")
                .forward((in, ids) -> {
                    int n = in.shape().dim(0);
                    float[] y = new float[2 * n];
                    for (int k = 0; k < n; k++) {
                        for (int t = 0; t < 2; t++) {
                            double s = 0;
                            for (int i = 0; i < N; i++) {
                                s += WL[t * N + i] * in.getFlat(k * N + i);
                            }
                            y[2 * k + t] = (float) s;
                        }
                    }
                    return Map.of("y", Tensor.of(y, n, 2));
                })
                .inputGradient((in, t) -> {
                    int n = in.shape().dim(0);
                    float[] g = new float[n * N];
                    for (int k = 0; k < n; k++) {
                        System.arraycopy(WL, t * N, g, k * N, N);
                    }
                    return Tensor.of(g, in.shape().toArray());
                }).build();
    }

    private static double tanhScore(float[] x, int off, int t) {
        double s = 0;
        for (int j = 0; j < HIDDEN; j++) {
            double z = 0;
            for (int i = 0; i < N; i++) {
                z += W1[j * N + i] * x[off + i];
            }
            s += V[t * HIDDEN + j] * Math.tanh(z);
        }
        return s;
    }

    /** y_t = V_t . tanh(W1 x), its gradient by the chain rule. */
    static ModelView tanhNet() {
        return ModelBuilder.of("tanh").layer(LayerInfo.builder("x", LayerKind.INPUT).outputShape(Shape.of(-1, C, H, W)).build())
                .layer(LayerInfo.builder("y", LayerKind.DENSE).outputShape(Shape.of(-1, 2)).build()).chain("x", "y")
                .forward((in, ids) -> {
                    int n = in.shape().dim(0);
                    float[] x = in.toArray(), y = new float[2 * n];
                    for (int k = 0; k < n; k++) {
                        y[2 * k] = (float) tanhScore(x, k * N, 0);
                        y[2 * k + 1] = (float) tanhScore(x, k * N, 1);
                    }
                    return Map.of("y", Tensor.of(y, n, 2));
                })
                .inputGradient((in, t) -> {
                    int n = in.shape().dim(0);
                    float[] x = in.toArray(), g = new float[n * N];
                    for (int k = 0; k < n; k++) {
                        for (int j = 0; j < HIDDEN; j++) {
                            double z = 0;
                            for (int i = 0; i < N; i++) {
                                z += W1[j * N + i] * x[k * N + i];
                            }
                            double d = V[t * HIDDEN + j] * (1 - Math.tanh(z) * Math.tanh(z));
                            for (int i = 0; i < N; i++) {
                                g[k * N + i] += (float) (d * W1[j * N + i]);
                            }
                        }
                    }
                    return Tensor.of(g, in.shape().toArray());
                }).build();
    }

    @Test
    void onALinearScoreIntegratedGradientsAndInputXGradientAreWTimesXAndSmoothGradIsW() {
        ModelView m = linear();
        Tensor x = input(1);
        Attribution ig = IntegratedGradients.of(m).steps(7).internalBatch(3).attribute(x, 1);
        Attribution ixg = InputXGradient.of(m).attribute(x, 1);
        Attribution sg = SmoothGrad.of(m).samples(10).attribute(x, 1);
        for (int i = 0; i < N; i++) {
            double want = WL[N + i] * x.getFlat(i);
            assertEquals(want, ig.values().getFlat(i), 1e-5, "IG " + i);
            assertEquals(want, ixg.values().getFlat(i), 1e-6, "IxG " + i);
            assertEquals(WL[N + i], sg.values().getFlat(i), 1e-6, "SmoothGrad of a linear score is its gradient whatever the noise");
        }
        assertEquals(0, ig.diagnostics().get("delta"), 1e-4, "completeness is exact for a linear score");
        // positions: channels summed, and the unsigned view sums magnitudes
        assertEquals(List.of(H, W), java.util.Arrays.stream(ig.positions().shape().toArray()).boxed().toList());
        assertEquals(ig.values().getFlat(0) + ig.values().getFlat(H * W), ig.positions().getFlat(0), 1e-6);
        assertEquals(Math.abs(ig.values().getFlat(5)) + Math.abs(ig.values().getFlat(H * W + 5)), ig.absolutePositions().getFlat(5), 1e-6);
        // a baseline of the input's shape: IG = w (x - b)
        Tensor b = input(2);
        Attribution ib = IntegratedGradients.of(m).baseline(b).attribute(x, 0);
        assertEquals(WL[3] * (x.getFlat(3) - b.getFlat(3)), ib.values().getFlat(3), 1e-5);
    }

    @Test
    void onANonlinearNetIntegratedGradientsMatchesAFineRiemannSumAndIsCompleteAt64Steps() throws Exception {
        ModelView m = tanhNet();
        Tensor x = input(4);
        // the chain-rule gradient itself, against finite differences of the forward pass
        FiniteDifferences.assertMatches(x, m.inputGradient(x, 0), v -> tanhScore(v, 0, 0), 1e-3, 1e-3, 8);
        Attribution ig = IntegratedGradients.of(m).steps(64).internalBatch(16).attribute(x, 0);
        double fx = tanhScore(x.toArray(), 0, 0), f0 = tanhScore(new float[N], 0, 0);
        assertEquals(fx - f0, ig.sum(), 0.01 * Math.abs(fx - f0), "completeness within 1% at 64 steps");
        assertEquals(fx, ig.diagnostics().get("f(input)"), 1e-5);
        assertEquals(f0, ig.diagnostics().get("f(baseline)"), 1e-5);
        // independent: 20,000 midpoints of the path, in double precision
        float[] xv = x.toArray();
        int steps = 20_000;
        double[] want = new double[N];
        for (int s = 0; s < steps; s++) {
            float[] p = new float[N];
            double a = (s + 0.5) / steps;
            for (int i = 0; i < N; i++) {
                p[i] = (float) (a * xv[i]);
            }
            Tensor g = m.inputGradient(Tensor.of(p, 1, C, H, W), 0);
            for (int i = 0; i < N; i++) {
                want[i] += g.getFlat(i) / steps;
            }
        }
        for (int i = 0; i < N; i++) {
            assertEquals(want[i] * xv[i], ig.values().getFlat(i), 1e-4, "IG value " + i);
        }
        // few steps are far less exact: the diagnostic says so
        double coarse = Math.abs(IntegratedGradients.of(m).steps(1).attribute(x, 0).diagnostics().get("delta"));
        assertTrue(coarse > Math.abs(ig.diagnostics().get("delta")), "delta shrinks with steps: " + coarse);
    }

    @Test
    void gaussLegendreIntegratesPolynomialsOfDegreeTwoNMinusOneExactly() {
        for (int n : new int[] {1, 2, 5, 16, 64}) {
            double[][] q = Quadrature.gaussLegendre(n);
            double sumW = 0, moment = 0;
            for (int i = 0; i < n; i++) {
                sumW += q[1][i];
                moment += q[1][i] * Math.pow(q[0][i], 2 * n - 1);
                assertTrue(q[0][i] > 0 && q[0][i] < 1 && (i == 0 || q[0][i] > q[0][i - 1]));
            }
            assertEquals(1, sumW, 1e-12);
            assertEquals(1.0 / (2 * n), moment, 1e-12, "the integral of x^(2n-1) on [0, 1] with " + n + " nodes");
        }
    }

    @Test
    void smoothGradConvergesToTheExpectedGradientUnderNoise() {
        ModelView m = tanhNet();
        Tensor x = input(5);
        Attribution sg = SmoothGrad.of(m).samples(4000).noise(0.2).internalBatch(64).seed(11).attribute(x, 1);
        Attribution sq = SmoothGrad.of(m).samples(4000).noise(0.2).squared(true).internalBatch(64).seed(11).attribute(x, 1);
        // independent Monte Carlo, another seed: E[grad(x + e)], E[grad^2], e ~ N(0, (0.2 * range)^2)
        float[] xv = x.toArray();
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (float v : xv) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double sigma = 0.2 * (max - min);
        assertEquals(sigma, sg.diagnostics().get("sigma"), 1e-6);
        Random r = new Random(99);
        double[] mean = new double[N], meanSq = new double[N];
        int samples = 8000;
        for (int s = 0; s < samples; s++) {
            float[] p = new float[N];
            for (int i = 0; i < N; i++) {
                p[i] = (float) (xv[i] + sigma * r.nextGaussian());
            }
            Tensor g = m.inputGradient(Tensor.of(p, 1, C, H, W), 1);
            for (int i = 0; i < N; i++) {
                mean[i] += g.getFlat(i) / samples;
                meanSq[i] += (double) g.getFlat(i) * g.getFlat(i) / samples;
            }
        }
        for (int i = 0; i < N; i++) {
            assertEquals(mean[i], sg.values().getFlat(i), 0.03, "SmoothGrad " + i);
            assertEquals(meanSq[i], sq.values().getFlat(i), 0.05, "SmoothGrad-squared " + i);
            assertTrue(sq.values().getFlat(i) >= 0);
        }
        assertArrayEquals(sg.values().toArray(), SmoothGrad.of(m).samples(4000).noise(0.2).internalBatch(7).seed(11).attribute(x, 1)
                .values().toArray(), 1e-5f, "the same seed gives the same map, whatever the batching");
    }

    /** A two-channel 2 x 2 layer, worked by hand. */
    private static LayerGradient tiny() {
        Tensor a = Tensor.of(new float[] {1, 2, 0, 1, /* channel 1 */ 0, 3, 1, 0}, 1, 2, 2, 2);
        Tensor g = Tensor.of(new float[] {0.5f, -0.5f, 1, 0, /* channel 1 */ -1, 2, 0.5f, 0.5f}, 1, 2, 2, 2);
        return new LayerGradient("conv", 0, a, g);
    }

    @Test
    void gradCamAndGradCamPlusPlusWeighChannelsAsThePapersSay() {
        LayerGradient lg = tiny();
        // Grad-CAM: w0 = mean(0.5, -0.5, 1, 0) = 0.25, w1 = mean(-1, 2, .5, .5) = 0.5; cam = relu(w0 A0 + w1 A1)
        float[] cam = GradCam.map(lg).toArray();
        assertArrayEquals(new float[] {0.25f, 0.5f + 1.5f, 0.5f, 0.25f}, cam, 1e-6f);
        // Grad-CAM++: alpha = g^2 / (2 g^2 + sum(A) g^3), w = sum(alpha relu(g)); sum(A0) = 4, sum(A1) = 4
        double[] w = new double[2];
        float[][] g = {{0.5f, -0.5f, 1, 0}, {-1, 2, 0.5f, 0.5f}};
        for (int c = 0; c < 2; c++) {
            for (float v : g[c]) {
                double den = 2 * v * v + 4 * v * v * v;
                w[c] += (den == 0 ? 0 : v * v / den) * Math.max(0, v);
            }
        }
        float[] a0 = {1, 2, 0, 1}, a1 = {0, 3, 1, 0};
        float[] pp = GradCam.plusPlusMap(lg).toArray();
        for (int i = 0; i < 4; i++) {
            assertEquals(Math.max(0, w[0] * a0[i] + w[1] * a1[i]), pp[i], 1e-6, "Grad-CAM++ at " + i);
        }
        assertThrows(InvalidInputException.class, () -> GradCam.map(new LayerGradient("fc", 0, Tensor.of(new float[2], 1, 2),
                Tensor.of(new float[2], 1, 2))));
    }

    /**
     * A model with an inner "conv" layer whose activation is the input's two channels, and a
     * softmax over two scores of the input; Score-CAM's weights are the target's probabilities for
     * the input masked by each channel, computed here directly.
     */
    @Test
    void scoreCamWeighsEachChannelByTheProbabilityOfItsMaskedInput() {
        ModelView m = ModelBuilder.of("two").layer(LayerInfo.builder("x", LayerKind.INPUT).outputShape(Shape.of(-1, C, H, W)).build())
                .layer(LayerInfo.builder("conv", LayerKind.CONV).outputShape(Shape.of(-1, C, H, W)).build())
                .layer(LayerInfo.builder("p", LayerKind.ACTIVATION).outputShape(Shape.of(-1, 2)).build()).chain("x", "conv", "p")
                .forward((in, ids) -> {
                    Map<String, Tensor> out = new HashMap<>();
                    out.put("conv", in);
                    int n = in.shape().dim(0);
                    float[] p = new float[2 * n];
                    for (int k = 0; k < n; k++) {
                        double[] s = new double[2];
                        for (int t = 0; t < 2; t++) {
                            for (int i = 0; i < N; i++) {
                                s[t] += WL[t * N + i] * in.getFlat(k * N + i);
                            }
                        }
                        double z = Math.exp(s[0]) + Math.exp(s[1]);
                        p[2 * k] = (float) (Math.exp(s[0]) / z);
                        p[2 * k + 1] = (float) (Math.exp(s[1]) / z);
                    }
                    out.put("p", Tensor.of(p, n, 2));
                    return out;
                }).build();
        Tensor x = input(6);
        float[] xv = x.toArray();
        Attribution sc = ScoreCam.of(m).internalBatch(1).attribute(x, 1);
        double[] weight = new double[C];
        for (int c = 0; c < C; c++) {
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int i = 0; i < H * W; i++) {
                min = Math.min(min, xv[c * H * W + i]);
                max = Math.max(max, xv[c * H * W + i]);
            }
            double[] s = new double[2];
            for (int t = 0; t < 2; t++) {
                for (int ch = 0; ch < C; ch++) {
                    for (int i = 0; i < H * W; i++) {
                        double mask = (xv[c * H * W + i] - min) / (max - min);
                        s[t] += WL[t * N + ch * H * W + i] * xv[ch * H * W + i] * mask;
                    }
                }
            }
            weight[c] = Math.exp(s[1]) / (Math.exp(s[0]) + Math.exp(s[1]));
        }
        for (int i = 0; i < H * W; i++) {
            double want = Math.max(0, weight[0] * xv[i] + weight[1] * xv[H * W + i]);
            assertEquals(want, sc.positions().getFlat(i), 1e-5, "Score-CAM at " + i + " (same resolution: no resizing)");
        }
    }

    @Test
    void deletionAndInsertionFollowTheAttributionOrderAndItsAreasRankMethods() {
        ModelView m = linear();
        Tensor x = input(7);
        Faithfulness f = Faithfulness.of(m).steps(12).internalBatch(5);
        Attribution truth = InputXGradient.of(m).attribute(x, 0);
        Faithfulness.Curve del = f.deletion(x, 0, truth);
        // the first point is the input's probability, the last the baseline's (all zeros: equal scores, p = 1/2)
        double[] p = del.probabilities();
        double s0 = 0, s1 = 0;
        for (int i = 0; i < N; i++) {
            s0 += WL[i] * x.getFlat(i);
            s1 += WL[N + i] * x.getFlat(i);
        }
        assertEquals(1 / (1 + Math.exp(s1 - s0)), p[0], 1e-5);
        assertEquals(0.5, p[p.length - 1], 1e-6);
        assertEquals(0, del.fractions()[0]);
        assertEquals(1, del.fractions()[12]);
        // removing the positions that raise score 0 most first: the probability falls at least as fast as in any other order
        double random = f.deletion(x, 0, Faithfulness.random(x, 3)).area();
        Attribution reversed = new Attribution("reversed", 0, null, negate(truth.positions()), Map.of());
        double worst = f.deletion(x, 0, reversed).area();
        assertTrue(del.area() < random && random < worst, "deletion: truth " + del.area() + " < random " + random + " < reversed " + worst);
        double ins = f.insertion(x, 0, truth).area(), insRandom = f.insertion(x, 0, Faithfulness.random(x, 3)).area();
        assertTrue(ins > insRandom, "insertion: truth " + ins + " > random " + insRandom);
        assertThrows(InvalidInputException.class, () -> f.deletion(x, 0, new Attribution("bad", 0, null, Tensor.zeros(2, 2), Map.of())));
    }

    /** A one-unit output is a sigmoid's probability where it lies in [0, 1], else the logit of one (a softmax of one unit is always 1). */
    @Test
    void aSingleUnitOutputIsTakenAsABinaryProbability() {
        for (float scale : new float[] {0.01f, 3f}) {
            ModelView m = ModelBuilder.of("one").layer(LayerInfo.builder("x", LayerKind.INPUT).outputShape(Shape.of(-1, C, H, W)).build())
                    .layer(LayerInfo.builder("y", LayerKind.DENSE).outputShape(Shape.of(-1, 1)).build()).chain("x", "y")
                    .forward((in, ids) -> {
                        int n = in.shape().dim(0);
                        float[] y = new float[n];
                        for (int k = 0; k < n; k++) {
                            for (int i = 0; i < N; i++) {
                                y[k] += scale * WL[i] * in.getFlat(k * N + i);
                            }
                        }
                        return Map.of("y", Tensor.of(y, n, 1));
                    }).build();
            Tensor x = input(7);
            double s = 0;
            for (int i = 0; i < N; i++) {
                s += scale * WL[i] * x.getFlat(i);
            }
            double want = s >= 0 && s <= 1 ? s : 1 / (1 + Math.exp(-s));
            double[] p = Faithfulness.of(m).steps(4).deletion(x, 0, Faithfulness.random(x, 1)).probabilities();
            assertEquals(want, p[0], 1e-5, "scale " + scale + ", score " + s);
            assertEquals(0.0, p[4], 0.5, "the baseline's probability is its own, not 1");
            assertTrue(p[4] < 1, "not the softmax of one unit");
        }
    }

    private static Tensor negate(Tensor t) {
        float[] v = t.toArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = -v[i];
        }
        return Tensor.adopt(v, t.shape().toArray());
    }

    @Test
    void badArgumentsAreClearErrors() {
        ModelView m = linear();
        assertThrows(IllegalArgumentException.class, () -> IntegratedGradients.of(m).steps(0));
        assertThrows(IllegalArgumentException.class, () -> SmoothGrad.of(m).noise(Double.NaN));
        assertThrows(InvalidInputException.class, () -> IntegratedGradients.of(m).attribute(Tensor.zeros(2, C, H, W), 0));
        assertThrows(InvalidInputException.class, () -> IntegratedGradients.of(m).baseline(Tensor.zeros(1, 1, H, W)).attribute(input(1), 0));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> IntegratedGradients.of(m).attribute(input(1), 5));
        assertTrue(e.getMessage().contains("target 5"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> GradCam.of(m).attribute(input(1), 0), "no conv layer");
    }
}
