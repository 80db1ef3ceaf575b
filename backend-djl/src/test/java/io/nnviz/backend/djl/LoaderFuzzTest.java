package io.nnviz.backend.djl;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.nnviz.testkit.Corpus;
import io.nnviz.testkit.LoaderFuzzing;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX and TorchScript loaders under Jazzer. In the build each {@code @FuzzTest} runs over its
 * regression files ({@code LoaderFuzzTestInputs/METHOD/}: a real PyTorch-made archive and issue 17's
 * reproducers, made by {@link HostileFilesTest}); with {@code JAZZER_FUZZ=1} it fuzzes from them, e.g.
 * {@code JAZZER_FUZZ=1 mvn -pl backend-djl test -Dtest=LoaderFuzzTest#onnx}. Every input must open or
 * be refused with a clear error ({@link LoaderFuzzing}); the corpus's real models must open.
 */
@Tag("fuzz")
@Tag("natives")
class LoaderFuzzTest {
    @FuzzTest(maxDuration = "5m")
    void onnx(byte[] data) {
        LoaderFuzzing.load(data, "model.onnx");
    }

    @FuzzTest(maxDuration = "5m")
    void torchScript(byte[] data) {
        LoaderFuzzing.load(data, "model.pt");
    }

    /** The seeds from the corpus (real pretrained ONNX and TorchScript files) open as the fuzz target opens them. */
    @Test
    @Tag("corpus")
    void realModelsOpenThroughTheFuzzTarget() throws Exception {
        for (String f : new String[] {"onnx/ch_ppocr_mobile_v2.0_cls_infer.onnx", "onnx/silero_vad_legacy.onnx", "torchscript/liveness.pt",
                "torchscript/antispoof.pt"}) {
            assertTrue(LoaderFuzzing.load(Files.readAllBytes(Corpus.file(f)), Corpus.file(f).getFileName().toString()), f);
        }
    }
}
