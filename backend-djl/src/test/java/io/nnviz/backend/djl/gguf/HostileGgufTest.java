package io.nnviz.backend.djl.gguf;

import io.nnviz.NNViz;
import io.nnviz.api.DType;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 29 with #27's rules: a GGUF header that declares more than its bytes, or what ggml refuses, is refused at once, in one line. */
@Timeout(30)
class HostileGgufTest {
    @TempDir
    Path dir;

    /** A GGUF file written field by field, little-endian unless told. */
    static final class Gguf {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteOrder order;

        Gguf(int version, long tensors, long kvs, ByteOrder order) {
            this.order = order;
            out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
            u32(version).u64(tensors).u64(kvs);
        }

        Gguf(long tensors, long kvs) {
            this(3, tensors, kvs, ByteOrder.LITTLE_ENDIAN);
        }

        Gguf u32(long v) {
            out.writeBytes(ByteBuffer.allocate(4).order(order).putInt((int) v).array());
            return this;
        }

        Gguf u64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).order(order).putLong(v).array());
            return this;
        }

        Gguf str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            out.writeBytes(b);
            return this;
        }

        /** A tensor info: name, ggml's dimensions (innermost first), type, offset. */
        Gguf tensor(String name, long[] dims, int type, long offset) {
            str(name).u32(dims.length);
            for (long d : dims) {
                u64(d);
            }
            return u32(type).u64(offset);
        }

        Gguf pad(int alignment) {
            out.writeBytes(new byte[(alignment - out.size() % alignment) % alignment]);
            return this;
        }

        Gguf floats(float... v) {
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(order);
            for (float f : v) {
                b.putFloat(f);
            }
            out.writeBytes(b.array());
            return this;
        }

        Gguf bytes(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Path to(Path p) throws IOException {
            return Files.write(p, out.toByteArray());
        }
    }

    private Path file(String name, Gguf g) throws IOException {
        return g.to(dir.resolve(name));
    }

    private String refusal(Path p, String says) {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> NNViz.load(p).close());
        assertTrue(e.getMessage().contains(says), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    /** fc.weight [2, 2] and fc.bias [2] in F32, and q.weight: one Q8_0 block of 32 values. */
    private Gguf wellFormed(ByteOrder order) {
        Gguf g = new Gguf(3, 3, 2, order).str("general.architecture").u32(8).str("toy").str("toy.block_count").u32(4).u32(1);
        g.tensor("fc.weight", new long[] {2, 2}, 0, 0).tensor("fc.bias", new long[] {2}, 0, 32).tensor("q.weight", new long[] {32, 1}, 8, 64);
        g.pad(32).floats(1, 2, 3, 4).pad(32).floats(5, 6).pad(32);
        byte[] q8 = new byte[34];
        ByteBuffer.wrap(q8).order(order).putShort((short) 0x3800); // half 0.5
        for (int i = 0; i < 32; i++) {
            q8[2 + i] = (byte) (i - 16);
        }
        return g.bytes(q8);
    }

    @Test
    void aWellFormedFileOpensWithItsValuesInEitherByteOrder() throws Exception {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            try (ModelView m = NNViz.load(file("ok-" + order + ".gguf", wellFormed(order)))) {
                assertEquals(6 + 32, m.parameterCount());
                assertArrayEquals(new float[] {1, 2, 3, 4}, m.weights("fc").get(0).values().toArray());
                assertEquals("[2, 2]", m.weights("fc").get(0).values().shape().toString().replace("(", "[").replace(")", "]"));
                float[] q = m.weights("q").get(0).values().toArray();
                assertEquals(-8f, q[0]);
                assertEquals(7.5f, q[31]);
                assertEquals("toy", m.properties().get("metadata general.architecture"));
                assertEquals(Map.of(DType.FLOAT32, 6L, DType.quantized("q8_0"), 32L), m.parameterCountByDtype());
            }
        }
    }

    @Test
    void truncatedFilesAreRefused() throws Exception {
        byte[] whole = wellFormed(ByteOrder.LITTLE_ENDIAN).out.toByteArray();
        for (int cut : new int[] {3, 10, 40, 90, 150, whole.length - 1}) {
            Path p = Files.write(dir.resolve("cut" + cut + ".gguf"), Arrays.copyOf(whole, cut));
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> NNViz.load(p).close(), "cut at " + cut);
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        refusal(dir.resolve("cut150.gguf"), "cut short");
        refusal(dir.resolve("cut" + (whole.length - 1) + ".gguf"), "declares 32 Q8_0 values in 34 bytes at offset 64");
    }

    @Test
    void lengthsAndCountsPastTheFileAreRefusedBeforeAnythingIsAllocated() throws Exception {
        refusal(file("string.gguf", new Gguf(0, 1).u64(1L << 62).bytes(new byte[64])), "declares 4611686018427387904 bytes");
        refusal(file("tensors.gguf", new Gguf(1L << 40, 0).bytes(new byte[64])), "declares 1099511627776 tensors");
        refusal(file("kvs.gguf", new Gguf(0, -1).bytes(new byte[64])), "declares 18446744073709551615 metadata pairs");
        refusal(file("array.gguf", new Gguf(0, 1).str("tokenizer.ggml.tokens").u32(9).u32(8).u64(1L << 60).bytes(new byte[64])),
                "declares 1152921504606846976 STRING items");
        refusal(file("nested.gguf", new Gguf(0, 1).str("a.b").u32(9).u32(9).u64(1).bytes(new byte[64])), "array of arrays");
        refusal(file("v1.gguf", new Gguf(1, 0, 0, ByteOrder.LITTLE_ENDIAN)), "GGUF version 1");
        refusal(file("v9.gguf", new Gguf(9, 0, 0, ByteOrder.LITTLE_ENDIAN)), "GGUF version 9");
    }

    @Test
    void tensorsPastTheFileOverlappingMisalignedOrOfUnknownTypesAreRefused() throws Exception {
        refusal(file("past.gguf", new Gguf(1, 0).tensor("w", new long[] {1000000}, 0, 0).pad(32).floats(1, 2)),
                "declares 1000000 F32 values in 4000000 bytes at offset 0, where the file holds 8 bytes of tensor data");
        refusal(file("far.gguf", new Gguf(1, 0).tensor("w", new long[] {2}, 0, 1L << 62).pad(32).floats(1, 2)), "at offset 4611686018427387904");
        refusal(file("overlap.gguf", new Gguf(2, 0).tensor("a", new long[] {16}, 0, 0).tensor("b", new long[] {8}, 0, 32).pad(32)
                .floats(new float[16])), "its tensors 'a' and 'b' overlap");
        refusal(file("dtype.gguf", new Gguf(1, 0).tensor("w", new long[] {2}, 99, 0).pad(32).floats(1, 2)), "has type 99");
        refusal(file("removed.gguf", new Gguf(1, 0).tensor("w", new long[] {32}, 31, 0).pad(32).bytes(new byte[18])), "removed");
        refusal(file("misaligned.gguf", new Gguf(1, 0).tensor("w", new long[] {2}, 0, 4).pad(32).floats(1, 2, 3)),
                "starts at offset 4, not a multiple of the alignment 32");
        refusal(file("overflow.gguf", new Gguf(1, 0).tensor("w", new long[] {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, 4}, 0, 0)
                .pad(32)), "product passes 2^63");
        refusal(file("blocks.gguf", new Gguf(1, 0).tensor("w", new long[] {20}, 8, 0).pad(32).bytes(new byte[34])), "not whole Q8_0 blocks");
        refusal(file("rank.gguf", new Gguf(1, 0).tensor("w", new long[] {1, 1, 1, 1, 1}, 0, 0).pad(32).floats(1)), "5 dimensions");
        refusal(file("twice.gguf", new Gguf(2, 0).tensor("w", new long[] {1}, 0, 0).tensor("w", new long[] {1}, 0, 32).pad(32)
                .floats(new float[9])), "names two tensors 'w'");
        refusal(file("align.gguf", new Gguf(0, 1).str("general.alignment").u32(4).u32(48)), "not a power of two");
    }

    @Test
    void aTensorLargerThanTheBudgetIsListedNotRead() throws Exception {
        // 2^20 float32 values of ones; a 1 MiB budget cannot hold their float copy
        Gguf g = new Gguf(1, 0).tensor("big.weight", new long[] {1024, 1024}, 0, 0).pad(32);
        g.bytes(new byte[4 << 20]);
        try (ModelView m = NNViz.load(g.to(dir.resolve("big.gguf")), LoadOptions.defaults().memoryBudget(1L << 20))) {
            assertEquals(1 << 20, m.parameterCount());
            assertTrue(m.weights("big").isEmpty());
            assertTrue(m.layers().get(0).attributes().get("not decoded").contains("memory budget"), m.layers().get(0).attributes().toString());
        }
    }
}
