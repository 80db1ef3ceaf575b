package io.nnviz.api.spi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Values from the formats' definitions (IEEE 754 binary16, bfloat16, OCP FP8 E4M3/E5M2). */
class LowPrecisionTest {
    @Test
    void halvesAndBfloatsWidenExactly() {
        assertEquals(1.0f, LowPrecision.half(0x3C00));
        assertEquals(-2.0f, LowPrecision.half(0xC000));
        assertEquals(65504f, LowPrecision.half(0x7BFF), "the largest half");
        assertEquals(0x1p-24f, LowPrecision.half(0x0001), "the smallest subnormal");
        assertEquals(Float.POSITIVE_INFINITY, LowPrecision.half(0x7C00));
        assertTrue(Float.isNaN(LowPrecision.half(0x7E00)));
        assertEquals(-2.0f, LowPrecision.half((short) 0xC000), "a short, sign-extended, is the same bits");
        assertEquals(1.0f, LowPrecision.bfloat16(0x3F80));
        assertEquals(-1.5f, LowPrecision.bfloat16((short) 0xBFC0));
    }

    @Test
    void eightBitFloatsFollowTheOcpDefinitions() {
        assertEquals(1.0f, LowPrecision.e4m3(0x38));
        assertEquals(448f, LowPrecision.e4m3(0x7E), "E4M3's largest");
        assertEquals(0x1p-9f, LowPrecision.e4m3(0x01), "E4M3's smallest subnormal");
        assertTrue(Float.isNaN(LowPrecision.e4m3(0x7F)));
        assertEquals(-1.0f, LowPrecision.e4m3((byte) 0xB8));
        assertEquals(1.0f, LowPrecision.e5m2(0x3C));
        assertEquals(57344f, LowPrecision.e5m2(0x7B), "E5M2's largest");
    }
}
