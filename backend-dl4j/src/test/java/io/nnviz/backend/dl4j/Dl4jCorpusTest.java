package io.nnviz.backend.dl4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import io.nnviz.testkit.Corpus;
import io.nnviz.testkit.FiniteDifferences;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Real pretrained Keras models nobody here made: UpscalerJS's ESRGAN-slim x2 and x4 (a residual
 * dense network with concatenations, additions and upsampling), published as TensorFlow.js layers
 * models and rewritten as Keras HDF5 by corpus/tfjs_layers_to_h5.py, which also computes their
 * outputs with NumPy. nnviz's DL4J import is checked against that independent computation, in
 * Keras's NHWC seen through nnviz's canonical NCHW.
 */
@Tag("corpus")
@Tag("natives")
class Dl4jCorpusTest {
    private static final Map<String, String> DL4J_CLASS = Map.of("Conv2D", "ConvolutionLayer", "Activation", "ActivationLayer",
            "Concatenate", "MergeVertex", "Add", "ElementWiseVertex", "UpSampling2D", "Upsampling2D", "InputLayer", "input");

    private static Tensor nchw(Tensor nhwc) {
        return nhwc.permute(0, 3, 1, 2);
    }

    private static double sum(Tensor t) {
        double s = 0;
        for (int i = 0; i < t.size(); i++) {
            s += t.getFlat(i);
        }
        return s;
    }

    @ParameterizedTest(name = "esrgan-slim-{0}")
    @ValueSource(strings = {"x2", "x4"})
    void aKerasSuperResolutionNetworkComputesWhatNumPyComputes(String scale) throws Exception {
        String base = "keras/esrgan-slim-" + scale;
        JsonNode oracle = new ObjectMapper().readTree(Corpus.file(base + ".oracle.json").toFile());
        Tensor x = nchw(Corpus.tensor(base + ".input.npy"));
        try (ModelView m = NNViz.load(Corpus.file(base + ".h5"))) {
            assertEquals("Deeplearning4j", m.framework());
            assertStructure(m, oracle);
            assertEquals(m.layers().size() - 1, m.edges().stream().map(e -> e.to()).distinct().count(), "every layer but the input is fed");

            for (LayerInfo l : m.layers()) {
                JsonNode hwc = oracle.get("shapes").get(l.id());
                assertEquals(Shape.of(-1, hwc.get(2).asInt(), hwc.get(0).asInt(), hwc.get(1).asInt()), l.outputShape(), l.id());
            }

            // the first convolution's kernel: Keras HWIO, canonical OIHW
            WeightTensor k = m.weights("F_m1").stream().filter(w -> w.role() == WeightRole.KERNEL).findFirst().orElseThrow();
            Corpus.assertClose(Corpus.tensor(base + ".F_m1.kernel.npy").permute(3, 2, 0, 1), k.values(), 1e-6, "F_m1 kernel");

            LayerInfo out = m.layers().get(m.layers().size() - 1);
            Map<String, Tensor> acts = m.activations(x, List.of("F_m1", "GFF_1", out.id()));
            Corpus.assertClose(nchw(Corpus.tensor(base + ".F_m1.npy")), acts.get("F_m1"), 1e-4, "F_m1 (first conv)");
            Corpus.assertClose(nchw(Corpus.tensor(base + ".GFF_1.npy")), acts.get("GFF_1"), 1e-4, "GFF_1 (middle conv)");
            Corpus.assertClose(nchw(Corpus.tensor(base + ".output.npy")), acts.get(out.id()), 1e-4, "output " + out.id());

            // saliency of the red channel's total: the output convolution is linear, so the score is
            // that channel's sum, computed by the network itself for the finite differences
            Tensor g = m.inputGradient(x, 0);
            FiniteDifferences.assertMatches(x, g, v -> sum(m.activations(Tensor.of(x.shape(), v), List.of(out.id()))
                    .get(out.id()).slice(0).slice(0)), 1e-3, 2e-2, 8);
        }
    }

    /** Layers per class and the parameter total as the Keras file has them. */
    private static void assertStructure(ModelView m, JsonNode oracle) {
        Map<String, Integer> ours = new TreeMap<>(), theirs = new TreeMap<>();
        m.layers().forEach(l -> ours.merge(l.frameworkType(), 1, Integer::sum));
        oracle.get("layers").fields().forEachRemaining(e -> theirs.put(DL4J_CLASS.get(e.getKey()), e.getValue().asInt()));
        assertEquals(theirs, ours, "layers by class");
        assertEquals(oracle.get("parameters").asLong(), m.parameterCount());
    }

    private static Tensor tensor(INDArray a) {
        long[] s = a.shape();
        return Tensor.of(a.dup('c').data().asFloat(), java.util.Arrays.stream(s).mapToInt(Math::toIntExact).toArray());
    }

    @ParameterizedTest(name = "esrgan-slim-{0}")
    @ValueSource(strings = {"x2", "x4"})
    void anNhwcKerasImportSavedAsADl4jZipTakesNchwInputAndComputesWhatDl4jComputes(String scale) throws Exception {
        String base = "keras/esrgan-slim-" + scale;
        JsonNode oracle = new ObjectMapper().readTree(Corpus.file(base + ".oracle.json").toFile());
        Tensor nhwc = Corpus.tensor(base + ".input.npy");
        Tensor x = nchw(nhwc);
        Path zip = Files.createDirectories(Path.of("target", "corpus")).resolve("esrgan-slim-" + scale + ".zip");
        ComputationGraph g = org.deeplearning4j.nn.modelimport.keras.KerasModelImport
                .importKerasModelAndWeights(Corpus.file(base + ".h5").toString(), false);
        ModelSerializer.writeModel(g, zip.toFile(), false);
        // what DL4J itself computes from the NHWC array the imported graph takes
        Map<String, INDArray> theirs = g.feedForward(Nd4j.create(nhwc.toArray(), new long[] {1, 32, 32, 3}, 'c'), false);
        try (ModelView m = NNViz.load(zip)) {
            assertStructure(m, oracle);
            LayerInfo out = m.layers().get(m.layers().size() - 1);
            // a DL4J zip keeps no input type: channels are known, the image size is free (as in the
            // fully convolutional network itself)
            for (LayerInfo l : m.layers()) {
                assertEquals(Shape.of(-1, oracle.get("shapes").get(l.id()).get(2).asInt(), -1, -1), l.outputShape(), l.id());
            }
            Map<String, Tensor> acts = m.activations(x, List.of("F_m1", "GFF_1", out.id()));
            for (String id : List.of("F_m1", "GFF_1", out.id())) {
                Corpus.assertClose(nchw(tensor(theirs.get(id))), acts.get(id), 1e-5, id + " against DL4J's own");
            }
            Corpus.assertClose(nchw(Corpus.tensor(base + ".output.npy")), acts.get(out.id()), 1e-4, "output against NumPy");
        }
        // with the input shape given, as the Keras file had it, every shape is the Keras one again
        try (ModelView m = NNViz.load(zip, io.nnviz.api.LoadOptions.defaults().inputShape(1, 3, 32, 32))) {
            for (LayerInfo l : m.layers()) {
                JsonNode hwc = oracle.get("shapes").get(l.id());
                assertEquals(Shape.of(-1, hwc.get(2).asInt(), hwc.get(0).asInt(), hwc.get(1).asInt()), l.outputShape(), l.id());
            }
        }
    }
}
