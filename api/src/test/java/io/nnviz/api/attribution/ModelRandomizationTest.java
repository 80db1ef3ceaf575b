package io.nnviz.api.attribution;

import io.nnviz.api.Capability;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;
import io.nnviz.api.spi.WeightShuffle;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The rank correlation and the randomisation steps of {@link ModelRandomization}, on a linear model whose maps are known. */
class ModelRandomizationTest {
    private static final int N = 12;

    /** y_t = w_t . x over a [1, 1, 3, 4] input, two units; a copy has w shuffled, and counts closes. */
    static final class Linear extends AbstractModel {
        final float[] w;
        final AtomicInteger closes;

        Linear(float[] w, AtomicInteger closes) {
            super("linear", "test", List.of(LayerInfo.builder("x", LayerKind.INPUT).outputShape(Shape.of(-1, 1, 3, 4)).build(),
                            LayerInfo.builder("y", LayerKind.DENSE).weight(new WeightSpec("w", WeightRole.KERNEL, Shape.of(2, N))).build()),
                    List.of(new io.nnviz.api.Edge("x", "y")), List.of(), Map.of(),
                    EnumSet.of(Capability.ACTIVATIONS, Capability.INPUT_GRADIENT, Capability.WEIGHTS, Capability.WEIGHT_RANDOMIZATION));
            this.w = w;
            this.closes = closes;
        }

        @Override
        protected Map<String, Tensor> doActivations(Tensor in, List<LayerInfo> layers) {
            float[] y = new float[2];
            for (int t = 0; t < 2; t++) {
                for (int i = 0; i < N; i++) {
                    y[t] += w[t * N + i] * in.getFlat(i);
                }
            }
            return Map.of("y", Tensor.of(y, 1, 2));
        }

        @Override
        protected Tensor doInputGradient(Tensor in, int t) {
            float[] g = new float[N];
            System.arraycopy(w, t * N, g, 0, N);
            return Tensor.of(g, 1, 1, 3, 4);
        }

        @Override
        protected List<WeightTensor> doWeights(LayerInfo layer) {
            return List.of(WeightTensor.of("y", "w", WeightRole.KERNEL, Tensor.of(w, 2, N)));
        }

        @Override
        protected ModelView doWithShuffledWeights(List<LayerInfo> layers, long seed) {
            return new Linear(WeightShuffle.shuffle(w.clone(), WeightShuffle.random(seed, "y", "w")), closes);
        }

        @Override
        protected void doClose() {
            closes.incrementAndGet();
        }
    }

    @Test
    void rankCorrelationIsSpearmansWithAndWithoutTies() {
        Random r = new Random(1);
        float[] a = new float[50], b = new float[50];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
            b[i] = a[i] + (float) r.nextGaussian();
        }
        // without ties Spearman's rho is 1 - 6 sum(d^2) / (n (n^2 - 1)), d the rank differences
        int[] ra = ranks(a), rb = ranks(b);
        double d2 = 0;
        for (int i = 0; i < a.length; i++) {
            d2 += Math.pow(ra[i] - rb[i], 2);
        }
        int n = a.length;
        assertEquals(1 - 6 * d2 / (n * ((double) n * n - 1)), ModelRandomization.spearman(Tensor.of(a, n), Tensor.of(b, n)), 1e-12);
        assertEquals(-1, ModelRandomization.spearman(Tensor.of(new float[] {1, 2, 3}, 3), Tensor.of(new float[] {9, 5, 1}, 3)), 1e-12);
        // ties take their mean rank: ranks [1, 2.5, 2.5, 4] against [1, 2, 3, 4], worked by hand: 4.5 / sqrt(4.5 * 5)
        assertEquals(4.5 / Math.sqrt(22.5), ModelRandomization.spearman(Tensor.of(new float[] {1, 2, 2, 3}, 4),
                Tensor.of(new float[] {1, 2, 3, 4}, 4)), 1e-12);
        assertEquals(Double.NaN, ModelRandomization.spearman(Tensor.of(new float[] {1, 1, 1}, 3), Tensor.of(new float[] {1, 2, 3}, 3)));
        assertThrows(InvalidInputException.class, () -> ModelRandomization.spearman(Tensor.zeros(3), Tensor.zeros(4)));
    }

    private static int[] ranks(float[] v) {
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            for (float u : v) {
                if (u < v[i]) {
                    r[i]++;
                }
            }
        }
        return r;
    }

    @Test
    void theRandomisedMapIsTheShuffledModelsAndTheCopyIsClosed() {
        Random r = new Random(2);
        float[] w = new float[2 * N], x = new float[N];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < N; i++) {
            x[i] = 0.1f + r.nextFloat();
        }
        AtomicInteger closes = new AtomicInteger();
        Linear m = new Linear(w, closes);
        Tensor input = Tensor.of(x, 1, 1, 3, 4);
        ModelRandomization.Result res = ModelRandomization.of(m).seed(7).full(InputXGradient::of, input, 1);
        // Input x Gradient of y_1 is w_1 * x; with w shuffled, the shuffled w_1 * x
        float[] shuffled = WeightShuffle.shuffle(w.clone(), WeightShuffle.random(7, "y", "w"));
        float[] before = new float[N], after = new float[N];
        for (int i = 0; i < N; i++) {
            before[i] = w[N + i] * x[i];
            after[i] = shuffled[N + i] * x[i];
        }
        ModelRandomization.Step s = res.last();
        assertEquals(List.of("y"), s.randomized());
        assertEquals(ModelRandomization.spearman(Tensor.of(before, 3, 4), Tensor.of(after, 3, 4)), s.signedRankCorrelation(), 1e-9);
        for (int i = 0; i < N; i++) {
            before[i] = Math.abs(before[i]);
            after[i] = Math.abs(after[i]);
            assertEquals(after[i], s.attribution().absolutePositions().getFlat(i), 1e-6);
        }
        assertEquals(ModelRandomization.spearman(Tensor.of(before, 3, 4), Tensor.of(after, 3, 4)), s.rankCorrelation(), 1e-9);
        assertEquals(1, closes.get(), "the copy was closed, the model was not");
        assertEquals(List.of("y"), ModelRandomization.of(m).layersFromOutput());
        assertEquals(1, ModelRandomization.of(m).cascadeSteps(5).cascading(InputXGradient::of, input, 0).steps().size());
        assertThrows(IllegalArgumentException.class, () -> ModelRandomization.of(m).cascadeSteps(-1));
        assertThrows(InvalidInputException.class, () -> m.withShuffledWeights(List.of("nope"), 1));
        List<Float> unchanged = new ArrayList<>();
        for (float v : m.weights("y").get(0).values().toArray()) {
            unchanged.add(v);
        }
        List<Float> original = new ArrayList<>();
        for (float v : w) {
            original.add(v);
        }
        assertEquals(original, unchanged);
    }
}
