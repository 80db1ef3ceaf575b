package io.nnviz.api;

/**
 * Summary statistics of a tensor. Min, max, mean and standard deviation are over the finite
 * values only; NaN and infinite values are counted separately so a renderer can mark them.
 * When no value is finite, min, max, mean and std are {@code NaN}.
 *
 * @param count      number of elements
 * @param finite     number of finite elements
 * @param nanCount   number of NaN elements
 * @param posInfCount number of {@code +Inf} elements
 * @param negInfCount number of {@code -Inf} elements
 * @param min        smallest finite value
 * @param max        largest finite value
 * @param mean       mean of the finite values
 * @param std        population standard deviation of the finite values
 */
public record TensorStats(long count, long finite, long nanCount, long posInfCount, long negInfCount,
                          double min, double max, double mean, double std) {

    /** Computes the statistics of {@code data} in one pass (Welford's update, stable for big tensors). */
    public static TensorStats of(float[] data) {
        long nan = 0, pos = 0, neg = 0, n = 0;
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY, mean = 0, m2 = 0;
        for (float v : data) {
            if (Float.isNaN(v)) {
                nan++;
            } else if (v == Float.POSITIVE_INFINITY) {
                pos++;
            } else if (v == Float.NEGATIVE_INFINITY) {
                neg++;
            } else {
                n++;
                if (v < min) {
                    min = v;
                }
                if (v > max) {
                    max = v;
                }
                double d = v - mean;
                mean += d / n;
                m2 += d * (v - mean);
            }
        }
        if (n == 0) {
            return new TensorStats(data.length, 0, nan, pos, neg, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return new TensorStats(data.length, n, nan, pos, neg, min, max, mean, Math.sqrt(m2 / n));
    }

    /** Number of infinite elements of either sign. */
    public long infCount() {
        return posInfCount + negInfCount;
    }

    /** True if any element is NaN or infinite. */
    public boolean hasNonFinite() {
        return nanCount + posInfCount + negInfCount > 0;
    }

    /** True if there are no elements. */
    public boolean isEmpty() {
        return count == 0;
    }

    /** True if there is at least one finite value and all finite values are equal. */
    public boolean isConstant() {
        return finite > 0 && min == max;
    }
}
