package io.nnviz.testkit;

import io.nnviz.api.Tensor;

import java.util.Arrays;

/**
 * Checks that a tensor's parts read alone ({@code head}, {@code slice}, {@code copyRange}) are
 * the whole tensor's values there, and that a ranged tensor ({@code Tensor.ranged}: decoded only as
 * far as read) is not decoded whole to give them: for the corpus tests of every weight a backend
 * reads by range.
 */
public final class TensorParts {
    private TensorParts() {
    }

    /**
     * Null if {@code fresh}'s first rows, its middle slice and a range across a row boundary, each read
     * alone, equal {@code whole}'s values there and, if {@code ranged}, leave {@code fresh} not loaded;
     * else why not. {@code fresh} must not have been read before.
     */
    public static String readAloneEqualWhole(Tensor whole, Tensor fresh, boolean ranged) {
        if (fresh.rank() == 0 || fresh.size() == 0) {
            return null;
        }
        int rows = fresh.shape().dim(0), row = fresh.size() / rows, head = Math.max(1, rows / 3);
        float[] all = whole.toArray(), across = new float[Math.min(fresh.size(), row + 7)];
        int from = Math.max(0, Math.min(fresh.size() - across.length, row / 2 + 1));
        float[] first = fresh.head(head).toArray(), mid = fresh.slice(rows / 2).toArray();
        fresh.copyRange(from, across, 0, across.length);
        if (ranged && fresh.isLoaded()) {
            return "reading parts decoded the whole tensor";
        }
        if (!Arrays.equals(first, Arrays.copyOf(all, head * row))
                || !Arrays.equals(mid, Arrays.copyOfRange(all, rows / 2 * row, (rows / 2 + 1) * row))
                || !Arrays.equals(across, Arrays.copyOfRange(all, from, from + across.length))) {
            return "a part read alone differs from the whole";
        }
        return null;
    }
}
