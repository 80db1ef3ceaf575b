package io.nnviz.backend.tensorflow.tflite;

import io.nnviz.NNViz;
import io.nnviz.api.Capability;
import io.nnviz.api.Edge;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.FileGate;
import io.nnviz.api.spi.ModelFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 29: a TFLite file's weights in every form the format stores them (int8 per channel, uint8
 * with a zero point, float16 through a DEQUANTIZE, float32), each shown as float32 in nnviz's
 * layouts (OHWI and depthwise kernels to OIHW), the operators as layers with their edges, a custom op
 * by its name, and the parameters counted by dtype.
 */
class TfliteTest {
    @TempDir
    Path dir;

    /** input [1,4,4,2] -> CONV_2D (int8 kernel per channel, float32 bias) -> DEPTHWISE_CONV_2D (float16 kernel dequantized) -> ADD (uint8) -> MyOp */
    private Path model() throws Exception {
        TfliteWriter w = new TfliteWriter();
        int x = w.tensor("input", TfliteWriter.FLOAT32, 1, 4, 4, 2);
        // OHWI [2, 1, 2, 2]: q[o][0][w][i] = o*4 + w*2 + i + 1, scales 0.5 and 0.25 along O
        int k = w.quantized("net/conv/kernel", TfliteWriter.INT8, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, new float[] {0.5f, 0.25f},
                new long[] {0, 0}, 0, 2, 1, 2, 2);
        int b = w.floats("net/conv/bias", new float[] {0.5f, -1f}, 2);
        int y = w.tensor("net/conv/Conv2D", TfliteWriter.FLOAT32, 1, 4, 3, 2);
        int kh = w.constant("net/dw/kernel_fp16", TfliteWriter.FLOAT16, TfliteWriter.halves(1f, 2f, 3f, 4f), 1, 1, 2, 2);
        int kd = w.tensor("net/dw/kernel_dequantized", TfliteWriter.FLOAT32, 1, 1, 2, 2);
        int z = w.tensor("net/dw/depthwise", TfliteWriter.FLOAT32, 1, 4, 2, 2);
        int c = w.quantized("net/add/c", TfliteWriter.UINT8, new byte[] {(byte) 130, 120}, new float[] {0.1f}, new long[] {128}, 0, 2);
        int a = w.tensor("net/add/Add", TfliteWriter.FLOAT32, 1, 4, 2, 2);
        int out = w.tensor("out", TfliteWriter.FLOAT32, 1, 4, 2, 2);
        w.op(TfliteWriter.CONV_2D, new int[] {x, k, b}, y).op(TfliteWriter.DEQUANTIZE, new int[] {kh}, kd)
                .op(TfliteWriter.DEPTHWISE_CONV_2D, new int[] {y, kd, -1}, z).op(TfliteWriter.ADD, new int[] {z, c}, a)
                .custom("MyOp", new int[] {a}, out).io(new int[] {x}, new int[] {out});
        return Files.write(dir.resolve("m.tflite"), w.build());
    }

    @Test
    void weightsAreDequantizedIntoCanonicalLayouts() throws Exception {
        Path p = model();
        assertEquals(ModelFormat.TFLITE, FileGate.recognize(p).format());
        try (ModelView m = NNViz.load(p)) {
            assertEquals("TensorFlow Lite", m.framework());
            assertEquals(List.of("input", "CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "MyOp"), m.layers().stream().map(LayerInfo::frameworkType).toList());
            assertEquals(List.of(new Edge("input", "net/conv/Conv2D"), new Edge("net/conv/Conv2D", "net/dw/depthwise"),
                    new Edge("net/dw/depthwise", "net/add/Add"), new Edge("net/add/Add", "out")), m.edges());
            LayerInfo conv = m.layer("net/conv/Conv2D").orElseThrow();
            assertEquals(LayerKind.CONV, conv.kind());
            assertEquals(Shape.of(1, 2, 4, 3), conv.outputShape(), "NHWC shown NCHW");
            List<WeightTensor> cw = m.weights(conv.id());
            assertEquals(WeightRole.KERNEL, cw.get(0).role());
            assertEquals(Shape.of(2, 2, 1, 2), cw.get(0).values().shape(), "OHWI [2,1,2,2] as OIHW");
            // OIHW[o][i][0][w] = scale[o] * q[o][0][w][i]
            assertArrayEquals(new float[] {0.5f * 1, 0.5f * 3, 0.5f * 2, 0.5f * 4, 0.25f * 5, 0.25f * 7, 0.25f * 6, 0.25f * 8},
                    cw.get(0).values().toArray(), 1e-6f);
            assertArrayEquals(new float[] {0.5f, -1f}, cw.get(1).values().toArray());
            assertTrue(conv.attributes().get("weights").startsWith("int8 (2 scales and zero points along dimension 0)"), conv.attributes().toString());
            LayerInfo dw = m.layer("net/dw/depthwise").orElseThrow();
            Tensor dk = m.weights(dw.id()).get(0).values();
            assertEquals(Shape.of(2, 1, 1, 2), dk.shape(), "[1,H,W,C*M] as [C*M,1,H,W]");
            assertArrayEquals(new float[] {1, 3, 2, 4}, dk.toArray(), "float16 widened, its DEQUANTIZE folded into the layer");
            assertEquals("float16", dw.attributes().get("weights"));
            LayerInfo add = m.layer("net/add/Add").orElseThrow();
            assertArrayEquals(new float[] {0.2f, -0.8f}, m.weights(add.id()).get(0).values().toArray(), 1e-6f);
            assertTrue(add.attributes().get("weights").startsWith("uint8 (scale 0.100000, zero point 128)"), add.attributes().toString());
            assertEquals("MyOp", m.layer("out").orElseThrow().attributes().get("custom op"));
            assertEquals(16, m.parameterCount());
            Map<String, Long> byType = new TreeMap<>();
            m.parameterCountByDtype().forEach((t, n) -> byType.put(t.name(), n));
            assertEquals(Map.of("float16", 4L, "float32", 2L, "int8", 8L, "uint8", 2L), byType);
            assertEquals(10, m.parameterCountByDtype().entrySet().stream().filter(e -> !e.getKey().floating()).mapToLong(Map.Entry::getValue).sum());
            assertTrue(m.properties().get("operators").startsWith("5 (1 DEQUANTIZE"), m.properties().toString());
            assertEquals("MyOp", m.properties().get("custom ops"));
            assertEquals(List.of("net/"), m.groups().stream().map(g -> g.id()).filter(id -> id.equals("net/")).toList(), "name scopes as groups");
            assertEquals(java.util.Set.of(Capability.WEIGHTS), m.capabilities());
            UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                    () -> m.activations(Tensor.zeros(1, 2, 4, 4), List.of(conv.id())));
            assertTrue(e.getMessage().contains("a TFLite file carries no runtime here"), e.getMessage());
        }
    }

    @Test
    void builtinNamesFollowTheSchema() {
        assertEquals("ADD", TfliteSchema.builtinName(0));
        assertEquals("BATCH_MATMUL", TfliteSchema.builtinName(126));
        assertEquals("GELU", TfliteSchema.builtinName(150));
        assertEquals("RIGHT_SHIFT", TfliteSchema.builtinName(161));
        assertEquals("STABLEHLO_LOGISTIC", TfliteSchema.builtinName(162));
        assertEquals("REDUCE_WINDOW", TfliteSchema.builtinName(205));
        assertEquals("BUILTIN_300", TfliteSchema.builtinName(300));
    }
}
