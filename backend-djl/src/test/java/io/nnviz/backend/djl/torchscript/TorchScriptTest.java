package io.nnviz.backend.djl.torchscript;

import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightSpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TorchScript file made with PyTorch (backend-djl/src/test/fixtures/make_torchscript.py, Debian's
 * python3-torch): parameters read, the output equal to PyTorch's own, and bad files rejected.
 */
@Tag("natives")
class TorchScriptTest {
    @TempDir
    Path dir;

    private Path fixture(String name) throws Exception {
        Path p = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/torchscript/" + name)) {
            Files.copy(in, p);
        }
        return p;
    }

    @Test
    void aTorchScriptFileOpensWithItsParametersAndPyTorchsOutput() throws Exception {
        Path pt = fixture("small_cnn.pt");
        String[] expected = Files.readString(fixture("expected.txt")).trim().split(" ");
        try (ModelView m = NNViz.load(pt)) {
            assertEquals(4 * 9 + 4 + 3 * 4 * 26 * 26 + 3, m.parameterCount(), "conv and fc weights and biases");
            assertEquals(List.of("input", "conv", "fc", "output"), m.layers().stream().map(LayerInfo::id).toList());
            assertEquals(LayerKind.CONV, m.layer("conv").orElseThrow().kind());
            assertEquals(Shape.of(-1, 1, -1, -1), m.layers().get(0).outputShape(), "input channels from the first convolution");
            assertEquals(Shape.of(-1, 4, -1, -1), m.layer("conv").orElseThrow().outputShape());
            assertEquals(Shape.of(-1, 3), m.layer("fc").orElseThrow().outputShape());
            assertEquals(List.of("weight", "bias"), m.layer("fc").orElseThrow().weights().stream().map(WeightSpec::name).toList());
            String block = "output";
            float[] ramp = new float[784];
            for (int i = 0; i < ramp.length; i++) {
                ramp[i] = i / 784f;
            }
            Tensor out = m.activations(Tensor.of(ramp, 1, 1, 28, 28), List.of(block)).get(block);
            for (int k = 0; k < 3; k++) {
                assertEquals(Double.parseDouble(expected[k]), out.get(0, k), 1e-5, "output " + k);
            }
        }
    }

    @Test
    void badFilesAreClearErrors() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.pt"), "not a model");
        NnvizException e = assertThrows(NnvizException.class, () -> NNViz.load(text));
        assertTrue(e.getMessage().contains("notes.pt"), e.getMessage());
        byte[] real = Files.readAllBytes(fixture("small_cnn.pt"));
        Path cut = dir.resolve("cut.pt");
        Files.write(cut, java.util.Arrays.copyOf(real, real.length / 3));
        NnvizException e2 = assertThrows(NnvizException.class, () -> NNViz.load(cut));
        assertTrue(e2.getMessage().contains("cut.pt"), e2.getMessage());
    }
}
