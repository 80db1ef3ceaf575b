package io.nnviz.backend.djl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nnviz.NNViz;
import io.nnviz.api.Capability;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.testkit.Corpus;
import io.nnviz.testkit.TensorParts;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 29: every weights-only file of the corpus (PyTorch checkpoints written by torch.save, zip and
 * legacy, safetensors written to the format's spec; torch's reading of each is the oracle) opens through
 * NNViz.load with torch's parameter total and, tensor by tensor, torch's shapes, sums and sums weighted by position (the values in torch's order).
 */
@Tag("corpus")
class WeightFilesCorpusTest {
    static List<Path> oracles() throws IOException {
        List<Path> all = new ArrayList<>();
        for (String folder : List.of("checkpoints", "checkpoints-legacy", "safetensors")) {
            try (Stream<Path> s = Files.walk(Corpus.dir().resolve(folder))) {
                s.filter(p -> p.toString().endsWith(".oracle.json")).sorted().forEach(all::add);
            }
        }
        return all;
    }

    static Path modelOf(Path oracle) throws IOException {
        String stem = oracle.getFileName().toString().replace(".oracle.json", "");
        try (Stream<Path> s = Files.list(oracle.getParent())) {
            return s.filter(p -> p.getFileName().toString().startsWith(stem + ".") && !p.toString().endsWith(".json")).findFirst()
                    .orElseThrow();
        }
    }

    @Test
    void everyWeightFileHasTorchsParametersShapesAndValues() throws Exception {
        List<Path> oracles = oracles();
        assertTrue(oracles.size() >= 11, "weight files in the corpus: " + oracles.size());
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
                        String part = TensorParts.readAloneEqualWhole(w.values(), m.weights(l.id()).stream().filter(x -> x.name().equals(w.name()))
                                .findFirst().orElseThrow().values(), file.toString().endsWith(".safetensors"));
                        if (part != null) {
                            wrong.add(file.getFileName() + ": " + key + ": " + part);
                        }
                        double sum = sum(w.values(), false), expected = t.get("sum").asDouble();
                        if (!shape.equals(got) || !close(sum, expected)) {
                            wrong.add(file.getFileName() + ": " + key + " " + got + " sums to " + sum + ", torch: " + shape + " " + expected);
                        }
                        if (t.has("weighted") && !close(sum(w.values(), true), t.get("weighted").asDouble())) {
                            wrong.add(file.getFileName() + ": " + key + ": the values in another order than torch's (weighted sum "
                                    + sum(w.values(), true) + ", torch " + t.get("weighted") + ")");
                        }
                    }
                }
                for (LayerInfo l : m.layers()) { // a normalisation is a BatchNorm exactly when torch saw its running statistics
                    if (l.kind() == LayerKind.NORM) {
                        String expected = want.get("tensors").has(l.id() + ".running_mean") ? "BatchNorm" : "LayerNorm";
                        if (!expected.equals(l.frameworkType())) {
                            wrong.add(file.getFileName() + ": " + l.id() + " is a " + l.frameworkType() + ", torch's buffers say " + expected);
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

    /** The sum of the values, each weighted by its row-major position (1 to 7 in turn) if {@code weighted}: the oracle's. */
    private static double sum(Tensor t, boolean weighted) {
        double s = 0;
        for (int i = 0; i < t.size(); i++) {
            s += t.getFlat(i) * (weighted ? i % 7 + 1 : 1);
        }
        return s;
    }

    private static boolean close(double got, double expected) {
        return Math.abs(got - expected) <= 1e-3 * Math.max(1, Math.abs(expected)) + 1e-3;
    }
}
