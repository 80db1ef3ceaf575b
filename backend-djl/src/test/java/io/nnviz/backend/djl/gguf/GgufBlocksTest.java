package io.nnviz.backend.djl.gguf;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The two block types the corpus's oracle cannot check (ggml's base library has no dequantizer for
 * Q8_1 and Q8_K, which llama.cpp uses for activations, not weights), on blocks laid out by hand as
 * ggml-common.h's block_q8_1 (half d, half s, 32 int8) and block_q8_K (float d, 256 int8, 16 int16 sums).
 */
class GgufBlocksTest {
    @Test
    void q8_1AndQ8_KAreTheirScaleTimesTheirBytes() {
        ByteBuffer q81 = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) 0x3400); // d = 0.25
        for (int i = 0; i < 32; i++) {
            q81.put(4 + i, (byte) (i - 16));
        }
        float[] out = new float[32];
        GgufBlocks.decode(GgufType.Q8_1, q81, 1, out);
        assertEquals(-4f, out[0]);
        assertEquals(3.75f, out[31]);
        ByteBuffer q8k = ByteBuffer.allocate(292).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 0.5f);
        for (int i = 0; i < 256; i++) {
            q8k.put(4 + i, (byte) (i - 128));
        }
        float[] k = new float[256];
        GgufBlocks.decode(GgufType.Q8_K, q8k, 1, k);
        assertEquals(-64f, k[0]);
        assertEquals(63.5f, k[255]);
    }
}
