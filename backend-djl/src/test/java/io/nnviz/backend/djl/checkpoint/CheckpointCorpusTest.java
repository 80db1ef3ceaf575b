package io.nnviz.backend.djl.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nnviz.NNViz;
import io.nnviz.api.Capability;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;
import io.nnviz.api.WeightTensor;
import io.nnviz.testkit.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 29: what a checkpoint cannot do says what to do instead, and the legacy format opens as
 * the zip one does. Every checkpoint's values against torch's are {@code WeightFilesCorpusTest}'s.
 */
@Tag("corpus")
class CheckpointCorpusTest {
    @Test
    void activationsAskForAnExportAndTheLegacyFormatSaysWhatToDo() throws Exception {
        Path dir = Corpus.dir().resolve("checkpoints");
        try (ModelView m = NNViz.load(dir.resolve("resnet18.pth"))) {
            UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                    () -> m.activations(Tensor.zeros(1, 3, 32, 32), List.of(m.layers().get(0).id())));
            assertTrue(e.getMessage().contains("torch.jit.trace"), e.getMessage());
            assertEquals("conv1", m.layers().get(0).id());
        }
    }

    @Test
    void theLegacyFormatOpensAsTheSameStateDictSavedAsAZip() throws Exception {
        Path dir = Corpus.dir().resolve("checkpoints");
        try (ModelView zip = NNViz.load(dir.resolve("resnet18.pth")); ModelView legacy = NNViz.load(dir.resolve("resnet18-legacy.pth"))) {
            assertEquals(zip.parameterCount(), legacy.parameterCount());
            assertEquals(zip.layers(), legacy.layers());
            assertEquals("legacy torch.save (before PyTorch 1.6)", legacy.properties().get("format"));
            for (String layer : List.of("conv1", "layer4.1.bn2", "fc")) {
                List<WeightTensor> a = zip.weights(layer), b = legacy.weights(layer);
                assertEquals(a.size(), b.size());
                for (int i = 0; i < a.size(); i++) {
                    assertEquals(a.get(i).values(), b.get(i).values(), layer + " " + a.get(i).name());
                }
            }
        }
    }

    private static double sum(Tensor t) {
        double s = 0;
        for (int i = 0; i < t.size(); i++) {
            s += t.getFlat(i);
        }
        return s;
    }
}
