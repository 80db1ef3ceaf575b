package io.nnviz.backend.djl.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nnviz.NNViz;
import io.nnviz.api.Capability;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.testkit.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 29: every GGUF file of the corpus opens through NNViz.load with what two readers nobody here
 * wrote say of it: @huggingface/gguf's header (tensor count, shapes, types, parameter totals by
 * type, metadata) and ggml's own dequantizer's values (count, sum, sum of squares, 16 values each).
 */
@Tag("corpus")
class GgufCorpusTest {
    static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(Corpus.dir().resolve("gguf"))) {
            return s.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
    }

    /** The name nnviz gives a ggml type in its totals: the shared names for floats and integers, ggml's own (lower case) for blocks. */
    private static String dtypeName(String ggml) {
        return switch (ggml) {
            case "F32" -> "float32";
            case "F16" -> "float16";
            case "BF16" -> "bfloat16";
            case "F64" -> "float64";
            case "I8", "I16", "I32", "I64" -> "int" + ggml.substring(1);
            default -> ggml.toLowerCase(Locale.ROOT);
        };
    }

    @Test
    void everyGgufFileHasTheParsersTensorsAndGgmlsValues() throws Exception {
        List<Path> files = files();
        assertTrue(files.size() >= 5, "GGUF files in the corpus: " + files.size());
        List<String> wrong = new ArrayList<>();
        for (Path f : files) {
            JsonNode want = new ObjectMapper().readTree(f.resolveSibling(f.getFileName().toString().replace(".gguf", ".oracle.json")).toFile());
            String n = f.getFileName() + ": ";
            try (ModelView m = NNViz.load(f)) {
                Map<String, String> p = m.properties();
                check(wrong, n + "parameters", want.get("parameters").asLong(), m.parameterCount());
                Map<String, Long> byType = new HashMap<>();
                m.parameterCountByDtype().forEach((t, c) -> byType.put(t.name(), c));
                long floats = m.parameterCountByDtype().entrySet().stream().filter(e -> e.getKey().floating()).mapToLong(Map.Entry::getValue).sum();
                long integers = byType.entrySet().stream().filter(e -> e.getKey().startsWith("int")).mapToLong(Map.Entry::getValue).sum();
                check(wrong, n + "parameters float", want.get("parameters_float").asLong(), floats);
                check(wrong, n + "parameters integer", want.get("parameters_integer").asLong(), integers);
                check(wrong, n + "parameters quantized", want.get("parameters_quantized").asLong(), m.parameterCount() - floats - integers);
                for (Iterator<Map.Entry<String, JsonNode>> it = want.get("parameters_by_type").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    check(wrong, n + "parameters " + e.getKey(), e.getValue().asLong(), byType.getOrDefault(dtypeName(e.getKey()), -1L));
                }
                check(wrong, n + "version", want.get("version").asLong(), p.get("format").contains("version " + want.get("version").asInt()) ? want.get("version").asLong() : -1);
                String arch = want.get("metadata").get("general.architecture").asText();
                check(wrong, n + "architecture", 1, arch.equals(p.get("metadata general.architecture")) ? 1 : 0);
                JsonNode blocks = want.get("metadata").get(arch + ".block_count");
                check(wrong, n + "block_count", blocks.asLong(), Long.parseLong(p.get("metadata " + arch + ".block_count")));
                check(wrong, n + "metadata keys", want.get("kv_count").asLong(), Long.parseLong(p.get("metadata keys")));
                int seen = 0;
                for (LayerInfo l : m.layers()) {
                    Map<String, WeightTensor> values = new HashMap<>();
                    m.weights(l.id()).forEach(w -> values.put(w.name(), w));
                    for (WeightSpec s : l.weights()) {
                        String name = want.get("tensors").has(l.id() + "." + s.name()) ? l.id() + "." + s.name() : l.id();
                        JsonNode t = want.get("tensors").get(name);
                        if (t == null) {
                            wrong.add(n + name + " is not a tensor the parser saw");
                            continue;
                        }
                        seen++;
                        tensor(wrong, n + name, t, s, values.get(s.name()), l);
                    }
                }
                check(wrong, n + "tensors", want.get("tensor_count").asLong(), seen);
                assertTrue(!m.capabilities().contains(Capability.ACTIVATIONS), "weights only");
            }
        }
        assertEquals(List.of(), wrong);
    }

    private static void tensor(List<String> wrong, String n, JsonNode t, WeightSpec s, WeightTensor w, LayerInfo l) {
        List<Integer> shape = new ArrayList<>();
        t.get("shape").forEach(d -> shape.add(0, d.asInt())); // ggml lists the innermost dimension first
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < s.shape().rank(); i++) {
            got.add(s.shape().dim(i));
        }
        if (!shape.equals(got)) {
            wrong.add(n + " shape " + got + ", the parser's reversed " + shape);
        }
        String dtype = t.get("dtype").asText();
        if (!l.attributes().getOrDefault("dtype", "").contains(dtype)) {
            wrong.add(n + " dtype " + l.attributes().get("dtype") + ", the parser's " + dtype);
        }
        if (dtype.startsWith("IQ")) {
            if (w != null || !l.attributes().getOrDefault("not decoded", "").contains(dtype)) {
                wrong.add(n + " of type " + dtype + " should be listed as not decoded: " + l.attributes());
            }
            return;
        }
        if (w == null) {
            wrong.add(n + " has no values");
            return;
        }
        Tensor v = w.values();
        double sum = 0, sumsq = 0;
        for (int i = 0; i < v.size(); i++) {
            sum += v.getFlat(i);
            sumsq += (double) v.getFlat(i) * v.getFlat(i);
        }
        double es = t.get("sum").asDouble(), eq = t.get("sumsq").asDouble();
        if (v.size() != t.get("count").asLong() || Math.abs(sum - es) > 1e-5 * Math.max(1, Math.sqrt(eq) * Math.sqrt(v.size()))
                || Math.abs(sumsq - eq) > 1e-5 * Math.max(1, eq)) {
            wrong.add(n + " " + v.size() + " values sum to " + sum + " (squares " + sumsq + "), ggml: " + t.get("count") + " " + es + " " + eq);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = t.get("samples").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            float expected = (float) e.getValue().asDouble(), actual = v.getFlat(Integer.parseInt(e.getKey()));
            if (Float.compare(expected, actual) != 0 && Math.abs(expected - actual) > 1e-6f * Math.max(1, Math.abs(expected))) {
                wrong.add(n + " value " + e.getKey() + " is " + actual + ", ggml's " + expected);
            }
        }
    }

    private static void check(List<String> wrong, String what, long expected, long actual) {
        if (expected != actual) {
            wrong.add(what + ": " + actual + ", the oracle's " + expected);
        }
    }

    @Test
    void aGgufFileSaysWhereActivationsComeFrom() throws Exception {
        try (ModelView m = NNViz.load(Corpus.file("gguf/minilm-q8_0.gguf"))) {
            UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                    () -> m.activations(Tensor.zeros(1, 8), List.of(m.layers().get(0).id())));
            assertTrue(e.getMessage().contains("llama.cpp"), e.getMessage());
            assertEquals("token_embd", m.layers().get(0).id(), "embeddings first");
            assertEquals("blk.0.attn_q", m.layers().get(3 + 1).id(), "then the blocks in order: " + m.layers().get(4).id());
            assertEquals("blk", m.groups().get(0).id());
            assertEquals("GGUF (bert)", m.framework());
        }
    }
}
