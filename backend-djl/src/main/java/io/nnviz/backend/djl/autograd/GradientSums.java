package io.nnviz.backend.djl.autograd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.nnviz.api.GradientPoints;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.Tensor;
import io.nnviz.backend.djl.ndarray.NdArrays;

/**
 * {@link io.nnviz.api.ModelView#inputGradientSum} in the engine's own arrays, for every DJL model
 * with autograd (block models and TorchScript modules): the input and the base go in once; each
 * batch's points are made from them by broadcasting ({@code base + scale * (input - base)}, plus
 * the batch's noise, the one copy in), run forward and backward, and their weighted gradients are
 * added to a sum that stays native; the sum comes out once, at the end. Each batch's arrays live in
 * a manager closed after it, so memory is one batch's whatever the number of points.
 */
public final class GradientSums {
    /** A model's forward pass with autograd recording, from a batch of points to its output scores. */
    @FunctionalInterface
    public interface Forward {
        /**
         * Runs the model on {@code points} inside a gradient collector; arrays it makes belong to {@code batch}.
         */
        NDArray run(NDManager batch, NDArray points);
    }

    private GradientSums() {
    }

    /** The weighted sum of output unit {@code target}'s input gradients over {@code p}'s points, computed in a sub-manager of {@code manager}. */
    public static Tensor sum(NDManager manager, GradientPoints p, int target, Forward forward) {
        int[] dims = p.input().shape().toArray();
        int size = p.input().size();
        double[] scales = p.scales(), weights = p.weights();
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = array(sub, p.input().toArray(), dims, 1), base = array(sub, p.base().toArray(), dims, 1);
            NDArray span = x.sub(base);
            NDArray total = sub.zeros(span.getShape(), DataType.FLOAT32);
            for (int from = 0; from < p.count(); from += p.batch()) {
                int n = Math.min(p.batch(), p.count() - from);
                try (NDManager batch = sub.newSubManager()) {
                    NDArray points = base.add(span.mul(perPoint(batch, scales, from, n, dims.length)));
                    if (p.noise() != null) {
                        float[] noise = new float[n * size];
                        p.noise().next(noise, n);
                        points = points.add(array(batch, noise, dims, n));
                    }
                    points.setRequiresGradient(true);
                    try (GradientCollector gc = batch.getEngine().newGradientCollector()) {
                        NDArray out = forward.run(batch, points);
                        long units = out.getShape().get(out.getShape().dimension() - 1);
                        if (target < 0 || target >= units) {
                            throw new InvalidInputException("target " + target + " is not an output unit: the output has " + units
                                    + " units (0.." + (units - 1) + ")");
                        }
                        gc.backward(out.get("..., " + target).sum());
                    }
                    NDArray g = points.getGradient();
                    NDArray terms = p.squared() ? g.mul(g) : g;
                    total.addi(terms.mul(perPoint(batch, weights, from, n, dims.length)).sum(new int[] {0}, true));
                }
            }
            return Tensor.adopt(total.toFloatArray(), dims);
        }
    }

    /** {@code values[from..from+n)} as an {@code [n, 1, ..., 1]} array of the given rank, to broadcast over the points. */
    private static NDArray perPoint(NDManager m, double[] values, int from, int n, int rank) {
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) values[from + k];
        }
        long[] shape = new long[rank];
        java.util.Arrays.fill(shape, 1);
        shape[0] = n;
        return m.create(v, new Shape(shape));
    }

    /** {@code n} samples of {@code dims}' sample shape. */
    private static NDArray array(NDManager m, float[] values, int[] dims, int n) {
        int[] shape = dims.clone();
        shape[0] = n;
        return NdArrays.array(m, values, shape);
    }
}
