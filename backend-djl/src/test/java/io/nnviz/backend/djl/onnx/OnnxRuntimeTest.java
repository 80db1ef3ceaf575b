package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.nnviz.NNViz;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Activations of ONNX graph outputs through DJL's ONNX Runtime engine: a small dense network written
 * as an ONNX protobuf here, its outputs checked against the same arithmetic in Java.
 */
@Tag("natives")
class OnnxRuntimeTest {
    @TempDir
    Path dir;

    private static final int IN = 4, OUT = 3;

    private static OnnxMl.TensorProto floats(String name, float[] v, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static OnnxMl.ValueInfoProto value(String name, int cols) {
        OnnxMl.TensorShapeProto shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(cols)).build();
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                OnnxMl.TypeProto.Tensor.newBuilder().setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
    }

    private static OnnxMl.NodeProto node(String name, String op, String out, String... in) {
        return OnnxMl.NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(List.of(in)).addOutput(out).build();
    }

    @Test
    void graphOutputsComeFromOnnxRuntimeAndEqualTheArithmetic() throws Exception {
        Random rnd = new Random(4);
        float[] w = new float[IN * OUT], b = new float[OUT];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < OUT; i++) {
            b[i] = (float) rnd.nextGaussian();
        }
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("dense")
                .addInput(value("x", IN)).addInitializer(floats("W", w, IN, OUT)).addInitializer(floats("B", b, OUT))
                .addNode(node("matmul", "MatMul", "h", "x", "W")).addNode(node("add", "Add", "z", "h", "B"))
                .addNode(node("relu", "Relu", "y", "z"))
                .addOutput(value("y", OUT)).addOutput(value("z", OUT)).build();
        OnnxMl.ModelProto proto = OnnxMl.ModelProto.newBuilder().setIrVersion(7).setProducerName("nnviz test")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build();
        Path file = Files.write(dir.resolve("dense.onnx"), proto.toByteArray());

        float[] x = new float[2 * IN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] z = new float[2 * OUT], y = new float[2 * OUT];
        for (int n = 0; n < 2; n++) {
            for (int o = 0; o < OUT; o++) {
                double s = b[o];
                for (int i = 0; i < IN; i++) {
                    s += x[n * IN + i] * w[i * OUT + o];
                }
                z[n * OUT + o] = (float) s;
                y[n * OUT + o] = (float) Math.max(0, s);
            }
        }
        try (ModelView m = NNViz.load(file)) {
            Map<String, Tensor> acts = m.activations(Tensor.of(x, 2, IN), List.of("relu", "add"));
            assertEquals(io.nnviz.api.Shape.of(2, OUT), acts.get("relu").shape());
            assertArrayEquals(y, acts.get("relu").toArray(), 1e-5f, "Relu output");
            assertArrayEquals(z, acts.get("add").toArray(), 1e-5f, "Add output");
            float[] h = new float[2 * OUT]; // an inner node, not a graph output: exposed for ONNX Runtime to compute
            for (int n = 0; n < 2; n++) {
                for (int o = 0; o < OUT; o++) {
                    h[n * OUT + o] = z[n * OUT + o] - b[o];
                }
            }
            assertArrayEquals(h, m.activations(Tensor.of(x, 2, IN), List.of("matmul")).get("matmul").toArray(), 1e-5f, "MatMul output");
            assertArrayEquals(y, m.activations(Tensor.of(x, 2, IN), List.of("relu", "matmul")).get("relu").toArray(), 1e-5f,
                    "the graph's own output, unchanged beside the exposed one");
        }
    }

    @Test
    void aModelWithSeveralInputsSaysSo() throws Exception {
        Path bert = dir.resolve("all-minilm-l6-v2.onnx");
        try (java.io.InputStream in = OnnxRuntimeTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            Files.copy(in, bert);
        }
        try (ModelView m = NNViz.load(bert)) {
            String last = m.layers().get(m.layers().size() - 1).id();
            var e = assertThrows(io.nnviz.api.InvalidInputException.class,
                    () -> m.activations(Tensor.of(new float[8], 1, 8), List.of(last)));
            assertTrue(e.getMessage().contains("3 inputs") && e.getMessage().contains("give them by name"), e.getMessage());
            var missing = assertThrows(io.nnviz.api.InvalidInputException.class,
                    () -> m.activations(Map.of("input_ids", Tensor.of(new float[8], 1, 8), "attention_mask", Tensor.of(new float[8], 1, 8)),
                            List.of(last)));
            assertTrue(missing.getMessage().contains("token_type_ids"), missing.getMessage());
        }
    }
}
