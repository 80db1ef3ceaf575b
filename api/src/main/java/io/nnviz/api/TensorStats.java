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
        // one pass with sums shifted by the first finite value (no division per element, and no
        // cancellation for data far from zero); the counters of non-finite values ride along
        long nan = 0, inf = 0, pos = 0;
        int first = 0;
        while (first < data.length && !Float.isFinite(data[first])) {
            first++;
        }
        if (first == data.length) {
            for (float v : data) {
                if (Float.isNaN(v)) {
                    nan++;
                } else if (v > 0) {
                    pos++;
                }
            }
            return new TensorStats(data.length, 0, nan, pos, data.length - nan - pos, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        float shift = data[first], min = shift, max = shift;
        double sum = 0, sumSq = 0;
        long n = 0;
        for (int i = 0; i < data.length; i++) {
            float v = data[i];
            if (v - v != 0) { // NaN or infinite: v - v is NaN for both
                if (Float.isNaN(v)) {
                    nan++;
                } else {
                    inf++;
                    if (v > 0) {
                        pos++;
                    }
                }
                continue;
            }
            n++;
            min = Math.min(min, v);
            max = Math.max(max, v);
            double d = (double) v - shift;
            sum += d;
            sumSq += d * d;
        }
        double meanD = sum / n;
        double var = Math.max(0, sumSq / n - meanD * meanD);
        return new TensorStats(data.length, n, nan, pos, inf - pos, min, max, shift + meanD, Math.sqrt(var));
    }

    /**
     * The sum of the squares of the finite values ({@code finite * (std^2 + mean^2)}, 0 when none is
     * finite): a norm or a root mean square from statistics a tensor keeps once computed, without
     * another pass over its values.
     */
    public double sumOfSquares() {
        return finite == 0 ? 0 : finite * (std * std + mean * mean);
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
