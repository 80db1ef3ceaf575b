package io.nnviz.backend.tensorflow;

import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.api.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SavedModels exported from Java and read back; frozen graphs; bad files. */
@Tag("natives")
class FilesTest {
    @TempDir
    Path dir;

    @Test
    void aSavedModelExportedFromJavaLoadsWithTheSameLayersAndWeights() throws Exception {
        Path saved = dir.resolve("cnn");
        List<String> ids;
        Tensor kernel, acts;
        Tensor input = Tensor.of(TfNets.data().batch(0, 1), 1, 1, 28, 28);
        try (TfNets net = TfNets.cnn()) {
            net.fit(0);
            try (ModelView live = NNViz.inspect(net.handle())) {
                ids = live.layers().stream().map(LayerInfo::id).toList();
                kernel = live.weights("conv2").get(0).values();
                acts = live.activations(input, List.of("fc1")).get("fc1");
            }
            TfFixtures.export(net, saved);
        }
        try (ModelView m = NNViz.load(saved)) {
            assertEquals(ids, m.layers().stream().map(LayerInfo::id).toList());
            assertEquals(kernel, m.weights("conv2").get(0).values());
            assertEquals(acts, m.activations(input, List.of("fc1")).get("fc1"));
            assertTrue(m.name().contains("serving_default"), m.name());
        }
    }

