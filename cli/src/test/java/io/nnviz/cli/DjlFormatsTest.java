package io.nnviz.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ONNX (the real pretrained all-MiniLM-L6-v2) and TorchScript (the DJL backend's PyTorch-made fixture) through the CLI. */
@Tag("natives")
class DjlFormatsTest {
    @TempDir
    Path dir;

    /**
     * A convolution whose kernel has a zero dimension (issue 27: "internal error: no tiles" after the
     * table): the table and the architecture are drawn, the filters are a notice saying why.
     */
    @Test
    void aKernelWithAZeroDimensionIsSaidNotAnInternalError() throws Exception {
        Path onnx = dir.resolve("zero.onnx");
        String script = String.join("\n",
                "import onnx, numpy as np, sys",
                "from onnx import helper, numpy_helper, TensorProto",
                "w = numpy_helper.from_array(np.zeros((0, 1, 3, 3), np.float32), 'W')",
                "b = numpy_helper.from_array(np.ones((4, 1, 3, 3), np.float32), 'W2')",
                "n1 = helper.make_node('Conv', ['x', 'W2'], ['h'], name='conv_ok')",
                "n2 = helper.make_node('Conv', ['h', 'W'], ['y'], name='conv_empty')",
                "g = helper.make_graph([n1, n2], 'g', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 1, 8, 8])],",
                "    [helper.make_tensor_value_info('y', TensorProto.FLOAT, None)], [w, b])",
                "onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]), sys.argv[1])");
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, onnx.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0, log);
        Path out = dir.resolve("zero-out");
        CliRun r = CliRun.of("inspect", onnx, "--out", out, "--quiet");
        assertTrue(!r.err.contains("internal error"), r.err);
        r.expect(0);
        assertTrue(r.out.contains("conv_empty"), r.out);
        String filters = String.join("\n", CliRun.files(out).stream().filter(f -> f.startsWith("filters-") && f.endsWith(".svg")).toList());
        assertTrue(filters.contains("filters-conv-empty.svg") && filters.contains("filters-conv-ok.svg"), filters);
        String svg = Files.readString(out.resolve(CliRun.files(out).stream().filter(f -> f.startsWith("filters-") && f.contains("empty")
                && f.endsWith(".svg")).findFirst().orElseThrow()));
        assertTrue(svg.contains("zero dimension"), svg);
    }

    @Test
    void aPretrainedOnnxBertOpens() throws Exception {
        Path onnx = CliRun.resource("all-minilm-l6-v2.onnx", dir);
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("inspect", onnx, "--out", out, "--quiet").expect(0);
        List<String> rows = r.out.lines().toList();
        assertTrue(rows.get(0).contains("ONNX"), r.out);
        String total = rows.get(rows.size() - 1);
        long layers = Long.parseLong(total.replaceAll("Total: ([\\d,]+) layers.*", "$1").replace(",", ""));
        long params = Long.parseLong(total.replaceAll(".*layers, ([\\d,]+) parameters", "$1").replace(",", ""));
        // 491 nodes besides the Constant ones, which are weights (as the onnx package counts them: OnnxCorpusTest), and 3 inputs
        assertEquals(494, layers, "the graph's nodes and its inputs: " + total);
        // all-MiniLM-L6-v2: 22.7 M parameters (the ONNX file's float initializers)
        assertTrue(params > 22_000_000 && params < 23_500_000, total);
        assertTrue(r.out.contains("MatMul") || r.out.contains("matmul") || r.out.contains(" dense "), "op kinds in the table");
        assertTrue(CliRun.files(out).containsAll(List.of("architecture.svg", "architecture.png", "index.html")));
        CliRun.svgs(out);

        // ONNX Runtime gives graph outputs only, for one input: BERT takes three, and the CLI says so in one line
        Path npy = dir.resolve("ids.npy");
        Files.write(npy, npy(new float[] {101, 2023, 102}, 1, 3));
        String last = rows.get(rows.size() - 2).split("\\s+")[0];
        CliRun a = CliRun.of("activations", onnx, "--input", npy, "--layers", java.util.regex.Pattern.quote(last), "--out",
                dir.resolve("never"), "--quiet").refused(3, "all-minilm-l6-v2.onnx");
        assertTrue(a.err.contains("3 inputs"), a.err);

        byte[] whole = Files.readAllBytes(onnx);
        Path cut = Files.write(dir.resolve("cut.onnx"), Arrays.copyOf(whole, whole.length / 3));
        CliRun.of("inspect", cut, "--out", dir.resolve("never")).refused(3, "cut.onnx");
        byte[] noise = new byte[4096];
        new Random(9).nextBytes(noise);
        noise[0] = 0x08; // an ONNX file's first tag: the parser must still refuse the rest
        Path random = Files.write(dir.resolve("random.onnx"), noise);
        CliRun.of("inspect", random, "--out", dir.resolve("never")).refused(3, "random.onnx");
        assertEquals(List.of(), CliRun.files(dir.resolve("never")));
    }

    /** A little-endian float32 C-order .npy file. */
    static byte[] npy(float[] v, int... shape) {
        StringBuilder dims = new StringBuilder();
        for (int d : shape) {
            dims.append(d).append(", ");
        }
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims.toString().replaceAll(", $", shape.length == 1 ? "," : "")
                + "), }";
        int pad = 16 - (10 + header.length() + 1) % 16;
        header = header + " ".repeat(pad % 16) + "\n";
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(10 + header.length() + 4 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes()).put((byte) 1).put((byte) 0).putShort((short) header.length()).put(header.getBytes());
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    @Test
    void aTorchScriptFileOpensWithItsWeights() throws Exception {
        Path pt = CliRun.fixture("backend-djl/src/test/resources/torchscript/small_cnn.pt", dir);
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("inspect", pt, "--out", out, "--quiet").expect(0);
        assertTrue(r.out.contains("TorchScript"), r.out);
        // conv 4x1x3x3 + 4, fc 3x(4*26*26) + 3, as PyTorch made it (backend-djl/src/test/fixtures/make_torchscript.py)
        assertTrue(r.out.contains(String.format("%,d parameters", 4 * 9 + 4 + 3 * 4 * 26 * 26 + 3)), r.out);
        CliRun.svgs(out);
        assertTrue(CliRun.files(out).contains("filters-conv.svg"), "a filter grid for the module tree's convolution: " + CliRun.files(out));
        assertTrue(r.out.lines().anyMatch(l -> l.startsWith("output ") && l.contains("?")), "no output shape without the input's: " + r.out);
        // with the input shape, PyTorch runs the module once and the output's shape is known
        CliRun s = CliRun.of("inspect", pt, "--out", dir.resolve("out2"), "--input-shape", "1,1,28,28", "--quiet").expect(0);
        assertTrue(s.out.lines().anyMatch(l -> l.startsWith("output ") && l.contains("[?, 3]")), s.out);
        assertTrue(s.out.lines().anyMatch(l -> l.startsWith("input ") && l.contains("[?, 1, 28, 28]")), s.out);
        CliRun.of("inspect", pt, "--out", dir.resolve("never"), "--input-shape", "1,x,28", "--quiet").refused(2, "--input-shape");
        CliRun.of("inspect", pt, "--out", dir.resolve("never"), "--input-shape", "1,2,28,28", "--quiet").refused(3, "small_cnn.pt");
        byte[] whole = Files.readAllBytes(pt);
        Path cut = Files.write(dir.resolve("cut.pt"), Arrays.copyOf(whole, whole.length / 2));
        CliRun.of("inspect", cut, "--out", dir.resolve("never")).refused(3, "cut.pt");
    }
}
