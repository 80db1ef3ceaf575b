package io.nnviz.api.attribution;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The model randomisation sanity check of Adebayo et al. (2018): an attribution method that
 * explains the model must give a different map once the model's weights are randomised. The
 * layers with weights are randomised from the output down, cumulatively (their "cascading"
 * test), the map is computed again on each copy, and it is compared with the trained model's
 * map by Spearman's rank correlation, of the absolute and of the signed positions. A map whose
 * correlation stays near 1 with every layer randomised shows the input (its edges), not what the
 * model learned. Weights are randomised by {@link ModelView#withShuffledWeights}.
 *
 * <pre>{@code
 * ModelRandomization.Result r = ModelRandomization.of(model).full(GradCam::of, image, cls);
 * double rho = r.last().rankCorrelation();   // near 0 for a method that passes
 * }</pre>
 */
public final class ModelRandomization implements Cloneable {
    /** One randomised copy: which layers were randomised, and how its map compares with the original's. */
    public record Step(List<String> randomized, double rankCorrelation, double signedRankCorrelation, Attribution attribution) {
        /** Copies the list. */
        public Step {
            randomized = List.copyOf(randomized);
        }
    }

    /** The trained model's map and one step per randomised copy, in the order randomised. */
    public record Result(String method, Attribution original, List<Step> steps) {
        /** Copies the list. */
        public Result {
            steps = List.copyOf(steps);
        }

        /** The last step: every layer asked for randomised. */
        public Step last() {
            return steps.get(steps.size() - 1);
        }
    }

    private final ModelView model;
    private long seed = 1;
    private int cascadeSteps;

    private ModelRandomization(ModelView model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    /** The check for a model whose backend can randomise it ({@link io.nnviz.api.Capability#WEIGHT_RANDOMIZATION}). */
    public static ModelRandomization of(ModelView model) {
        return new ModelRandomization(model);
    }

    /** The seed of the shuffles (default 1). */
    public ModelRandomization seed(long seed) {
        ModelRandomization c = copy();
        c.seed = seed;
        return c;
    }

    /**
     * At most {@code n} steps in {@link #cascading}, evenly spread over the layers (the last
     * always has every layer randomised); 0, the default, is a step per layer with weights.
     */
    public ModelRandomization cascadeSteps(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("cascade steps must be 0 (every layer) or more, not " + n);
        }
        ModelRandomization c = copy();
        c.cascadeSteps = n;
        return c;
    }

    /** The layers with weights, from the output down: the order the cascading test randomises them. */
    public List<String> layersFromOutput() {
        List<String> ids = new ArrayList<>();
        List<LayerInfo> layers = model.layers();
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (layers.get(i).parameterCount() > 0) {
                ids.add(layers.get(i).id());
            }
        }
        if (ids.isEmpty()) {
            throw new InvalidInputException("model '" + model.name() + "' has no layer with weights to randomise");
        }
        return ids;
    }

    /**
     * The cascading test: the top layer with weights randomised, then the top two, and so on to
     * every layer; {@code method} makes the attribution method for each copy (e.g. {@code GradCam::of}).
     */
    public Result cascading(Function<ModelView, AttributionMethod> method, Tensor input, int target) {
        List<String> order = layersFromOutput();
        List<Integer> cuts = new ArrayList<>();
        int n = cascadeSteps == 0 ? order.size() : Math.min(cascadeSteps, order.size());
        for (int k = 1; k <= n; k++) {
            int cut = (int) Math.round((double) k * order.size() / n);
            if (cuts.isEmpty() || cuts.get(cuts.size() - 1) != cut) {
                cuts.add(cut);
            }
        }
        return run(method, input, target, order, cuts);
    }

    /** Every layer with weights randomised at once: one step. */
    public Result full(Function<ModelView, AttributionMethod> method, Tensor input, int target) {
        List<String> order = layersFromOutput();
        return run(method, input, target, order, List.of(order.size()));
    }

    /**
     * The full test for a map already computed ({@code original}, by {@code method} on this
     * model): every layer with weights randomised, one new map, compared with it.
     */
    public Step fullAgainst(Attribution original, Function<ModelView, AttributionMethod> method, Tensor input, int target) {
        return step(original, method, input, target, layersFromOutput());
    }

    private Result run(Function<ModelView, AttributionMethod> method, Tensor input, int target, List<String> order, List<Integer> cuts) {
        AttributionMethod m = method.apply(model);
        Attribution original = m.attribute(input, target);
        List<Step> steps = new ArrayList<>();
        for (int cut : cuts) {
            steps.add(step(original, method, input, target, order.subList(0, cut)));
        }
        return new Result(m.name(), original, steps);
    }

    private Step step(Attribution original, Function<ModelView, AttributionMethod> method, Tensor input, int target, List<String> randomized) {
        try (ModelView copy = model.withShuffledWeights(randomized, seed)) {
            Attribution a = method.apply(copy).attribute(input, target);
            return new Step(randomized, spearman(original.absolutePositions(), a.absolutePositions()),
                    spearman(original.positions(), a.positions()), a);
        }
    }

    /**
     * Spearman's rank correlation of two tensors of the same size: Pearson's correlation of their
     * ranks, tied values given the mean of their ranks. NaN where either is constant (a flat map,
     * for instance of a randomised model whose output saturates, correlates with nothing).
     */
    public static double spearman(Tensor a, Tensor b) {
        if (a.size() != b.size()) {
            throw new InvalidInputException("cannot correlate maps of " + a.size() + " and " + b.size() + " positions");
        }
        double[] ra = ranks(a), rb = ranks(b);
        double ma = 0, mb = 0;
        for (int i = 0; i < ra.length; i++) {
            ma += ra[i];
            mb += rb[i];
        }
        ma /= ra.length;
        mb /= rb.length;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < ra.length; i++) {
            double da = ra[i] - ma, db = rb[i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }
        return saa == 0 || sbb == 0 ? Double.NaN : sab / Math.sqrt(saa * sbb);
    }

    private static double[] ranks(Tensor t) {
        int n = (int) t.size();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Float.compare(t.getFlat(x), t.getFlat(y)));
        double[] r = new double[n];
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && Float.compare(t.getFlat(order[j + 1]), t.getFlat(order[i])) == 0) {
                j++;
            }
            double mean = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[order[k]] = mean;
            }
            i = j + 1;
        }
        return r;
    }

    /** A copy whose settings a setter changes: settings are immutable, and each setter returns a new object. */
    private ModelRandomization copy() {
        try {
            return (ModelRandomization) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }
}
