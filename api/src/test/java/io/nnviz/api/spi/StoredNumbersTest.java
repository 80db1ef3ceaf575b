package io.nnviz.api.spi;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every stored number type decoded in bulk equals the same bytes read one value at a time with
 * the JDK's own readers (and {@link LowPrecision} for the narrow floats), in both byte orders,
 * from an offset into the buffer and into an offset of the destination, whatever the buffer's
 * position; and the extremes of the unsigned types come out unsigned.
 */
class StoredNumbersTest {
    @Test
    void bulkDecodingEqualsReadingValueByValue() {
        Random r = new Random(7);
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            for (StoredNumbers type : StoredNumbers.values()) {
                int n = 37, at = 5;
                byte[] bytes = new byte[at + n * type.bytes() + 3];
                r.nextBytes(bytes);
                ByteBuffer b = ByteBuffer.wrap(bytes).order(order);
                b.position(2); // decoding reads from byte `at` of the buffer, not from its position
                float[] bulk = new float[n + 4];
                type.decode(b, at, bulk, 4, n);
                assertEquals(2, b.position(), "the position is left as it was");
                for (int i = 0; i < n; i++) {
                    int p = at + i * type.bytes();
                    float expected = switch (type) {
                        case F64 -> (float) b.getDouble(p);
                        case F32 -> b.getFloat(p);
                        case F16 -> LowPrecision.half(b.getShort(p));
                        case BF16 -> LowPrecision.bfloat16(b.getShort(p));
                        case I64 -> (float) b.getLong(p);
                        case U64 -> new java.math.BigInteger(Long.toUnsignedString(b.getLong(p))).floatValue();
                        case I32 -> (float) b.getInt(p);
                        case U32 -> (float) Integer.toUnsignedLong(b.getInt(p));
                        case I16 -> b.getShort(p);
                        case U16 -> Short.toUnsignedInt(b.getShort(p));
                        case I8 -> b.get(p);
                        case U8 -> Byte.toUnsignedInt(b.get(p));
                        case F8_E5M2 -> LowPrecision.e5m2(b.get(p));
                        case F8_E4M3 -> LowPrecision.e4m3(b.get(p));
                    };
                    String what = type + " " + order + " value " + i;
                    assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(bulk[4 + i]), what + ": " + expected + " " + bulk[4 + i]);
                    assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(type.get(b, p)), what + " one at a time");
                }
            }
        }
    }

    @Test
    void unsignedExtremesStayUnsigned() {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
        float[] v = new float[1];
        StoredNumbers.U64.decode(b, 0, v, 0, 1);
        assertEquals(0x1p64f, v[0]);
        StoredNumbers.U32.decode(b, 0, v, 0, 1);
        assertEquals(4294967295f, v[0]);
        StoredNumbers.U16.decode(b, 0, v, 0, 1);
        assertEquals(65535f, v[0]);
        StoredNumbers.U8.decode(b, 0, v, 0, 1);
        assertEquals(255f, v[0]);
        StoredNumbers.I8.decode(b, 0, v, 0, 1);
        assertEquals(-1f, v[0]);
    }
}
