package io.nnviz.cli;

import io.nnviz.testkit.Corpus;

import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The corpus's real models in every format the CLI reads: fetched files as they are, and the
 * TensorFlow and DL4J files made from fetched models by the frameworks themselves (in their worlds).
 */
final class CorpusModels {
    private CorpusModels() {
    }

    /**
     * The model for {@code spec}: {@code onnx:F}, {@code keras:F}, {@code torchscript:F} (corpus files);
     * {@code savedmodel:NAME} and {@code frozen:NAME} (a tfjs graph model written by TensorFlow Java);
     * {@code zip:NAME} (a Keras .h5 imported and saved by DL4J), made in {@code dir}.
     */
    static Path make(String spec, Path dir) throws Exception {
        String[] p = spec.split(":");
        return switch (p[0]) {
            case "savedmodel" -> {
                Path out = dir.resolve(p[1] + "_saved");
                CliRun.inWorld("tensorflow", "io.nnviz.backend.tensorflow.TfFixtures", "corpusSavedModel", Corpus.file("tfjs/" + p[1]), out);
                yield out;
            }
            case "frozen" -> {
                Path out = dir.resolve(p[1] + ".pb");
                CliRun.inWorld("tensorflow", "io.nnviz.backend.tensorflow.TfFixtures", "corpusFrozen", Corpus.file("tfjs/" + p[1]), out);
                yield out;
            }
            case "zip" -> {
                Path out = dir.resolve(p[1] + ".zip");
                Object net = CliRun.inWorld("dl4j", "org.deeplearning4j.nn.modelimport.keras.KerasModelImport",
                        "importKerasModelAndWeights", Corpus.file("keras/" + p[1] + ".h5").toString());
                Class<?> serializer = Class.forName("org.deeplearning4j.util.ModelSerializer", true, net.getClass().getClassLoader());
                Arrays.stream(serializer.getMethods()).filter(m -> m.getName().equals("writeModel") && m.getParameterCount() == 3
                                && m.getParameterTypes()[1] == File.class && m.getParameterTypes()[2] == boolean.class).findFirst().orElseThrow()
                        .invoke(null, net, out.toFile(), false);
                yield out;
            }
            default -> Corpus.file(p[0] + "/" + p[1]);
        };
    }
}
