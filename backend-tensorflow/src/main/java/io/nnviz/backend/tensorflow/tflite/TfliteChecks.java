package io.nnviz.backend.tensorflow.tflite;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.spi.Printable;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The checks of an untrusted TFLite file, run on the whole of {@link TfliteGraph} before anything
 * uses it: the schema version; every tensor of a known type with a shape whose element count is a
 * number; every constant's bytes exactly its shape's (or, for a sparse one, its storage's, every
 * index and segment inside its dimension); quantization parameters that fit the shape; operators
 * naming tensors that exist, each tensor written once and read only after it is written (so the
 * graph has no cycle); and the parameters, dequantized to float32, within the memory budget. Each
 * refusal is one line naming the tensor or operator.
 */
final class TfliteChecks {
    /** Sparse storage with more levels than this is refused (real ones have the tensor's rank, plus a block's). */
    static final int MAX_SPARSE_LEVELS = 16;

    private TfliteChecks() {
    }

    static void check(Path path, TfliteGraph g, long budget) {
        if (g.version() != 3) {
            throw new ModelLoadException(path, "its TFLite schema version is " + g.version() + "; nnviz reads version 3, which every"
                    + " TensorFlow Lite converter since 2018 writes");
        }
        long parameterBytes = 0;
        for (TfliteGraph.Tensor t : g.tensors()) {
            long elements = elements(path, t);
            if (t.data() != null && t.type() != null && t.type().numeric()) {
                if (t.sparsity() != null) {
                    sparse(path, t, t.data().length() / t.type().bytes());
                    if (t.data().length() % t.type().bytes() != 0) {
                        throw refuse(path, t, "holds " + t.data().length() + " bytes, not a whole number of " + t.type().label() + " values");
                    }
                } else if (elements * t.type().bytes() != t.data().length()) {
                    throw refuse(path, t, "declares shape " + Arrays.toString(t.shape()) + " of " + t.type().label() + " ("
                            + elements * t.type().bytes() + " bytes), but its buffer holds " + t.data().length() + " bytes");
                }
                quantization(path, t);
                if (TfliteTensors.parameter(t)) {
                    parameterBytes = Math.addExact(parameterBytes, Math.multiplyExact(elements, 4L));
                }
            }
        }
        if (parameterBytes > budget) {
            throw new ModelTooLargeException(path, "its parameters, dequantized to float32,", parameterBytes, budget);
        }
        operators(path, g);
    }

    /** The number of elements of a tensor's shape; refused when a dimension is negative or the count overflows. */
    static long elements(Path path, TfliteGraph.Tensor t) {
        if (t.type() == null) {
            throw refuse(path, t, "has type " + t.typeCode() + ", which the TFLite schema does not define");
        }
        long n = 1;
        for (int d : t.shape()) {
            if (d < (t.data() == null ? -1 : 0)) {
                throw refuse(path, t, "has shape " + Arrays.toString(t.shape()) + " with a negative dimension");
            }
            try {
                n = Math.multiplyExact(n, Math.max(d, 1));
            } catch (ArithmeticException e) {
                throw refuse(path, t, "has shape " + Arrays.toString(t.shape()) + ", more than 2^63 elements");
            }
        }
        return t.shape().length > 0 && Arrays.stream(t.shape()).anyMatch(d -> d == 0) ? 0 : n;
    }

    private static void quantization(Path path, TfliteGraph.Tensor t) {
        TfliteGraph.Quant q = t.quant();
        if (q == null) {
            return;
        }
        int channels = q.scale().length;
        boolean perChannel = channels > 1;
        if (perChannel && (t.sparsity() != null || q.axis() < 0 || q.axis() >= t.shape().length || t.shape()[q.axis()] != channels)) {
            throw refuse(path, t, "has " + channels + " quantization scales along dimension " + q.axis() + " of shape "
                    + Arrays.toString(t.shape()));
        }
        if (q.zeroPoint().length > 1 && q.zeroPoint().length != channels) {
            throw refuse(path, t, "has " + q.zeroPoint().length + " zero points for " + channels + " scales");
        }
    }

