package io.nnviz.backend.tensorflow.tflite;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.spi.StoredNumbers;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A TFLite file's constant tensors as float32 {@link Tensor}s in nnviz's canonical layouts, read from
 * the file when asked: float32 as stored, float16 widened ({@link StoredNumbers}), quantized
 * integers dequantized ({@code f = scale * (q - zero_point)}, per channel along the quantized
 * dimension), sparse storage made dense, and convolution kernels reordered to OIHW (TFLite stores
 * {@code CONV_2D} and {@code TRANSPOSE_CONV} kernels OHWI and {@code DEPTHWISE_CONV_2D} kernels
 * {@code [1, H, W, C*M]}, which become {@code [C*M, 1, H, W]}). Little-endian, row-major, as the
 * format says.
 */
final class TfliteTensors {
    /** How a tensor's stored layout maps to the canonical one. */
    enum Layout {
        /** As stored (dense weights are already {@code [out, in]}). */
        STORED,
        /** OHWI to OIHW. */
        OHWI,
        /** {@code [1, H, W, C*M]} to {@code [C*M, 1, H, W]}. */
        DEPTHWISE
    }

    private TfliteTensors() {
    }

    /** Whether a constant is a parameter: of a float type, or of an integer type with a quantization scale. */
    static boolean parameter(TfliteGraph.Tensor t) {
        TfliteSchema.Type type = t.type();
        return t.data() != null && type != null && type.numeric() && (type.floating() || t.quant() != null);
    }

    /** Whether a parameter is stored quantized (an integer type with scales). */
    static boolean quantized(TfliteGraph.Tensor t) {
        return !t.type().floating() && t.quant() != null;
    }

    /** The canonical shape of tensor {@code t} in {@code layout}; the stored one where the layout does not apply to its rank. */
    static int[] shape(TfliteGraph.Tensor t, Layout layout) {
        int[] s = t.shape();
        if (s.length != 4 || layout == Layout.STORED) {
            return s.clone();
        }
        return layout == Layout.OHWI ? new int[] {s[0], s[3], s[1], s[2]} : new int[] {s[3], s[0], s[1], s[2]};
    }

    /**
     * The values of parameter {@code t} of the file {@code path} ({@code fileSize} bytes when opened),
     * dequantized, dense, in {@code layout}.
     */
    static Tensor read(Path path, long fileSize, TfliteGraph.Tensor t, Layout layout) {
        float[] stored;
        try (FileChannel ch = FileChannel.open(path)) {
            if (Files.size(path) != fileSize) {
                throw new ModelLoadException(path, "the file changed since it was opened (" + fileSize + " bytes then, " + Files.size(path) + " now)");
            }
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, t.data().offset(), t.data().length());
            b.order(ByteOrder.LITTLE_ENDIAN);
            TfliteSchema.Type type = t.type();
            int n = Math.toIntExact(t.data().length() / type.bytes());
            stored = new float[n];
            values(b, type, stored);
        } catch (IOException | ArithmeticException e) {
            throw new ModelLoadException(path, "its tensor " + t.index() + " cannot be read (" + e.getMessage() + ")", e);
        }
        int[] shape = t.shape();
        float[] dense = t.sparsity() == null ? stored : TfliteSparse.densify(path, t, stored);
        if (t.quant() != null && !t.type().floating()) {
            dequantize(dense, shape, t.quant());
        }
        int[] canonical = shape(t, layout);
        return Tensor.adopt(Shape.of(canonical), shape.length == 4 && layout != Layout.STORED ? reorder(dense, shape, layout) : dense);
    }

    /** The stored values as floats, decoded in bulk. */
    private static void values(MappedByteBuffer b, TfliteSchema.Type type, float[] out) {
        StoredNumbers stored = switch (type) {
            case FLOAT32 -> StoredNumbers.F32;
            case FLOAT16 -> StoredNumbers.F16;
            case FLOAT64 -> StoredNumbers.F64;
            case INT8 -> StoredNumbers.I8;
            case UINT8, BOOL -> StoredNumbers.U8;
            case INT16 -> StoredNumbers.I16;
            case UINT16 -> StoredNumbers.U16;
            case INT32 -> StoredNumbers.I32;
            case UINT32 -> StoredNumbers.U32;
            case INT64 -> StoredNumbers.I64;
            case UINT64 -> StoredNumbers.U64;
            default -> throw new IllegalStateException("not numeric: " + type);
        };
        stored.decode(b, 0, out, 0, out.length);
    }

    /** {@code f = scale * (q - zero_point)}, with one scale for all or one per index of dimension {@code axis}. */
    static void dequantize(float[] v, int[] shape, TfliteGraph.Quant q) {
        int channels = q.scale().length;
        int inner = 1;
        if (channels > 1) {
            for (int d = q.axis() + 1; d < shape.length; d++) {
                inner *= shape[d];
            }
        }
        for (int i = 0; i < v.length; i++) {
            int c = channels > 1 ? (i / inner) % channels : 0;
            long zero = q.zeroPoint().length == 0 ? 0 : q.zeroPoint()[q.zeroPoint().length > 1 ? c : 0];
            v[i] = (float) (q.scale()[c] * ((double) v[i] - zero));
        }
    }

    /** Row-major {@code [a, b, c, d]} values reordered to the canonical layout. */
    private static float[] reorder(float[] v, int[] s, Layout layout) {
        float[] out = new float[v.length];
        int a = s[0], h = s[1], w = s[2], c = s[3];
        for (int i = 0; i < a; i++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int ch = 0; ch < c; ch++) {
                        float f = v[((i * h + y) * w + x) * c + ch];
                        if (layout == Layout.OHWI) { // out[o=i][in=ch][y][x]
                            out[((i * c + ch) * h + y) * w + x] = f;
                        } else { // out[o = ch * a + i][0][y][x]; a is 1 for a depthwise kernel
                            out[((ch * a + i) * h + y) * w + x] = f;
                        }
                    }
                }
            }
        }
        return out;
    }
}
