package io.nnviz.backend.dl4j;

import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Saved models: DL4J zips, a Keras 2 HDF5 CNN, and files that are not models. */
@Tag("natives")
class FilesTest {
    @TempDir
    Path dir;

    private Path kerasFixture() throws Exception {
        return kerasFixture("cnn_sequential.h5");
    }

    private Path kerasFixture(String name) throws Exception {
        Path p = dir.resolve(name);
        if (!Files.exists(p)) {
            try (InputStream in = getClass().getResourceAsStream("/keras/" + name)) {
                Files.copy(in, p);
            }
        }
        return p;
    }

    @Test
    void dl4jZipsOfBothNetworkTypesLoadWithTheirWeights() throws Exception {
        MultiLayerNetwork net = Nets.mlpClassifier();
        net.fit(Nets.flatBatch(0));
        Path mln = dir.resolve("mlp.zip");
        ModelSerializer.writeModel(net, mln.toFile(), true);
        try (ModelView m = NNViz.load(mln)) {
            assertEquals("mlp.zip", m.name());
            assertEquals("MultiLayerNetwork", m.properties().get("network"));
            assertEquals(net.numParams(), m.parameterCount());
            WeightTensor w = m.weights("hidden1").get(0);
            assertEquals(net.getLayer(0).getParam("W").getDouble(5, 7), w.values().get(7, 5), 0);
        }
        var graph = Nets.residual();
        Path cg = dir.resolve("residual.zip");
        ModelSerializer.writeModel(graph, cg.toFile(), false);
        try (ModelView m = NNViz.load(cg)) {
            assertEquals("residual.zip", m.name());
            assertEquals("ComputationGraph", m.properties().get("network"));
            assertEquals(graph.numParams(), m.parameterCount());
            assertTrue(m.layer("add").isPresent());
        }
    }

    @Test
    void kerasCnnLoadsWithLayersWeightsAndNchwActivations() throws Exception {
        assertKerasCnn(kerasFixture(), "MultiLayerNetwork");
    }

    @Test
    void theFunctionalKerasModelLoadsAsAGraphWithTheSameValues() throws Exception {
        assertKerasCnn(kerasFixture("cnn_functional.h5"), "ComputationGraph");
    }

    private void assertKerasCnn(Path file, String networkType) throws Exception {
        try (ModelView m = NNViz.load(file)) {
            assertEquals(file.getFileName().toString(), m.name());
            assertEquals(networkType, m.properties().get("network"));
            List<LayerInfo> ls = m.layers();
            assertTrue(ls.stream().anyMatch(l -> l.id().equals("conv") && l.kind() == LayerKind.CONV), ls.toString());
            assertTrue(ls.stream().anyMatch(l -> l.id().equals("pool") && l.kind() == LayerKind.POOL));
            assertTrue(ls.stream().anyMatch(l -> l.id().equals("dense") && l.kind() == LayerKind.DENSE), ls.stream().map(l -> l.id() + ":" + l.kind() + ":" + l.frameworkType() + ":" + l.outputShape()).toList().toString());
            LayerInfo conv = m.layer("conv").orElseThrow();
            assertEquals(Shape.of(-1, 4, 6, 6), conv.outputShape(), "NCHW, whatever Keras stored");
            assertEquals("NHWC", conv.attributes().get("data format"), "DL4J keeps Keras's channels_last layout");
            // kernel: canonical OIHW equals the fixture's HWIO formula transposed
            Tensor k = m.weights("conv").get(0).values();
            assertEquals(Shape.of(4, 1, 3, 3), k.shape());
            for (int o = 0; o < 4; o++) {
                for (int h = 0; h < 3; h++) {
                    for (int w = 0; w < 3; w++) {
                        assertEquals(Math.sin(1 + 7 * h + 3 * w + 11 * o) / 4, k.get(o, 0, h, w), 1e-6, "kernel " + o + "," + h + "," + w);
                    }
                }
            }
            // activations: an NCHW input gives the convolution we compute here from the formula
            Random r = new Random(3);
            float[] img = new float[64];
            for (int i = 0; i < 64; i++) {
                img[i] = r.nextFloat();
            }
            Tensor input = Tensor.of(img, 1, 1, 8, 8);
            String input0 = ls.get(0).id();
            Map<String, Tensor> a = m.activations(input, List.of(input0, "conv", "dense"));
            Tensor c = a.get("conv");
            assertEquals(Shape.of(1, 4, 6, 6), c.shape());
            for (int o = 0; o < 4; o++) {
                for (int y = 0; y < 6; y++) {
                    for (int x = 0; x < 6; x++) {
                        double s = 0.05 * o;
                        for (int h = 0; h < 3; h++) {
                            for (int w = 0; w < 3; w++) {
                                s += img[(y + h) * 8 + x + w] * Math.sin(1 + 7 * h + 3 * w + 11 * o) / 4;
                            }
                        }
                        assertEquals(Math.max(0, s), c.get(0, o, y, x), 1e-5, "conv at " + o + "," + y + "," + x);
                    }
                }
            }
            assertEquals(input, a.get(input0));
            assertEquals(1.0, a.get("dense").stats().mean() * 3, 1e-5, "softmax sums to 1");
            assertEquals(input.shape(), m.inputGradient(input, 1).shape());
        }
    }

