package io.nnviz.backend.tensorflow;

import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.Hook;
import io.nnviz.testkit.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.SavedModelBundle;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SavedModels TensorFlow itself loaded ({@link SavedModelBundle}), handed over live: seen as the
 * same model nnviz reads from the folder, as they are (a graph of plain ops) or flattened (a TF 2
 * graph calling library functions with fused ops), and as training targets.
 */
@Tag("natives")
class TfBundleTest {
    @TempDir
    Path dir;

    @Test
    void aLoadedBundleIsTheModelItsFolderIs() throws Exception {
        Path saved = dir.resolve("cnn");
        TfFixtures.savedModel(saved);
        Tensor input = Tensor.of(TfNets.data().batch(0, 2), 2, 1, 28, 28);
        try (SavedModelBundle b = SavedModelBundle.load(saved.toString(), "serve");
             ModelView live = NNViz.inspect(b);
             ModelView file = NNViz.load(saved)) {
            assertTrue(live.name().startsWith("SavedModel (serving_default: "), live.name());
            assertEquals(ids(file), ids(live));
            String last = live.layers().get(live.layers().size() - 1).id();
            Corpus.assertClose(file.scores(input), live.scores(input), 1e-5, "scores");
            Corpus.assertClose(file.activations(input, List.of(last)).get(last), live.activations(input, List.of(last)).get(last), 1e-5,
                    "the output");
            assertEquals(input.shape(), live.inputGradient(input, 3).shape());
        }
    }

    @Test
    void aLoadedBundleIsATrainingTarget() throws Exception {
        Path saved = dir.resolve("cnn");
        TfFixtures.savedModel(saved);
        try (SavedModelBundle b = SavedModelBundle.load(saved.toString(), "serve");
             Attachment a = NNViz.attach(b, new Hook() { })) {
            TfTraining training = (TfTraining) a;
            training.stepEnd(1.5);
            training.stepEnd(1.25);
            assertEquals(2, training.stepsSeen());
            assertEquals(2, a.stepsSeen());
            assertTrue(training.model().name().startsWith("SavedModel ("), training.model().name());
            assertTrue(training.model().layers().size() > 2, ids(training.model()).toString());
        }
    }

    @Test
    @Tag("corpus")
    void aLoadedTf2BundleIsFlattenedAsItsFolderIs() throws Exception {
        TfjsGraphModels.Parsed parsed = TfjsGraphModels.parse(Corpus.file("tfjs/emotion"));
        Path saved = TfjsGraphModels.savedModel(parsed, dir.resolve("emotion"), "__inference_emotion_42");
        try (SavedModelBundle b = SavedModelBundle.load(saved.toString(), "serve");
             ModelView live = NNViz.inspect(b);
             ModelView file = NNViz.load(saved)) {
            assertTrue(live.name().contains("flattened: its functions expanded"), live.name());
            assertEquals(ids(file), ids(live));
            Tensor x = TfCorpusTest.image(1, 64, 64);
            Corpus.assertClose(file.scores(x), live.scores(x), 1e-4, "scores");
            assertEquals(file.parameterCount(), live.parameterCount());
        }
    }

    private static List<String> ids(ModelView m) {
        return m.layers().stream().map(LayerInfo::id).toList();
    }
}
