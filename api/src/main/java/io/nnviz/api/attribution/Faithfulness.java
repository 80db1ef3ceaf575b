package io.nnviz.api.attribution;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * How faithful an attribution is to the model (Petsiuk, Das and Saenko, 2018): deletion removes the
 * input's positions in the attribution's order, most important first, and tracks the target's
 * probability; a faithful map makes it fall fast, so a low area under the deletion curve is good.
 * Insertion starts from the baseline and puts positions back in the same order; a high area is
 * good. Removing a position sets all its channels to the baseline; positions of equal attribution
 * go in a seeded random order. The probability is the model's
 * output where that already is a distribution, else its softmax; for a single output unit, the
 * output where it lies in [0, 1] (a sigmoid's), else its sigmoid. The curves' inputs go through
 * the model {@code internalBatch} at a time.
 *
 * <pre>{@code
 * Faithfulness f = Faithfulness.of(model).steps(20);
 * double ig = f.deletion(image, cls, IntegratedGradients.of(model).attribute(image, cls)).area();
 * double random = f.deletion(image, cls, Faithfulness.random(image, 7)).area();    // ig should be lower
 * }</pre>
 */
public final class Faithfulness implements Cloneable {
    /** A deletion or insertion curve: the target's probability after each fraction of positions removed or put back. */
    public record Curve(String kind, double[] fractions, double[] probabilities, double area) {
        /** Copies the arrays. */
        public Curve {
            fractions = fractions.clone();
            probabilities = probabilities.clone();
        }

        @Override
        public double[] fractions() {
            return fractions.clone();
        }

        @Override
        public double[] probabilities() {
            return probabilities.clone();
        }
    }

    private final ModelView model;
    private int steps = 20, internalBatch = 16;
    private float baseline;
    private String outputLayer;
    private long seed = 1;

    private Faithfulness(ModelView model) {
        this.model = model;
    }

    /** Curves for this model's output (its last layer unless {@link #output} says). */
    public static Faithfulness of(ModelView model) {
        return new Faithfulness(Objects.requireNonNull(model, "model"));
    }

    /** The number of steps from none to all positions (default 20: 21 points). */
    public Faithfulness steps(int n) {
        if (n < 1 || n > 10_000) {
            throw new IllegalArgumentException("faithfulness steps " + n + ": between 1 and 10,000");
        }
        Faithfulness c = copy();
        c.steps = n;
        return c;
    }

    /** The value a removed position takes (default 0). */
    public Faithfulness baseline(float value) {
        Faithfulness c = copy();
        c.baseline = value;
        return c;
    }

    /** The seed of the order in which positions of equal attribution are removed (default 1). */
    public Faithfulness seed(long seed) {
        Faithfulness c = copy();
        c.seed = seed;
        return c;
    }

    /** The layer whose output gives the probability. */
    public Faithfulness output(String layerId) {
        Faithfulness c = copy();
        c.outputLayer = Objects.requireNonNull(layerId, "layerId");
        return c;
    }

    /** How many inputs go through the model at once (default 16). */
    public Faithfulness internalBatch(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("internal batch " + n + ": at least 1");
        }
        Faithfulness c = copy();
        c.internalBatch = n;
        return c;
    }

    /** The deletion curve: most important positions removed first. Lower area is more faithful. */
    public Curve deletion(Tensor input, int target, Attribution attribution) {
        return curve("deletion", input, target, attribution);
    }

    /** The insertion curve: most important positions put back first, from the baseline. Higher area is more faithful. */
    public Curve insertion(Tensor input, int target, Attribution attribution) {
        return curve("insertion", input, target, attribution);
    }

    /** A random attribution of the input's positions: the reference a method must beat. */
    public static Attribution random(Tensor input, long seed) {
        Scores.requireSingle(input, "a random attribution");
        Tensor shape = Scores.positions(input, false);
        float[] v = new float[shape.size()];
        Random r = new Random(seed);
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat();
        }
        return new Attribution("Random", -1, null, Tensor.adopt(v, shape.shape().toArray()), Map.of());
    }

    private Curve curve(String kind, Tensor input, int target, Attribution a) {
        Scores.requireSingle(input, kind);
        Tensor pos = a.positions();
        int rank = input.rank();
        int positions = rank == 4 ? input.shape().dim(2) * input.shape().dim(3) : input.shape().dim(1);
        if (pos.size() != positions) {
            throw new InvalidInputException("the attribution has " + pos.size() + " positions " + pos.shape() + ", the input " + positions
                    + " (" + input.shape() + ")");
        }
        // most important first; ties (the zeros of a ReLU'd class activation map) in a seeded random order, so
        // they count as a random map would, neither in raster order nor in whatever order a sort leaves them
        int[] tieBreak = new int[positions];
        Random shuffle = new Random(seed);
        for (int i = 0; i < positions; i++) {
            int j = shuffle.nextInt(i + 1);
            tieBreak[i] = tieBreak[j];
            tieBreak[j] = i;
        }
        Integer[] order = IntStream.range(0, positions).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -pos.getFlat(i)).thenComparingInt(i -> tieBreak[i]));
        float[] x = input.toArray();
        boolean deletion = kind.equals("deletion");
        double[] fractions = new double[steps + 1], probabilities = new double[steps + 1];
        String out = outputLayer;
        int per = Scores.batch(model, internalBatch);
        for (int from = 0; from <= steps; from += per) {
            int n = Math.min(per, steps + 1 - from);
            float[] batch = new float[n * x.length];
            for (int j = 0; j < n; j++) {
                int s = from + j;
                int changed = (int) Math.round((double) s / steps * positions);
                fractions[s] = (double) changed / positions;
                float[] v = deletion ? x.clone() : baselineOf(x);
                for (int r = 0; r < changed; r++) {
                    set(v, x, order[r], input, !deletion);
                }
                System.arraycopy(v, 0, batch, j * x.length, x.length);
            }
            double[] p = Scores.probabilities(model, out, Scores.batchOf(batch, n, input), target);
            System.arraycopy(p, 0, probabilities, from, n);
        }
        double area = 0;
        for (int s = 1; s <= steps; s++) {
            area += (fractions[s] - fractions[s - 1]) * (probabilities[s] + probabilities[s - 1]) / 2;
        }
        return new Curve(kind, fractions, probabilities, area);
    }

    private float[] baselineOf(float[] x) {
        float[] v = new float[x.length];
        Arrays.fill(v, baseline);
        return v;
    }

    /** Sets every channel of position {@code p} to the baseline ({@code restore} false) or back to the input's value. */
    private void set(float[] v, float[] x, int p, Tensor input, boolean restore) {
        int rank = input.rank();
        if (rank == 4) {
            int c = input.shape().dim(1), hw = input.shape().dim(2) * input.shape().dim(3);
            for (int ch = 0; ch < c; ch++) {
                int i = ch * hw + p;
                v[i] = restore ? x[i] : baseline;
            }
        } else if (rank == 3) {
            int f = input.shape().dim(2);
            for (int i = p * f; i < (p + 1) * f; i++) {
                v[i] = restore ? x[i] : baseline;
            }
        } else {
            v[p] = restore ? x[p] : baseline;
        }
    }

    /** A copy whose settings a setter changes: settings are immutable, and each setter returns a new object. */
    private Faithfulness copy() {
        try {
            return (Faithfulness) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }
}