    /**
     * A sparse constant's storage (TACO format, as TFLite's converter writes it): the traversal order a
     * permutation of the dimensions and block dimensions, each level's size agreeing with the shape,
     * each compressed level's segments rising from 0 to its indices' count and its indices inside the
     * level, and as many stored values as the storage's leaves.
     */
    private static void sparse(Path path, TfliteGraph.Tensor t, long stored) {
        TfliteGraph.Sparsity s = t.sparsity();
        int n = t.shape().length, k = s.blockMap().length, levels = n + k;
        if (levels > MAX_SPARSE_LEVELS || s.traversalOrder().length != levels || s.dims().size() != levels) {
            throw refuse(path, t, "has sparse storage of " + s.dims().size() + " levels, " + s.traversalOrder().length
                    + " traversed, for " + n + " dimensions and " + k + " block dimensions");
        }
        boolean[] seen = new boolean[levels];
        for (int d : s.traversalOrder()) {
            if (d < 0 || d >= levels || seen[d]) {
                throw refuse(path, t, "has a sparse traversal order " + Arrays.toString(s.traversalOrder()) + " that is not a permutation");
            }
            seen[d] = true;
        }
        long[] sizes = levelSizes(path, t);
        long positions = 1;
        for (int i = 0; i < levels; i++) {
            TfliteGraph.Dim d = s.dims().get(i);
            if (!d.sparse()) {
                if (d.denseSize() != sizes[i]) {
                    throw refuse(path, t, "has sparse level " + i + " of size " + d.denseSize() + " for a dimension of " + sizes[i]);
                }
                positions = Math.multiplyExact(positions, sizes[i]);
                continue;
            }
            int[] seg = d.segments(), idx = d.indices();
            if (seg.length != positions + 1 || seg[0] != 0 || seg[seg.length - 1] != idx.length) {
                throw refuse(path, t, "has sparse level " + i + " with " + seg.length + " segments for " + positions
                        + " positions and " + idx.length + " indices");
            }
            for (int j = 1; j < seg.length; j++) {
                if (seg[j] < seg[j - 1]) {
                    throw refuse(path, t, "has sparse level " + i + " whose segments fall at " + j);
                }
            }
            for (int x : idx) {
                if (x < 0 || x >= sizes[i]) {
                    throw refuse(path, t, "has sparse level " + i + " with index " + x + " outside its " + sizes[i] + " positions");
                }
            }
            positions = idx.length;
        }
        if (positions != stored) {
            throw refuse(path, t, "has sparse storage of " + positions + " values, but its buffer holds " + stored);
        }
    }

    /** The size of each traversed level: a dimension's (divided by its block's size when blocked) or a block dimension's. */
    static long[] levelSizes(Path path, TfliteGraph.Tensor t) {
        TfliteGraph.Sparsity s = t.sparsity();
        int n = t.shape().length;
        int[] block = new int[n];
        Arrays.fill(block, 1);
        for (int i = 0; i < s.traversalOrder().length; i++) {
            int d = s.traversalOrder()[i];
            if (d >= n) {
                int b = d - n;
                int of = s.blockMap()[b];
                TfliteGraph.Dim dim = s.dims().get(i);
                if (of < 0 || of >= n || dim.sparse() || dim.denseSize() <= 0 || t.shape()[of] % dim.denseSize() != 0) {
                    throw refuse(path, t, "has block dimension " + b + " of size " + dim.denseSize() + " for dimension " + of
                            + " of shape " + Arrays.toString(t.shape()));
                }
                block[of] = dim.denseSize();
            }
        }
        long[] sizes = new long[n + s.blockMap().length];
        for (int i = 0; i < sizes.length; i++) {
            int d = s.traversalOrder()[i];
            sizes[i] = d < n ? t.shape()[d] / block[d] : block[s.blockMap()[d - n]];
        }
        return sizes;
    }

    /** Operators name tensors that exist; each tensor is written once, and read only after the operator that writes it. */
    private static void operators(Path path, TfliteGraph g) {
        int count = g.tensors().size();
        int[] writer = new int[count];
        Arrays.fill(writer, -1);
        for (TfliteGraph.Op op : g.ops()) {
            for (int o : op.outputs()) {
                if (o < 0 || o >= count) {
                    throw refuse(path, op, "writes tensor " + o + " of " + count);
                }
                if (writer[o] >= 0) {
                    throw refuse(path, op, "writes tensor " + o + ", which operator " + writer[o] + " writes too");
                }
                writer[o] = op.index();
            }
        }
        for (TfliteGraph.Op op : g.ops()) {
            for (int in : op.inputs()) {
                if (in < -1 || in >= count) {
                    throw refuse(path, op, "reads tensor " + in + " of " + count);
                }
                if (in >= 0 && writer[in] >= op.index()) {
                    throw refuse(path, op, "reads tensor " + in + " " + Printable.name(g.tensors().get(in).shortName())
                            + (writer[in] == op.index() ? ", its own output" : ", which operator " + writer[in] + " writes after it")
                            + ": the graph has a cycle or is not in execution order");
                }
            }
        }
        for (int[] io : List.of(g.inputs(), g.outputs())) {
            for (int t : io) {
                if (t < 0 || t >= count) {
                    throw new ModelLoadException(path, "its subgraph names tensor " + t + " of " + count + " as an input or output");
                }
            }
        }
    }

    static ModelLoadException refuse(Path path, TfliteGraph.Tensor t, String what) {
        return new ModelLoadException(path, "its tensor " + t.index() + " " + Printable.name(t.shortName()) + " " + what);
    }

    private static ModelLoadException refuse(Path path, TfliteGraph.Op op, String what) {
        return new ModelLoadException(path, "its operator " + op.index() + " (" + Printable.name(op.name()) + ") " + what);
    }
}
