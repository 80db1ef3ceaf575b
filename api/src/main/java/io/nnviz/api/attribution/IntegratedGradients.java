package io.nnviz.api.attribution;

import io.nnviz.api.GradientPoints;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Integrated Gradients (Sundararajan, Taly and Yan, 2017): the input's difference from a baseline
 * times the gradient averaged along the straight path between them. Its attributions add up to
 * {@code f(input) - f(baseline)} (completeness); {@code delta} in the diagnostics is how far the
 * numerical integral is from that, and shrinks with more steps. The path integral uses
 * Gauss-Legendre nodes (exact for polynomials of degree {@code 2 * steps - 1}, as Captum does by
 * default), and the path's points go through the model {@code internalBatch} at a time, so memory
 * stays bounded whatever the step count; the model builds the points and adds their gradients up
 * ({@link ModelView#inputGradientSum}), in its framework's tensors where the backend can.
 *
 * <pre>{@code
 * Attribution a = IntegratedGradients.of(model).steps(64).baseline(0f).attribute(image, predicted);
 * double gap = a.diagnostics().get("delta");
 * }</pre>
 */
public final class IntegratedGradients implements AttributionMethod, Cloneable {
    private final ModelView model;
    private int steps = 50, internalBatch = 16;
    private float baselineValue;
    private Tensor baseline;

    private IntegratedGradients(ModelView model) {
        this.model = model;
    }

    /** Integrated Gradients of this model's output score; the baseline is all zeros unless set. */
    public static IntegratedGradients of(ModelView model) {
        return new IntegratedGradients(Objects.requireNonNull(model, "model"));
    }

    /** The number of points on the path (default 50). */
    public IntegratedGradients steps(int n) {
        if (n < 1 || n > 4096) {
            throw new IllegalArgumentException("integrated gradients steps " + n + ": between 1 and 4096");
        }
        IntegratedGradients c = copy();
        c.steps = n;
        return c;
    }

    /** How many path points go through the model at once (default 16). */
    public IntegratedGradients internalBatch(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("internal batch " + n + ": at least 1");
        }
        IntegratedGradients c = copy();
        c.internalBatch = n;
        return c;
    }

    /** A constant baseline (default 0: black, or the mean of a normalised input). */
    public IntegratedGradients baseline(float value) {
        IntegratedGradients c = copy();
        c.baselineValue = value;
        c.baseline = null;
        return c;
    }

    /** A baseline input of the input's shape (a blurred copy, noise, a reference example). */
    public IntegratedGradients baseline(Tensor input) {
        IntegratedGradients c = copy();
        c.baseline = Objects.requireNonNull(input, "baseline");
        return c;
    }

    @Override
    public String name() {
        return "Integrated Gradients";
    }

    @Override
    public Attribution attribute(Tensor input, int target) {
        Scores.requireSingle(input, "integrated gradients");
        float[] x = input.toArray();
        float[] b = new float[x.length];
        if (baseline != null) {
            if (!baseline.shape().equals(input.shape())) {
                throw new InvalidInputException("baseline " + baseline.shape() + " and input " + input.shape() + " differ in shape");
            }
            baseline.copyTo(b, 0);
        } else {
            Arrays.fill(b, baselineValue);
        }
        // the two ends first: they check the target before any gradient is taken
        float[] ends = new float[2 * x.length];
        System.arraycopy(x, 0, ends, 0, x.length);
        System.arraycopy(b, 0, ends, x.length, x.length);
        double[] f = Scores.freeBatch(model) ? Scores.scores(model, null, Scores.batchOf(ends, 2, input), target)
                : new double[] {Scores.scores(model, null, input, target)[0],
                        Scores.scores(model, null, Scores.batchOf(b, 1, input), target)[0]};
        double[][] gl = Quadrature.gaussLegendre(steps);
        // the path's points, forward and backward passes and the weighted sum stay in the framework where it can
        Tensor base = baseline != null ? baseline : Tensor.adopt(b, input.shape().toArray());
        Tensor total = model.inputGradientSum(new GradientPoints(input, base, gl[0], gl[1], null, false, Scores.batch(model, internalBatch)), target);
        float[] attr = new float[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            attr[i] = (float) ((x[i] - b[i]) * (double) total.getFlat(i));
            sum += attr[i];
        }
        double expected = f[0] - f[1];
        return Attribution.ofValues(name(), target, Tensor.adopt(attr, input.shape().toArray()), Map.of("f(input)", f[0], "f(baseline)", f[1],
                "sum", sum, "delta", sum - expected, "relativeDelta", expected == 0 ? Math.abs(sum) : Math.abs(sum - expected) / Math.abs(expected),
                "steps", (double) steps));
    }

    /** A copy whose settings a setter changes: settings are immutable, and each setter returns a new object. */
    private IntegratedGradients copy() {
        try {
            return (IntegratedGradients) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }
}
