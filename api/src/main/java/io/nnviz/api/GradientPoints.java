package io.nnviz.api;

import java.util.Objects;

/**
 * Points around one input whose input gradients {@link ModelView#inputGradientSum} adds up, the
 * common core of Integrated Gradients (points on the straight path from a baseline, weighted by
 * the quadrature) and SmoothGrad (noisy copies, weighted by {@code 1 / n}). Point {@code k} is
 * {@code base + scales[k] * (input - base) + noise_k}, weighted {@code weights[k]}; the points go
 * through the model {@code batch} at a time.
 *
 * @param input   one input, {@code [1, ...]}
 * @param base    the other end of the path, the input's shape (the input itself for noisy copies)
 * @param scales  each point's place between {@code base} (0) and {@code input} (1)
 * @param weights each point's weight in the sum
 * @param noise   added to the points, drawn in order (null: none)
 * @param squared whether the squared gradients are added (SmoothGrad-squared)
 * @param batch   how many points go through the model at once
 */
public record GradientPoints(Tensor input, Tensor base, double[] scales, double[] weights, Noise noise, boolean squared, int batch) {
    /**
     * Additive noise, drawn in order: the same source gives the same points on every backend, since
     * the points' noise is drawn in Java and only then handed to the framework.
     */
    @FunctionalInterface
    public interface Noise {
        /** Fills {@code into} with the noise of the next {@code n} points, one point's values after the other. */
        void next(float[] into, int n);
    }

    /** Validates and copies the arrays: one point per scale and weight, a batch of at least one. */
    public GradientPoints {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(base, "base");
        if (input.rank() < 1 || input.shape().dim(0) != 1) {
            throw new InvalidInputException("gradient points are taken around one input, [1, ...]; got " + input.shape());
        }
        if (!base.shape().equals(input.shape())) {
            throw new InvalidInputException("base " + base.shape() + " and input " + input.shape() + " differ in shape");
        }
        scales = scales.clone();
        weights = weights.clone();
        if (scales.length == 0 || scales.length != weights.length) {
            throw new IllegalArgumentException(scales.length + " scales and " + weights.length + " weights: one of each per point, at least one point");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch " + batch + ": at least 1");
        }
    }

    /** The number of points. */
    public int count() {
        return scales.length;
    }

    @Override
    public double[] scales() {
        return scales.clone();
    }

    @Override
    public double[] weights() {
        return weights.clone();
    }

    /**
     * The sum computed in Java from {@link ModelView#inputGradient}, one batch at a time: what
     * {@link ModelView#inputGradientSum} does unless a backend keeps the points and the sum in its
     * framework's tensors. Accumulated in double precision.
     */
    public Tensor sumInJava(ModelView model, int target) {
        float[] x = input.toArray(), b = base.toArray();
        int size = x.length;
        double[] total = new double[size];
        for (int from = 0; from < count(); from += batch) {
            int n = Math.min(batch, count() - from);
            float[] points = new float[n * size];
            if (noise != null) {
                noise.next(points, n);
            }
            for (int k = 0, o = 0; k < n; k++) {
                float s = (float) scales[from + k];
                for (int i = 0; i < size; i++, o++) {
                    points[o] += b[i] + s * (x[i] - b[i]);
                }
            }
            int[] dims = input.shape().toArray();
            dims[0] = n;
            Tensor g = model.inputGradient(Tensor.adopt(points, dims), target);
            for (int k = 0; k < n; k++) {
                double w = weights[from + k];
                for (int i = 0; i < size; i++) {
                    double v = g.getFlat(k * size + i);
                    total[i] += w * (squared ? v * v : v);
                }
            }
        }
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
            out[i] = (float) total[i];
        }
        return Tensor.adopt(out, input.shape().toArray());
    }
}