    /**
     * A saved NHWC graph whose first layer is a zero padding (as Keras ResNets and MobileNets begin)
     * takes canonical NCHW input for activations and gradients: the zip keeps no input type, so
     * the layout comes from the padding layer.
     */
    @Test
    void anNhwcGraphZipStartingWithZeroPaddingTakesNchwInput() throws Exception {
        var f = org.deeplearning4j.nn.conf.CNN2DFormat.NHWC;
        var conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(5).graphBuilder()
                .addInputs("image")
                .addLayer("pad", new org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer.Builder(1, 1).dataFormat(f).build(), "image")
                .addLayer("conv", new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(5).dataFormat(f)
                        .activation(org.nd4j.linalg.activations.Activation.RELU).build(), "pad")
                .addLayer("out", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(3)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "conv")
                .setOutputs("out").setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(6, 7, 2, f)).build();
        var graph = new org.deeplearning4j.nn.graph.ComputationGraph(conf);
        graph.init();
        Path zip = dir.resolve("nhwc.zip");
        ModelSerializer.writeModel(graph, zip.toFile(), false);
        Random r = new Random(9);
        float[] nhwc = new float[6 * 7 * 2];
        for (int i = 0; i < nhwc.length; i++) {
            nhwc[i] = r.nextFloat();
        }
        var theirs = graph.feedForward(org.nd4j.linalg.factory.Nd4j.create(nhwc, new long[] {1, 6, 7, 2}, 'c'), false);
        Tensor x = Tensor.of(nhwc, 1, 6, 7, 2).permute(0, 3, 1, 2);
        try (ModelView m = NNViz.load(zip)) {
            assertEquals(Shape.of(-1, 2, -1, -1), m.layers().get(0).outputShape(), "channels from the first convolution");
            assertEquals(Shape.of(-1, 2, -1, -1), m.layer("pad").orElseThrow().outputShape());
            Map<String, Tensor> a = m.activations(x, List.of("pad", "conv", "out"));
            assertEquals(Shape.of(1, 2, 8, 9), a.get("pad").shape());
            var conv = theirs.get("conv");
            assertEquals(Shape.of(1, 5, 6, 7), a.get("conv").shape());
            for (int c = 0; c < 5; c++) {
                for (int y = 0; y < 6; y++) {
                    for (int xx = 0; xx < 7; xx++) {
                        assertEquals(conv.getFloat(0, y, xx, c), a.get("conv").get(0, c, y, xx), 1e-6);
                    }
                }
            }
            assertEquals(theirs.get("out").getFloat(0, 1), a.get("out").get(0, 1), 1e-6);
            assertEquals(x.shape(), m.inputGradient(x, 1).shape());
        }
    }

    @Test
    void badFilesGiveClearErrorsNamingTheFile() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.zip"));
        assertLoadError(empty, "empty");
        Path text = Files.writeString(dir.resolve("notes.h5"), "these are not weights, just text\n");
        assertNoBackend(text);
        Path random = dir.resolve("random.bin");
        byte[] noise = new byte[4096];
        new Random(1).nextBytes(noise);
        Files.write(random, noise);
        assertNoBackend(random);
        assertLoadError(dir.resolve("missing.zip"), "no such file");
        // a real DL4J zip cut in half
        MultiLayerNetwork net = Nets.mlpClassifier();
        Path whole = dir.resolve("whole.zip");
        ModelSerializer.writeModel(net, whole.toFile(), false);
        byte[] bytes = Files.readAllBytes(whole);
        Path truncated = dir.resolve("truncated.zip");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertLoadErrorOrNoBackend(truncated);
        // a Keras file cut short: the HDF5 signature is there, the rest is not
        byte[] h5 = Files.readAllBytes(kerasFixture());
        Path cut = dir.resolve("cut.h5");
        Files.write(cut, java.util.Arrays.copyOf(h5, 2000));
        assertLoadError(cut, "Keras HDF5");
        // a zip that is not a DL4J model
        Path foreign = dir.resolve("foreign.zip");
        try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(foreign))) {
            z.putNextEntry(new java.util.zip.ZipEntry("readme.txt"));
            z.write("hello".getBytes());
        }
        assertNoBackend(foreign);
        // the DL4J provider itself names the file even when asked directly
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> new Dl4jBackendProvider().load(foreign));
        assertTrue(e.getMessage().contains("foreign.zip"), e.getMessage());
    }

    private static void assertLoadError(Path p, String reason) {
        NnvizException e = assertThrows(NnvizException.class, () -> NNViz.load(p));
        assertTrue(e.getMessage().contains(p.getFileName().toString()), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    private static void assertNoBackend(Path p) {
        NnvizException e = assertThrows(NnvizException.class, () -> NNViz.load(p));
        assertTrue(e.getMessage().contains(p.getFileName().toString()), e.getMessage());
    }

    private static void assertLoadErrorOrNoBackend(Path p) {
        NnvizException e = assertThrows(NnvizException.class, () -> NNViz.load(p));
        assertTrue(e.getMessage().contains(p.getFileName().toString()), e.getMessage());
    }
}
