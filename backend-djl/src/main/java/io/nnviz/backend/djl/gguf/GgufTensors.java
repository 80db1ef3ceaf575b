package io.nnviz.backend.djl.gguf;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.spi.StoredNumbers;
import io.nnviz.api.spi.Printable;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A GGUF file's tensors as float32 {@link Tensor}s, each read from the memory-mapped file when
 * asked (so a file larger than the heap is drawn a tensor at a time): F32, F16, BF16, F64 and the
 * integer types widened, the block-quantized types dequantized ({@link GgufBlocks}). The shape is
 * ggml's reversed (ggml lists the innermost dimension first), which puts a linear layer's weight
 * in nnviz's {@code [out, in]}, an embedding in {@code [vocabulary, dimension]} and a convolution's
 * kernel in {@code OIHW}, with the values in the order ggml stores them.
 */
final class GgufTensors {
    private GgufTensors() {
    }

    /** Whether nnviz can make {@code r} a float32 tensor within {@code budget} bytes; else why not. */
    static String notDecoded(GgufHeader.Ref r, long budget) {
        if (!r.type().decoded) {
            return r.type() + ": nnviz does not dequantize this type";
        }
        if (r.elements() > Integer.MAX_VALUE - 8 || r.bytes() > Integer.MAX_VALUE || r.elements() * 4 > budget) {
            return "its " + r.elements() + " values as float32 would take more than the memory budget (" + budget + " bytes)";
        }
        return null;
    }

    /** The tensor {@code r} of the file {@code path}, whose tensor data starts at {@code dataStart}. */
    static Tensor read(Path path, long dataStart, ByteOrder order, GgufHeader.Ref r) {
        try (FileChannel ch = FileChannel.open(path)) {
            int n = Math.toIntExact(r.elements());
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + r.offset(), r.bytes());
            b.order(order);
            float[] out = new float[n];
            StoredNumbers plain = switch (r.type()) {
                case F32 -> StoredNumbers.F32;
                case F16 -> StoredNumbers.F16;
                case BF16 -> StoredNumbers.BF16;
                case F64 -> StoredNumbers.F64;
                case I8 -> StoredNumbers.I8;
                case I16 -> StoredNumbers.I16;
                case I32 -> StoredNumbers.I32;
                case I64 -> StoredNumbers.I64;
                default -> null;
            };
            if (plain != null) {
                plain.decode(b, 0, out, 0, n);
            } else {
                GgufBlocks.decode(r.type(), b, r.elements() / r.type().block, out);
            }
            return Tensor.adopt(Shape.ofLongs(r.shape()), out);
        } catch (IOException | ArithmeticException | IndexOutOfBoundsException e) {
            throw new ModelLoadException(path, "its tensor " + Printable.name(r.name()) + " cannot be read ("
                    + Printable.oneLine(String.valueOf(e.getMessage())) + ")", e);
        }
    }
}
