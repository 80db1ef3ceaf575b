package io.nnviz.backend.tensorflow.tflite;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * A sparse constant (TFLite's TACO-style storage: each traversed level dense, or compressed with
 * CSR segments and indices, optionally in blocks) made dense, row-major in the tensor's shape, as
 * TFLite's {@code DENSIFY} does. {@link TfliteChecks} has checked the storage first: every index and
 * segment inside its level, as many values as leaves.
 */
final class TfliteSparse {
    private final TfliteGraph.Tensor t;
    private final float[] stored;
    private final float[] dense;
    private final long[] sizes;
    private final int[] coords;
    private final int[] block;

    private TfliteSparse(Path path, TfliteGraph.Tensor t, float[] stored) {
        this.t = t;
        this.stored = stored;
        this.sizes = TfliteChecks.levelSizes(path, t);
        this.coords = new int[sizes.length];
        int n = t.shape().length;
        this.block = new int[n];
        Arrays.fill(block, 1);
        int[] order = t.sparsity().traversalOrder();
        for (int i = 0; i < order.length; i++) {
            if (order[i] >= n) {
                block[t.sparsity().blockMap()[order[i] - n]] = (int) sizes[i];
            }
        }
        this.dense = new float[Math.toIntExact(TfliteChecks.elements(path, t))];
    }

    static float[] densify(Path path, TfliteGraph.Tensor t, float[] stored) {
        TfliteSparse s = new TfliteSparse(path, t, stored);
        s.walk(0, 0);
        return s.dense;
    }

    private void walk(int level, int position) {
        if (level == sizes.length) {
            dense[flat()] = stored[position];
            return;
        }
        TfliteGraph.Dim d = t.sparsity().dims().get(level);
        if (!d.sparse()) {
            for (int j = 0; j < sizes[level]; j++) {
                coords[level] = j;
                walk(level + 1, (int) (position * sizes[level] + j));
            }
        } else {
            for (int p = d.segments()[position]; p < d.segments()[position + 1]; p++) {
                coords[level] = d.indices()[p];
                walk(level + 1, p);
            }
        }
    }

    /** The dense row-major index of the current leaf: each dimension's outer index times its block, plus its index in the block. */
    private int flat() {
        int n = t.shape().length;
        int[] order = t.sparsity().traversalOrder();
        long[] at = new long[n];
        for (int i = 0; i < order.length; i++) {
            int d = order[i];
            if (d < n) {
                at[d] += (long) coords[i] * block[d];
            } else {
                at[t.sparsity().blockMap()[d - n]] += coords[i];
            }
        }
        long index = 0;
        for (int d = 0; d < n; d++) {
            index = index * t.shape()[d] + at[d];
        }
        return (int) index;
    }
}
