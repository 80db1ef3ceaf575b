package io.nnviz.backend.dl4j;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.nnviz.testkit.Corpus;
import io.nnviz.testkit.LoaderFuzzing;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DL4J loaders under Jazzer. In the build, each {@code @FuzzTest} runs over its regression files
 * ({@code LoaderFuzzTestInputs/METHOD/}: a real Keras file and issue 17's reproducers, made by
 * {@link HostileFilesTest}, and a tiny Keras 3 archive); with {@code JAZZER_FUZZ=1} it fuzzes from them, e.g.
 * {@code JAZZER_FUZZ=1 mvn -pl backend-dl4j test -Dtest=LoaderFuzzTest#dl4jZip}. Every input must open or
 * be refused with a clear error ({@link LoaderFuzzing}); the corpus's real models must open.
 */
@Tag("fuzz")
@Tag("natives")
class LoaderFuzzTest {
    @TempDir
    Path dir;

    @FuzzTest(maxDuration = "5m")
    void dl4jZip(byte[] data) {
        LoaderFuzzing.load(data, "model.zip");
    }

    @FuzzTest(maxDuration = "5m")
    void kerasH5(byte[] data) {
        LoaderFuzzing.load(data, "model.h5");
    }

    /** Keras 3 archives, which nnviz reads itself (issue 29): zip, JSON and HDF5 all untrusted. */
    @FuzzTest(maxDuration = "5m")
    void kerasV3(byte[] data) {
        LoaderFuzzing.load(data, "model.keras");
    }

    /** The seeds from the corpus: a real Keras model, and the same imported and saved by DL4J, open as the fuzz target opens them. */
    @Test
    @Tag("corpus")
    void realModelsOpenThroughTheFuzzTarget() throws Exception {
        Path h5 = Corpus.file("keras/esrgan-slim-x2.h5");
        assertTrue(LoaderFuzzing.load(Files.readAllBytes(h5), "esrgan.h5"));
        assertTrue(LoaderFuzzing.load(Files.readAllBytes(Corpus.file("keras/esrgan-slim-x2-free.keras")), "esrgan.keras"));
        assertTrue(LoaderFuzzing.load(Files.readAllBytes(Corpus.file("keras/unet3d.h5")), "unet3d.h5")); // DL4J refuses, nnviz reads
        Path zip = dir.resolve("esrgan.zip");
        ModelSerializer.writeModel(KerasModelImport.importKerasModelAndWeights(h5.toString(), false), zip.toFile(), false);
        assertTrue(LoaderFuzzing.load(Files.readAllBytes(zip), "esrgan.zip"));
    }
}
