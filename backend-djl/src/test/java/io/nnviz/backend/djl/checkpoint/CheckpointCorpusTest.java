package io.nnviz.backend.djl.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nnviz.NNViz;
import io.nnviz.api.Capability;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelLoadException;
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
 * Issue 29: every PyTorch checkpoint of the corpus (written by torch.save, read back by torch for
 * the oracle) opens through NNViz.load with torch's parameter total and, tensor by tensor, torch's
 * shapes and sums; nothing in the file is imported or run.
 */
@Tag("corpus")
class CheckpointCorpusTest {
    static List<Path> oracles() throws IOException {
        try (Stream<Path> s = Files.list(Corpus.dir().resolve("checkpoints"))) {
            return s.filter(p -> p.toString().endsWith(".oracle.json")).sorted().toList();
        }
    }

    static Path modelOf(Path oracle) throws IOException {
        String stem = oracle.getFileName().toString().replace(".oracle.json", "");
        try (Stream<Path> s = Files.list(oracle.getParent())) {
            return s.filter(p -> p.getFileName().toString().startsWith(stem + ".") && !p.toString().endsWith(".json")).findFirst()
                    .orElseThrow();
        }
    }

    @Test
    void everyCheckpointHasTorchsParametersShapesAndValues() throws Exception {
        List<Path> oracles = oracles();
        assertTrue(oracles.size() >= 5, "checkpoints in the corpus: " + oracles.size());
        List<String> wrong = new ArrayList<>();
        for (Path o : oracles) {
            JsonNode want = new ObjectMapper().readTree(o.toFile());
            Path file = modelOf(o);
            try (ModelView m = NNViz.load(file)) {
                if (m.parameterCount() != want.get("parameters").asLong()) {
                    wrong.add(file.getFileName() + ": " + m.parameterCount() + " parameters, torch says " + want.get("parameters"));
                }
                for (LayerInfo l : m.layers()) {
                    for (WeightTensor w : m.weights(l.id())) {
                        String key = l.id() + "." + w.name();
                        JsonNode t = want.get("tensors").get(key);
                        if (t == null) {
                            wrong.add(file.getFileName() + ": " + key + " is not a tensor torch saw");
                            continue;
                        }
                        List<Integer> shape = new ArrayList<>();
                        t.get("shape").forEach(d -> shape.add(d.asInt()));
                        List<Integer> got = new ArrayList<>();
                        for (int i = 0; i < w.values().rank(); i++) {
                            got.add(w.values().shape().dim(i));
                        }
                        double sum = sum(w.values()), expected = t.get("sum").asDouble();
                        if (!shape.equals(got) || Math.abs(sum - expected) > 1e-3 * Math.max(1, Math.abs(expected)) + 1e-3) {
                            wrong.add(file.getFileName() + ": " + key + " " + got + " sums to " + sum + ", torch: " + shape + " " + expected);
                        }
                    }
                }
                String others = m.properties().get("other tensors");
                if (want.get("other_tensors").asInt() > 0 && (others == null || !others.startsWith(want.get("other_tensors").asInt() + " "))) {
                    wrong.add(file.getFileName() + ": the optimizer's " + want.get("other_tensors") + " tensors are not listed: " + others);
                }
                assertFalse(m.capabilities().contains(Capability.ACTIVATIONS), "weights only");
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void activationsAskForAnExportAndTheLegacyFormatSaysWhatToDo() throws Exception {
        Path dir = Corpus.dir().resolve("checkpoints");
        try (ModelView m = NNViz.load(dir.resolve("resnet18.pth"))) {
            UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                    () -> m.activations(Tensor.zeros(1, 3, 32, 32), List.of(m.layers().get(0).id())));
            assertTrue(e.getMessage().contains("torch.jit.trace"), e.getMessage());
            assertEquals("conv1", m.layers().get(0).id());
        }
        ModelLoadException legacy = assertThrows(ModelLoadException.class, () -> NNViz.load(dir.resolve("resnet18-legacy.pth")));
        assertTrue(legacy.getMessage().contains("legacy format") && legacy.getMessage().contains("torch.save(torch.load(f)"),
                legacy.getMessage());
    }

    private static double sum(Tensor t) {
        double s = 0;
        for (int i = 0; i < t.size(); i++) {
            s += t.getFlat(i);
        }
        return s;
    }
}
