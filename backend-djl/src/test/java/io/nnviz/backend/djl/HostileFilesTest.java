package io.nnviz.backend.djl;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.nnviz.NNViz;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.api.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TorchScript and ONNX files crafted to crash, exhaust or mislead the backend (issue #17): each is a
 * {@link ModelLoadException} naming the file and what is wrong, before libtorch or ONNX Runtime sees
 * it, and a well-formed ONNX model with external data opens with its weights.
 */
@Tag("natives")
class HostileFilesTest {
    @TempDir
    Path dir;

    /** small_cnn.pt with one entry's content replaced (stored, as PyTorch writes its archives). */
    private Path torchScriptWith(String entry, byte[] content, String name) throws Exception {
        Path p = dir.resolve(name), original = dir.resolve("original-" + name);
        try (InputStream res = getClass().getResourceAsStream("/torchscript/small_cnn.pt")) {
            Files.copy(res, original);
        }
        try (java.util.zip.ZipFile in = new java.util.zip.ZipFile(original.toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(p))) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                byte[] b = e.getName().equals(entry) ? content : in.getInputStream(e).readAllBytes();
                ZipEntry o = new ZipEntry(e.getName());
                o.setMethod(ZipEntry.STORED);
                o.setSize(b.length);
                CRC32 crc = new CRC32();
                crc.update(b);
                o.setCrc(crc.getValue());
                out.putNextEntry(o);
                out.write(b);
            }
        }
        return p;
    }

    private static void assertRefused(Path p, String reason) {
        io.nnviz.testkit.Reproducers.keep(p);
        NnvizException e = assertThrows(NnvizException.class, () -> NNViz.load(p));
        assertTrue(e.getMessage().contains(p.getFileName().toString()), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void twentyThousandNestedParenthesesInTheCodeAreRefused() throws Exception {
        String code = "def forward(self, x):\n    return " + "(".repeat(20_000) + "x" + ")".repeat(20_000) + "\n";
        assertRefused(torchScriptWith("small_cnn/code/__torch__.py", code.getBytes(StandardCharsets.UTF_8), "parens.pt"), "nests deeper");
    }

    @Test
    void aHundredThousandNestedMarksInThePickleAreRefused() throws Exception {
        byte[] pkl = new byte[3 + 100_000 * 2 + 1];
        pkl[0] = (byte) 0x80;
        pkl[1] = 2;
        int i = 2;
        for (int k = 0; k < 100_000; k++) {
            pkl[i++] = '(';
        }
        pkl[i++] = ')';
        for (int k = 0; k < 100_000; k++) {
            pkl[i++] = 't';
        }
        pkl[i] = '.';
        assertRefused(torchScriptWith("small_cnn/data.pkl", pkl, "marks.pt"), "nests deeper");
        // and as a chain of one-item tuples, without marks
        byte[] chain = new byte[3 + 1 + 100_000 + 1];
        chain[0] = (byte) 0x80;
        chain[1] = 2;
        chain[2] = 'N';
        java.util.Arrays.fill(chain, 3, 3 + 100_000, (byte) 0x85);
        chain[chain.length - 1] = '.';
        assertRefused(torchScriptWith("small_cnn/data.pkl", java.util.Arrays.copyOf(chain, chain.length - 1), "tuples.pt"), "nests deeper");
    }

    @Test
    void theRealFilesPassTheNestingChecks() throws Exception {
        Path p = torchScriptWith("none", null, "copy.pt");
        try (ModelView m = NNViz.load(p)) {
            assertEquals(4, m.layers().size(), "input, conv, fc, output");
        }
    }

    // ---- ONNX ---------------------------------------------------------------------------------------

    private static OnnxMl.TensorProto.Builder weights(String name, int n, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(0.1f * i - 0.3f);
        }
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(1).setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t;
    }

    /** y = x W, x [N, 4], W [4, 3]. */
    private Path dense(String file, OnnxMl.TensorProto w) throws Exception {
        OnnxMl.TensorShapeProto shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(4)).build();
        OnnxMl.ValueInfoProto x = OnnxMl.ValueInfoProto.newBuilder().setName("x").setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("dense").addInput(x).addInitializer(w)
                .addNode(OnnxMl.NodeProto.newBuilder().setName("matmul").setOpType("MatMul").addInput("x").addInput("W").addOutput("y"))
                .addOutput(OnnxMl.ValueInfoProto.newBuilder().setName("y")).build();
        OnnxMl.ModelProto m = OnnxMl.ModelProto.newBuilder().setIrVersion(7)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build();
        return Files.write(dir.resolve(file), m.toByteArray());
    }

    @Test
    void tensorsWithShortLongOrMissingDataOrOverflowingDimsAreRefusedNamingTheTensor() throws Exception {
        assertRefused(dense("short.onnx", weights("W", 11, 4, 3).build()), "holds 44 bytes of data for dimensions [4, 3], which need 48");
        assertRefused(dense("long.onnx", weights("W", 13, 4, 3).build()), "holds 52 bytes");
        assertRefused(dense("missing.onnx", weights("W", 12, 4, 3).clearRawData().build()), "its data is missing");
        assertRefused(dense("huge.onnx", weights("W", 12, 4, 2147483647L, 3, 3).build()), "memory budget");
        assertRefused(dense("overflow.onnx", weights("W", 12, 4, 1L << 40, 1L << 40).build()), "overflows");
        assertRefused(dense("negative.onnx", weights("W", 12, 4, -3).build()), "negative dimension");
        ModelTooLargeException big = assertThrows(ModelTooLargeException.class, () -> NNViz.load(
                dense("budget.onnx", weights("W", 1 << 19, 1 << 19).build()), LoadOptions.defaults().memoryBudget(4 << 20)));
        assertTrue(big.getMessage().contains("budget.onnx"), big.getMessage());
    }

    @Test
    void externalDataIsReadFromBesideTheModelAndNeverFromOutsideItsFolder() throws Exception {
        OnnxMl.TensorProto inline = weights("W", 12, 4, 3).build();
        byte[] data = inline.getRawData().toByteArray();
        byte[] file = new byte[100 + data.length + 50]; // the tensor inside a shared data file, at an offset
        System.arraycopy(data, 0, file, 100, data.length);
        Files.write(dir.resolve("weights.bin"), file);
        OnnxMl.TensorProto external = inline.toBuilder().clearRawData().setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(kv("location", "weights.bin")).addExternalData(kv("offset", "100"))
                .addExternalData(kv("length", String.valueOf(data.length))).build();
        float[] x = {1, 2, 3, 4};
        try (ModelView a = NNViz.load(dense("inline.onnx", inline)); ModelView b = NNViz.load(dense("external.onnx", external))) {
            assertEquals(a.weights("matmul"), b.weights("matmul"), "the same weights, read from weights.bin");
            assertEquals(12, b.parameterCount());
            Tensor in = Tensor.of(x, 1, 4);
            assertArrayEquals(a.activations(in, List.of("matmul")).get("matmul").toArray(), b.activations(in, List.of("matmul")).get("matmul")
                    .toArray(), "ONNX Runtime computes the same from the external file");
        }
        Files.writeString(dir.getParent().resolve("secret.bin"), "x".repeat(48));
        assertRefused(dense("escape.onnx", external.toBuilder().setExternalData(0, kv("location", "../secret.bin"))
                .removeExternalData(1).build()), "outside the model's folder");
        assertRefused(dense("absolute.onnx", external.toBuilder().setExternalData(0, kv("location", dir.resolve("weights.bin").toString()))
                .build()), "outside the model's folder");
        assertRefused(dense("past.onnx", external.toBuilder().setExternalData(1, kv("offset", "160")).build()), "weights.bin");
        assertRefused(dense("nofile.onnx", external.toBuilder().setExternalData(0, kv("location", "gone.bin")).build()), "gone.bin");
        // a link beside the model that leads out of its folder (issue 27): refused before it is read, its target's size untold
        Files.writeString(dir.getParent().resolve("far.bin"), "y".repeat(7919));
        Files.createSymbolicLink(dir.resolve("linked.bin"), dir.getParent().resolve("far.bin"));
        for (OnnxMl.TensorProto t : List.of(external.toBuilder().setExternalData(0, kv("location", "linked.bin")).build(),
                external.toBuilder().setExternalData(0, kv("location", "linked.bin")).removeExternalData(2).removeExternalData(1).build())) {
            NnvizException e = assertThrows(NnvizException.class, () -> NNViz.load(dense("link.onnx", t)));
            String told = e.getMessage().replace(dir.toString(), "");
            assertTrue(told.contains("outside the model's folder") && !told.contains("7919") && !told.contains("far.bin"), e.getMessage());
        }
    }

    private static OnnxMl.StringStringEntryProto kv(String k, String v) {
        return OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }
}
