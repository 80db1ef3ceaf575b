package io.nnviz.api.spi;

import java.util.SplittableRandom;

/**
 * The shuffle behind {@link io.nnviz.api.ModelView#withShuffledWeights}: a Fisher-Yates permutation of
 * one tensor's values, drawn from the copy's seed and the tensor's layer and name, so a tensor is
 * shuffled the same way on every run and differently from its neighbours.
 */
public final class WeightShuffle {
    private WeightShuffle() {
    }

    /** The generator for one tensor of a copy made with {@code seed}. */
    public static SplittableRandom random(long seed, String layerId, String weightName) {
        long h = seed * 0x9E3779B97F4A7C15L;
        h = 31 * h + layerId.hashCode();
        h = 31 * h + weightName.hashCode();
        return new SplittableRandom(h);
    }

    /** Shuffles {@code values} in place. */
    public static float[] shuffle(float[] values, SplittableRandom random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            float t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
        return values;
    }
}
