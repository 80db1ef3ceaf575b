package io.nnviz.api;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * An immutable, dense, row-major {@code float} tensor: the one data type every backend hands to
 * every renderer.
 *
 * <h2>Canonical layouts</h2>
 * Whatever the framework stores, a backend converts at its boundary so that nnviz always sees:
 * <ul>
 *   <li>images and convolution activations: {@code NCHW} (batch, channels, height, width);</li>
 *   <li>1-D convolution activations: {@code NCW};</li>
 *   <li>convolution kernels: {@code OIHW} (output channels, input channels, kernel height, width);</li>
 *   <li>dense (fully connected) weights: {@code [out, in]};</li>
 *   <li>recurrent kernels: {@code [gates * units, in]} and {@code [gates * units, units]};</li>
 *   <li>sequences and recurrent activations: {@code [N, T, C]} (batch, time, features);</li>
 *   <li>dense activations: {@code [N, C]}.</li>
 * </ul>
 * DL4J dense weights are {@code [in, out]}, TensorFlow kernels are {@code HWIO} and its activations
 * {@code NHWC}, DL4J recurrent activations are {@code [N, C, T]}: {@link #permute(int...)} does
 * those conversions.
 *
 * <p>Every factory copies its input except {@link #adopt(float[], int...)}, and no method hands
 * out the internal array: a tensor captured during training stays valid after the framework
 * reuses its own buffers.
 *
 * <pre>{@code
 * Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
 * t.get(1, 2);           // 6.0
 * t.stats().mean();      // 3.5
 * t.permute(1, 0);       // the [3, 2] transpose
 * }</pre>
 */
public final class Tensor {
    private final Shape shape;
    /** The row-major values; null while a {@link #permuteLater} permutation or a {@link #later} supplier is pending. */
    private volatile float[] data;
    /** The tensor a pending permutation reads, and its axes; cleared once the values exist. */
    private volatile Tensor pending;
    private final int[] pendingAxes;
    /** Where a {@link #later} tensor's values come from; cleared once they exist. */
    private volatile Supplier<float[]> supplier;
    /** Where a {@link #ranged} tensor's values come from, range by range; cleared once they all exist. */
    private volatile Source source;
    private volatile TensorStats stats;

    private Tensor(Shape shape, float[] data) {
        known(shape);
        Objects.requireNonNull(data, "data");
        long size = shape.size();
        if (size != data.length) {
            throw new IllegalArgumentException("shape " + shape + " holds " + size
                    + " values but " + data.length + " were given");
        }
        this.shape = shape;
        this.data = data;
        this.pendingAxes = null;
    }

    private Tensor(Shape shape, Tensor source, int[] axes) {
        this.shape = shape;
        this.pending = source;
        this.pendingAxes = axes;
    }

    private Tensor(Shape shape, Supplier<float[]> supplier) {
        this.shape = known(shape);
        this.supplier = Objects.requireNonNull(supplier, "supplier");
        this.pendingAxes = null;
    }

    private Tensor(Shape shape, Source source) {
        this.shape = known(shape);
        this.source = Objects.requireNonNull(source, "source");
        this.pendingAxes = null;
    }

    /** {@code shape}, if every dimension is known. */
    private static Shape known(Shape shape) {
        Objects.requireNonNull(shape, "shape");
        if (!shape.isKnown()) {
            throw new IllegalArgumentException("a tensor needs a fully known shape, got " + shape);
        }
        return shape;
    }

    /**
     * Reads a tensor's values by range, for {@link #ranged} tensors: row-major elements
     * {@code [from, from + length)} into {@code dst} from {@code offset}.
     */
    @FunctionalInterface
    public interface Source {
        /** Reads {@code length} values starting at flat position {@code from}. */
        void read(int from, float[] dst, int offset, int length);
    }

    /** A tensor holding a copy of {@code data} with the given shape. */
    public static Tensor of(float[] data, int... shape) {
        return new Tensor(Shape.of(shape), Objects.requireNonNull(data, "data").clone());
    }

    /** A tensor holding a copy of {@code data} with the given shape. */
    public static Tensor of(Shape shape, float[] data) {
        return new Tensor(shape, Objects.requireNonNull(data, "data").clone());
    }

    /**
     * A tensor that takes ownership of {@code data} without copying it. For backends that have
     * just copied framework memory into a fresh array: the caller must not keep or change the
     * array afterwards.
     */
    public static Tensor adopt(float[] data, int... shape) {
        return new Tensor(Shape.of(shape), data);
    }

    /** A tensor that takes ownership of {@code data}; see {@link #adopt(float[], int...)}. */
    public static Tensor adopt(Shape shape, float[] data) {
        return new Tensor(shape, data);
    }

    /**
     * A tensor whose values a backend supplies when they are first read, by the thread that reads
     * them, exactly once: a fresh row-major array of {@link Shape#size()} values, which the tensor
     * then owns. For backends that capture during training: the framework's own copy is made on
     * the training thread (cheap, in its memory), the copy into Java happens later on whichever
     * thread reads it first, typically a hook's background worker. The backend must keep what the
     * supplier reads valid until it has run, and may force it with {@link #load()}. If the supplier
     * throws, the read fails with that exception and a later read tries again.
     */
    public static Tensor later(Shape shape, Supplier<float[]> values) {
        return new Tensor(shape, values);
    }

    /**
     * A tensor whose values a backend reads when they are first needed, and only as far as they are:
     * {@link #head}, {@link #slice} and {@link #copyRange} read just their range, anything else reads
     * every value once, which the tensor then keeps. For stored weights that must be decoded (a
     * quantized kernel, half floats) of which a figure often shows a part: a filter grid draws the
     * first 64 filters of a kernel that may have 512. The backend must keep what the source reads
     * valid for the tensor's life.
     */
    public static Tensor ranged(Shape shape, Source values) {
        return new Tensor(shape, values);
    }

    /**
     * Makes sure the values exist: runs a pending {@link #later} supplier or
     * {@link #permuteLater} permutation now, on this thread. Returns this tensor.
     */
    public Tensor load() {
        data();
        return this;
    }

    /** True if the values exist (false while a {@link #later} supplier, a {@link #ranged} source or a {@link #permuteLater} permutation is pending). */
    public boolean isLoaded() {
        return data != null;
    }

    /** A tensor of zeros. */
    public static Tensor zeros(int... shape) {
        Shape s = Shape.of(shape);
        return new Tensor(s, new float[Math.toIntExact(s.size())]);
    }

    /** The shape. */
    public Shape shape() {
        return shape;
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.rank();
    }

    /** Number of elements. */
    public int size() {
        return (int) shape.size();
    }

    /** The element at a full index. */
    public float get(int... index) {
        return data()[offset(index)];
    }

    /** The internal array, for this package's read-only loops (never handed out). */
    float[] data() {
        float[] d = data;
        if (d == null) {
            synchronized (this) {
                d = data;
                if (d == null) {
                    d = pending != null ? permuteData(pending, pendingAxes, shape.toArray()) : source != null ? read(source, 0, size())
                            : supplied();
                    data = d;
                    pending = null;
                    supplier = null;
                    source = null;
                }
            }
        }
        return d;
    }

    private float[] supplied() {
        float[] v = supplier.get();
        if (v == null || v.length != shape.size()) {
            throw new IllegalStateException("a later tensor's supplier gave " + (v == null ? "null" : v.length + " values")
                    + " for shape " + shape);
        }
        return v;
    }

    private static float[] read(Source source, int from, int length) {
        float[] v = new float[length];
        source.read(from, v, 0, length);
        return v;
    }

    /** The source to read a range from instead of every value, or null when the values exist (or come otherwise). */
    private Source rangeSource() {
        Source s = source; // read before data: the values are published before the source is let go
        return data == null ? s : null;
    }

    /**
     * Every value once, in row-major order or in the order of a still-pending permutation's source:
     * enough for statistics and histograms, which never need the permutation done.
     */
    float[] valuesInAnyOrder() {
        Tensor p = pending; // read before data: the values are published before the source is let go
        float[] d = data;
        return d != null ? d : p != null ? p.valuesInAnyOrder() : data();
    }

    /** The element at a flat row-major position. */
    public float getFlat(int i) {
        return data()[i];
    }

    /** A copy of the row-major data. */
    public float[] toArray() {
        return data().clone();
    }

    /** Copies the row-major data into {@code dst} starting at {@code dstOffset}. */
    public void copyTo(float[] dst, int dstOffset) {
        float[] d = data();
        System.arraycopy(d, 0, dst, dstOffset, d.length);
    }

    /** Copies elements {@code [from, from + length)} into {@code dst}; for renderers that read tiles. */
    public void copyRange(int from, float[] dst, int dstOffset, int length) {
        Source s = rangeSource();
        if (s != null) {
            Objects.checkFromIndexSize(from, length, size());
            Objects.checkFromIndexSize(dstOffset, length, dst.length);
            s.read(from, dst, dstOffset, length);
            return;
        }
        System.arraycopy(data(), from, dst, dstOffset, length);
    }

    /** Statistics (computed once, on first use). */
    public TensorStats stats() {
        TensorStats s = stats;
        if (s == null) {
            s = TensorStats.of(valuesInAnyOrder());
            stats = s;
        }
        return s;
    }

    /** Element {@code i} along the first dimension, for example one sample of a batch. */
    public Tensor slice(int i) {
        if (shape.rank() == 0) {
            throw new IllegalStateException("cannot slice a scalar tensor");
        }
        Objects.checkIndex(i, shape.dim(0));
        int len = size() / shape.dim(0);
        Source s = rangeSource();
        if (s != null) {
            return new Tensor(shape.dropFirst(), read(s, i * len, len));
        }
        return new Tensor(shape.dropFirst(), Arrays.copyOfRange(data(), i * len, (i + 1) * len));
    }

    /** The first {@code n} elements along the first dimension (fewer if the tensor has fewer). */
    public Tensor head(int n) {
        int count = Math.min(n, shape.dim(0));
        int len = shape.dim(0) == 0 ? 0 : size() / shape.dim(0);
        Source s = rangeSource();
        if (s != null) {
            return new Tensor(shape.withDim(0, count), read(s, 0, count * len));
        }
        return new Tensor(shape.withDim(0, count), Arrays.copyOf(data(), count * len));
    }

    /** The same data with another shape of the same size. */
    public Tensor reshape(int... newShape) {
        return new Tensor(Shape.of(newShape), data().clone());
    }

    /**
     * Reorders the dimensions: result dimension {@code k} is this tensor's dimension
     * {@code axes[k]}. {@code permute(0, 3, 1, 2)} turns NHWC into NCHW; {@code permute(3, 2, 0, 1)}
     * turns HWIO into OIHW; {@code permute(1, 0)} transposes a matrix.
     */
    public Tensor permute(int... axes) {
        int[] dst = permutedDims(axes);
        return new Tensor(Shape.of(dst), permuteData(this, axes, dst));
    }

    /**
     * The same tensor as {@link #permute}, but the values are reordered only when first read:
     * statistics and histograms never need it. For backends that must copy a framework's values
     * on the training thread and can leave the layout conversion to whoever reads them later.
     */
    public Tensor permuteLater(int... axes) {
        int[] dst = permutedDims(axes);
        Tensor p = pending; // a pending permutation of a pending permutation: one of the first's source, done once (or never)
        if (p != null) {
            int[] composed = new int[axes.length];
            boolean identity = true;
            for (int k = 0; k < axes.length; k++) {
                composed[k] = pendingAxes[axes[k]];
                identity &= composed[k] == k;
            }
            return identity ? p : new Tensor(Shape.of(dst), p, composed);
        }
        return new Tensor(Shape.of(dst), this, axes.clone());
    }

    private int[] permutedDims(int[] axes) {
        int rank = shape.rank();
        if (axes.length != rank) {
            throw new IllegalArgumentException("permute needs " + rank + " axes, got " + Arrays.toString(axes));
        }
        boolean[] seen = new boolean[rank];
        for (int a : axes) {
            if (a < 0 || a >= rank || seen[a]) {
                throw new IllegalArgumentException("not a permutation of 0.." + (rank - 1) + ": " + Arrays.toString(axes));
            }
            seen[a] = true;
        }
        int[] src = shape.toArray();
        int[] dst = new int[rank];
        for (int k = 0; k < rank; k++) {
            dst[k] = src[axes[k]];
        }
        return dst;
    }

    private static float[] permuteData(Tensor source, int[] axes, int[] dst) {
        float[] data = source.data();
        int rank = axes.length;
        int[] src = source.shape.toArray();
        int[] srcStride = strides(src);
        int[] stride = new int[rank];
        for (int k = 0; k < rank; k++) {
            stride[k] = srcStride[axes[k]];
        }
        float[] out = new float[data.length];
        if (out.length == 0) {
            return out;
        }
        if (rank == 2 && axes[0] == 1) {
            // a transpose, in cache-sized tiles
            int rows = src[0], cols = src[1];
            for (int r0 = 0; r0 < rows; r0 += 32) {
                for (int c0 = 0; c0 < cols; c0 += 32) {
                    int r1 = Math.min(rows, r0 + 32), c1 = Math.min(cols, c0 + 32);
                    for (int r = r0; r < r1; r++) {
                        int from = r * cols;
                        for (int c = c0; c < c1; c++) {
                            out[c * rows + r] = data[from + c];
                        }
                    }
                }
            }
            return out;
        }
        // the innermost axis in a tight strided loop, an odometer over the others
        int inner = dst[rank - 1], innerStride = stride[rank - 1];
        int[] idx = new int[rank];
        int srcOff = 0;
        for (int o = 0; o < out.length; o += inner) {
            for (int j = 0, p = srcOff; j < inner; j++, p += innerStride) {
                out[o + j] = data[p];
            }
            for (int k = rank - 2; k >= 0; k--) {
                idx[k]++;
                srcOff += stride[k];
                if (idx[k] < dst[k]) {
                    break;
                }
                srcOff -= stride[k] * dst[k];
                idx[k] = 0;
            }
        }
        return out;
    }

    private int offset(int[] index) {
        if (index.length != shape.rank()) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " does not match shape " + shape);
        }
        int off = 0;
        for (int k = 0; k < index.length; k++) {
            Objects.checkIndex(index[k], shape.dim(k));
            off = off * shape.dim(k) + index[k];
        }
        return off;
    }

    private static int[] strides(int[] dims) {
        int[] s = new int[dims.length];
        int acc = 1;
        for (int k = dims.length - 1; k >= 0; k--) {
            s[k] = acc;
            acc *= dims[k];
        }
        return s;
    }

    /** Equal shape and bitwise-equal values (NaN equals NaN). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && shape.equals(t.shape) && Arrays.equals(data(), t.data());
    }

    @Override
    public int hashCode() {
        return 31 * shape.hashCode() + Arrays.hashCode(data());
    }

    /** Shape and statistics, never the data. */
    @Override
    public String toString() {
        TensorStats s = stats();
        return "Tensor" + shape + "{min=" + s.min() + ", max=" + s.max() + ", mean=" + s.mean()
                + (s.hasNonFinite() ? ", nan=" + s.nanCount() + ", inf=" + s.infCount() : "") + "}";
    }
}
