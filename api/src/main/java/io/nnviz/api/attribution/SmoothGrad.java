package io.nnviz.api.attribution;

import io.nnviz.api.GradientPoints;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * SmoothGrad (Smilkov et al., 2017): the gradient averaged over noisy copies of the input, which
 * takes out the high-frequency noise of a plain gradient (the checkerboard of strided convolutions);
 * SmoothGrad-squared averages the squared gradients instead (Hooker et al., 2019). Noise is Gaussian
 * with a standard deviation of {@code noise} times the input's value range; the copies go through
 * the model {@code internalBatch} at a time ({@link ModelView#inputGradientSum}: the noise is drawn in Java, the
 * rest stays in the framework's tensors where the backend can). The same seed gives the same map on every backend.
 */
public final class SmoothGrad implements AttributionMethod, Cloneable {
    private final ModelView model;
    private int samples = 25, internalBatch = 16;
    private double noise = 0.15;
    private boolean squared;
    private long seed = 1;

    private SmoothGrad(ModelView model) {
        this.model = model;
    }

    /** SmoothGrad of this model's output score. */
    public static SmoothGrad of(ModelView model) {
        return new SmoothGrad(Objects.requireNonNull(model, "model"));
    }

    /** The number of noisy copies (default 25). */
    public SmoothGrad samples(int n) {
        if (n < 1 || n > 10_000) {
            throw new IllegalArgumentException("smoothgrad samples " + n + ": between 1 and 10,000");
        }
        SmoothGrad c = copy();
        c.samples = n;
        return c;
    }

    /** The noise's standard deviation as a fraction of the input's range (default 0.15, as in the paper's figures). */
    public SmoothGrad noise(double fraction) {
        if (!(fraction >= 0) || Double.isInfinite(fraction)) {
            throw new IllegalArgumentException("smoothgrad noise " + fraction + ": a finite fraction of the input's range, at least 0");
        }
        SmoothGrad c = copy();
        c.noise = fraction;
        return c;
    }

    /** Average squared gradients: SmoothGrad-squared (unsigned). */
    public SmoothGrad squared(boolean on) {
        SmoothGrad c = copy();
        c.squared = on;
        return c;
    }

    /** How many copies go through the model at once (default 16). */
    public SmoothGrad internalBatch(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("internal batch " + n + ": at least 1");
        }
        SmoothGrad c = copy();
        c.internalBatch = n;
        return c;
    }

    /** The noise's seed (default 1). */
    public SmoothGrad seed(long seed) {
        SmoothGrad c = copy();
        c.seed = seed;
        return c;
    }

    @Override
    public String name() {
        return squared ? "SmoothGrad-squared" : "SmoothGrad";
    }

    @Override
    public Attribution attribute(Tensor input, int target) {
        Scores.requireSingle(input, "smoothgrad");
        float[] x = input.toArray();
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double sigma = noise * (max - min);
        // SplittableRandom's Gaussian is the JDK's ziggurat (RandomGenerator's default), several times faster than
        // java.util.Random's polar method: a ResNet-50 input's 50 copies draw 7.5 million numbers
        SplittableRandom r = new SplittableRandom(seed);
        GradientPoints.Noise gaussian = (into, n) -> {
            for (int o = 0; o < into.length; o++) {
                into[o] = (float) (sigma * r.nextGaussian());
            }
        };
        double[] ones = new double[samples], weights = new double[samples];
        Arrays.fill(ones, 1);
        Arrays.fill(weights, 1.0 / samples);
        // each copy is input + noise (the base is the input itself); the mean of their gradients, or of their squares
        Tensor mean = model.inputGradientSum(new GradientPoints(input, input, ones, weights, gaussian, squared, Scores.batch(model, internalBatch)), target);
        return Attribution.ofValues(name(), target, mean,
                Map.of("samples", (double) samples, "sigma", sigma));
    }

    /** A copy whose settings a setter changes: settings are immutable, and each setter returns a new object. */
    private SmoothGrad copy() {
        try {
            return (SmoothGrad) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }
}
