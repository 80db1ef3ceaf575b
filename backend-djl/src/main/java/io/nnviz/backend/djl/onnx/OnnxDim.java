package io.nnviz.backend.djl.onnx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One dimension of a tensor under shape inference, or one value of a small integer tensor: a size
 * (a value may be negative, as a Reshape's -1), a symbol ({@code size} is {@link #NONE}), or unknown
 * (neither); with the arithmetic the rules do on lists of them.
 */
record OnnxDim(long size, String symbol) {
    static final long NONE = Long.MIN_VALUE;
    static final OnnxDim UNKNOWN = new OnnxDim(NONE, null);

    /** A dimension of this size; a negative size is unknown. */
    static OnnxDim of(long size) {
        return size < 0 ? UNKNOWN : new OnnxDim(size, null);
    }

    /** A value, negative or not; INT64_MIN (a Slice's "to the start") is kept as the next one up, which slices the same. */
    static OnnxDim value(long v) {
        return new OnnxDim(v == NONE ? NONE + 1 : v, null);
    }

    static OnnxDim symbol(String s) {
        return s == null || s.isEmpty() ? UNKNOWN : new OnnxDim(NONE, s);
    }

    /** A size of zero or more. */
    boolean known() {
        return size >= 0;
    }

    /** A number, negative or not (a value). */
    boolean numeric() {
        return size != NONE;
    }

    @Override
    public String toString() {
        return numeric() ? Long.toString(size) : symbol != null ? symbol : "?";
    }

    /** Values, kept as they are (negative ones included). */
    static List<OnnxDim> values(long[] v) {
        List<OnnxDim> d = new ArrayList<>();
        for (long x : v) {
            d.add(value(x));
        }
        return d;
    }

    /** Sizes: negative numbers are unknown. */
    static List<OnnxDim> sizes(long[] v) {
        List<OnnxDim> d = new ArrayList<>();
        for (long x : v) {
            d.add(of(x));
        }
        return d;
    }

    /** Values used as dimensions: negative numbers are unknown sizes, symbols stay; null for null. */
    static List<OnnxDim> asSizes(List<OnnxDim> values) {
        if (values == null) {
            return null;
        }
        List<OnnxDim> d = new ArrayList<>();
        for (OnnxDim v : values) {
            d.add(v.numeric() ? of(v.size()) : v);
        }
        return d;
    }

    /** As many unknown dimensions as {@code d} has: the rank is known, the sizes are not. */
    static List<OnnxDim> unknownLike(List<OnnxDim> d) {
        return unknown(d.size());
    }

    /** {@code rank} unknown dimensions. */
    static List<OnnxDim> unknown(int rank) {
        return Collections.nCopies(rank, UNKNOWN);
    }

    /** The product of sizes; unknown if any is not a size, except that a single symbol is itself. */
    static OnnxDim product(List<OnnxDim> ds) {
        long p = 1;
        for (OnnxDim d : ds) {
            if (!d.known()) {
                return ds.size() == 1 ? d : UNKNOWN;
            }
            p *= d.size();
        }
        return of(p);
    }

    /** NumPy broadcasting of several shapes (null if any is unknown). */
    static List<OnnxDim> broadcast(List<List<OnnxDim>> shapes) {
        int rank = 0;
        for (List<OnnxDim> s : shapes) {
            if (s == null) {
                return null;
            }
            rank = Math.max(rank, s.size());
        }
        List<OnnxDim> out = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            OnnxDim r = of(1);
            for (List<OnnxDim> s : shapes) {
                int k = i - (rank - s.size());
                if (k < 0) {
                    continue;
                }
                OnnxDim d = s.get(k);
                if (d.known() && d.size() == 1) {
                    continue;
                }
                if (r.known() && r.size() == 1) {
                    r = d;
                } else if (!r.equals(d)) {
                    r = r.known() ? r : d.known() ? d : UNKNOWN; // a size beats a symbol it must equal
                }
            }
            out.add(r);
        }
        return out;
    }
}
