package io.nnviz.api;

import java.util.Arrays;

/**
 * An immutable tensor shape. A dimension may be {@link #UNKNOWN} ({@code -1}) where the
 * framework leaves it open, typically the batch dimension of a layer's output shape.
 *
 * <pre>{@code
 * Shape s = Shape.of(-1, 32, 28, 28);   // NCHW with an open batch size
 * s.withDim(0, 4);                       // [4, 32, 28, 28]
 * }</pre>
 */
public final class Shape {
    /** The value of a dimension the framework does not fix. */
    public static final int UNKNOWN = -1;

    private static final Shape SCALAR = new Shape(new int[0]);

    private final int[] dims;

    private Shape(int[] dims) {
        this.dims = dims;
    }

    /**
     * A shape with the given dimensions (copied).
     *
     * @throws IllegalArgumentException if a dimension is below {@code -1}
     */
    public static Shape of(int... dims) {
        if (dims == null) {
            throw new NullPointerException("dims");
        }
        if (dims.length == 0) {
            return SCALAR;
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < UNKNOWN) {
                throw new IllegalArgumentException(
                        "dimension " + i + " of " + Arrays.toString(dims) + " is negative");
            }
        }
        return new Shape(dims.clone());
    }

    /** A shape from {@code long} dimensions, as DJL and TensorFlow report them. */
    public static Shape ofLongs(long... dims) {
        int[] d = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("dimension " + i + " is too large: " + dims[i]);
            }
            d[i] = dims[i] < 0 ? UNKNOWN : (int) dims[i];
        }
        return of(d);
    }

    /** The rank-0 shape. */
    public static Shape scalar() {
        return SCALAR;
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** Dimension {@code i}; negative {@code i} counts from the end. */
    public int dim(int i) {
        return dims[i < 0 ? dims.length + i : i];
    }

    /** A copy of the dimensions. */
    public int[] toArray() {
        return dims.clone();
    }

    /** True if every dimension is known. */
    public boolean isKnown() {
        for (int d : dims) {
            if (d == UNKNOWN) {
                return false;
            }
        }
        return true;
    }

    /**
     * Number of elements.
     *
     * @throws IllegalStateException if a dimension is unknown
     * @throws ArithmeticException if the count overflows a {@code long}
     */
    public long size() {
        long n = 1;
        for (int d : dims) {
            if (d == UNKNOWN) {
                throw new IllegalStateException("shape " + this + " has an unknown dimension");
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** This shape with dimension {@code i} replaced. */
    public Shape withDim(int i, int value) {
        int[] d = dims.clone();
        d[i < 0 ? d.length + i : i] = value;
        return of(d);
    }

    /** This shape without its first dimension (for example the batch dimension). */
    public Shape dropFirst() {
        if (dims.length == 0) {
            throw new IllegalStateException("a scalar shape has no first dimension");
        }
        return of(Arrays.copyOfRange(dims, 1, dims.length));
    }

    /**
     * True if every known dimension of both shapes agrees and the ranks are equal; an unknown
     * dimension matches anything.
     */
    public boolean isCompatibleWith(Shape other) {
        if (other.dims.length != dims.length) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] != UNKNOWN && other.dims[i] != UNKNOWN && dims[i] != other.dims[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** For example {@code [?, 32, 28, 28]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(dims[i] == UNKNOWN ? "?" : Integer.toString(dims[i]));
        }
        return sb.append(']').toString();
    }
}