    /**
     * Keras models exported for inference keep batch norm as FusedBatchNormV3 (is_training false):
     * it is a norm layer with its four vectors as weights, and saliency differentiates through it
     * (checked against finite differences of TensorFlow's own output).
     */
    @Test
    void aFusedBatchNormIsANormLayerAndSaliencyGoesThroughIt() throws Exception {
        Path pb = dir.resolve("bn.pb");
        Random rnd = new Random(4);
        float[] kernel = new float[3 * 3 * 1 * 4], scale = new float[4], offset = new float[4], mean = new float[4], var = new float[4];
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] = (float) rnd.nextGaussian() * 0.4f;
        }
        for (int c = 0; c < 4; c++) {
            scale[c] = 0.5f + rnd.nextFloat();
            offset[c] = (float) rnd.nextGaussian() * 0.1f;
            mean[c] = (float) rnd.nextGaussian() * 0.2f;
            var[c] = 0.5f + rnd.nextFloat();
        }
        float[] dense = new float[4 * 6 * 6 * 3];
        for (int i = 0; i < dense.length; i++) {
            dense[i] = (float) rnd.nextGaussian() * 0.1f;
        }
        try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
            org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(g);
            var x = tf.withName("x").placeholder(org.tensorflow.types.TFloat32.class,
                    org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 8, 8, 1)));
            var k = tf.withSubScope("conv").withName("kernel").constant(org.tensorflow.ndarray.Shape.of(3, 3, 1, 4),
                    org.tensorflow.ndarray.buffer.DataBuffers.of(kernel, true, false));
            var conv = tf.withSubScope("conv").withName("Conv2D").nn.conv2d(x, k, List.of(1L, 1L, 1L, 1L), "VALID");
            var bn = tf.withSubScope("bn").withName("FusedBatchNormV3").nn.fusedBatchNorm(conv, tf.constant(scale), tf.constant(offset), tf.constant(mean),
                    tf.constant(var), org.tensorflow.op.nn.FusedBatchNorm.isTraining(false), org.tensorflow.op.nn.FusedBatchNorm.epsilon(1e-3f));
            var relu = tf.withSubScope("bn").withName("Relu").nn.relu(bn.y());
            var flat = tf.withSubScope("flatten").withName("Reshape").reshape(relu, tf.constant(new long[] {-1, 4 * 6 * 6}));
            var w = tf.withSubScope("dense").withName("kernel").constant(org.tensorflow.ndarray.Shape.of(4 * 6 * 6, 3),
                    org.tensorflow.ndarray.buffer.DataBuffers.of(dense, true, false));
            tf.withSubScope("dense").withName("MatMul").linalg.matMul(flat, w);
            Files.write(pb, g.toGraphDef().toByteArray());
        }
        try (ModelView m = NNViz.load(pb)) {
            LayerInfo bnLayer = m.layer("bn").orElseThrow(() -> new AssertionError(m.layers().toString()));
            assertEquals(io.nnviz.api.LayerKind.NORM, bnLayer.kind(), bnLayer.toString());
            assertEquals(4, m.weights("bn").size(), "scale, offset, mean and variance: " + m.weights("bn"));
            float[] img = new float[64];
            for (int i = 0; i < img.length; i++) {
                img[i] = rnd.nextFloat();
            }
            Tensor in = Tensor.of(img, 1, 1, 8, 8);
            String out = m.layers().get(m.layers().size() - 1).id();
            Tensor grad = m.inputGradient(in, 2);
            io.nnviz.testkit.FiniteDifferences.assertMatches(in, grad,
                    v -> m.activations(Tensor.of(in.shape(), v), List.of(out)).get(out).getFlat(2), 1e-3, 1e-2, 6);
        }
    }

    @Test
    void aFrozenGraphDefLoadsWithConstantsAsWeights() throws Exception {
        Path pb = dir.resolve("frozen.pb");
        float[] w = {1, 2, 3, 4, 5, 6}; // [in = 3, out = 2]
        try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
            org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(g);
            var x = tf.withName("x").placeholder(org.tensorflow.types.TFloat32.class,
                    org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 3)));
            var k = tf.withName("dense_kernel").constant(org.tensorflow.ndarray.Shape.of(3, 2),
                    org.tensorflow.ndarray.buffer.DataBuffers.of(w, true, false));
            var b = tf.withName("dense_bias").constant(new float[] {0.5f, -0.5f});
            var d = tf.withSubScope("dense");
            d.withName("out").math.add(d.linalg.matMul(x, k), b);
            Files.write(pb, g.toGraphDef().toByteArray());
        }
        try (ModelView m = NNViz.load(pb)) {
            assertEquals(List.of("x", "dense"), m.layers().stream().map(LayerInfo::id).toList());
            Tensor kernel = m.weights("dense").get(0).values();
            assertEquals(io.nnviz.api.Shape.of(2, 3), kernel.shape(), "[out, in]");
            assertEquals(4f, kernel.get(1, 1)); // TensorFlow's [in = 1, out = 1] is w[3]
            assertEquals(6f, kernel.get(1, 2));
            Tensor y = m.activations(Tensor.of(new float[] {1, 0, 2}, 1, 3), List.of("dense")).get("dense");
            assertEquals(1 * 1 + 2 * 5 + 0.5f, y.get(0, 0), 1e-6);
            assertEquals(1 * 2 + 2 * 6 - 0.5f, y.get(0, 1), 1e-6);
        }
    }

    @Test
    void badDirectoriesAndFilesGiveClearErrors() throws Exception {
        Path emptyDir = Files.createDirectory(dir.resolve("not_a_model"));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> new TfBackendProvider().load(emptyDir));
        assertTrue(e.getMessage().contains("not_a_model") && e.getMessage().contains("saved_model.pb"), e.getMessage());

        Path corrupt = Files.createDirectory(dir.resolve("corrupt"));
        byte[] noise = new byte[2048];
        new Random(9).nextBytes(noise);
        Files.write(corrupt.resolve("saved_model.pb"), noise);
        NnvizException e2 = assertThrows(NnvizException.class, () -> NNViz.load(corrupt));
        assertTrue(e2.getMessage().contains("corrupt"), e2.getMessage());

        Path pb = dir.resolve("random.pb");
        Files.write(pb, noise);
        NnvizException e3 = assertThrows(NnvizException.class, () -> NNViz.load(pb));
        assertTrue(e3.getMessage().contains("random.pb"), e3.getMessage());

        Path empty = Files.createFile(dir.resolve("empty.pb"));
        NnvizException e4 = assertThrows(NnvizException.class, () -> NNViz.load(empty));
        assertTrue(e4.getMessage().contains("empty.pb"), e4.getMessage());

        // a real SavedModel with its variables cut away
        Path saved = dir.resolve("cut");
        try (TfNets net = TfNets.mlp()) {
            TfFixtures.export(net, saved);
        }
        try (var files = Files.walk(saved.resolve("variables"))) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                Files.write(p, new byte[] {1, 2, 3});
            }
        }
        NnvizException e5 = assertThrows(NnvizException.class, () -> NNViz.load(saved));
        assertTrue(e5.getMessage().contains("cut"), e5.getMessage());
    }

    /** A pipe where TensorFlow expects its variables (or the graph): refused at once, never read (which would block forever). */
    @Test
    void pipesInPlaceOfModelFilesAreRefusedWithoutBlocking() throws Exception {
        Path saved = dir.resolve("piped");
        TfFixtures.savedModel(saved);
        Path data;
        try (var s = Files.list(saved.resolve("variables"))) {
            data = s.filter(p -> p.getFileName().toString().startsWith("variables.data")).findFirst().orElseThrow();
        }
        Files.delete(data);
        assertEquals(0, new ProcessBuilder("mkfifo", data.toString()).start().waitFor());
        Path pipe = dir.resolve("graph.pb");
        assertEquals(0, new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor());
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
            ModelLoadException a = assertThrows(ModelLoadException.class, () -> NNViz.load(saved));
            assertTrue(a.getMessage().contains("piped") && a.getMessage().contains("variables.data") && a.getMessage().contains("pipe"),
                    a.getMessage());
            NnvizException b = assertThrows(NnvizException.class, () -> NNViz.load(pipe));
            assertTrue(b.getMessage().contains("graph.pb"), b.getMessage());
        });
    }
}
