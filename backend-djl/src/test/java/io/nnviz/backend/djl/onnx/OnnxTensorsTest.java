package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Ranged dequantization with a scale and zero point per output channel (axis 0 of an OIHW
 * kernel), which no corpus file has (ONNX Runtime's quantizer writes per-tensor kernels and
 * per-column matrices): every range, aligned to a channel or not, equals {@code (q - zp) * scale}
 * with its own channel's scale and zero point, from raw bytes and from int32_data alike.
 */
class OnnxTensorsTest {
    @Test
    void everyRangeOfAPerChannelKernelUsesItsOwnChannelsScaleAndZeroPoint() {
        int o = 5, inner = 3 * 2 * 2, n = o * inner;
        Random r = new Random(7);
        byte[] q = new byte[n];
        r.nextBytes(q);
        float[] scale = {0.5f, 0.25f, 2f, 0.125f, 1f};
        long[] zero = {128, 0, 3, 255, 77};
        float[] want = new float[n];
        for (int i = 0; i < n; i++) {
            want[i] = ((q[i] & 0xFF) - zero[i / inner]) * scale[i / inner];
        }
        OnnxMl.TensorProto.Builder raw = OnnxMl.TensorProto.newBuilder().setName("w").setDataType(OnnxTensors.UINT8)
                .addAllDims(java.util.List.of((long) o, 3L, 2L, 2L)).setRawData(ByteString.copyFrom(q));
        OnnxMl.TensorProto.Builder typed = raw.clone().clearRawData();
        for (byte b : q) {
            typed.addInt32Data(b & 0xFF);
        }
        OnnxMl.TensorProto s = OnnxGraphs.floatTensor("s", scale, o);
        OnnxMl.TensorProto.Builder zp = OnnxMl.TensorProto.newBuilder().setName("zp").setDataType(OnnxTensors.UINT8).addDims(o);
        byte[] zb = new byte[o];
        for (int c = 0; c < o; c++) {
            zb[c] = (byte) zero[c];
        }
        zp.setRawData(ByteString.copyFrom(zb));
        for (OnnxMl.TensorProto values : new OnnxMl.TensorProto[] {raw.build(), typed.build()}) {
            OnnxWeight w = new OnnxWeight(values, s, zp.build(), 0);
            assertEquals(n, w.count());
            for (int from = 0; from < n; from++) {
                for (int len : new int[] {1, inner - 1, inner + 1, n - from}) {
                    int length = Math.min(len, n - from);
                    float[] got = new float[length + 2];
                    w.read(from, got, 1, length);
                    float[] expected = new float[length + 2];
                    System.arraycopy(want, from, expected, 1, length);
                    assertArrayEquals(expected, got, 0f, "values " + from + "+" + length + (values.getRawData().isEmpty() ? " (int32_data)" : ""));
                }
            }
        }
    }
}
