package io.nnviz.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mutators themselves: a campaign is only as good as the edits it makes. Each format's seed
 * gets its structure-aware kinds of edit (a mutator that stops recognising its format falls back
 * to byte edits silently; this is where that shows), the protobuf reader gives back the very bytes
 * it read, and the same seed and number give the same mutant.
 */
@Tag("corpus")
@Tag("natives")
class MutationsTest {
    /** Kinds of edit each format must get within 80 mutants (the first word of what was done). */
    private static final Map<String, List<String>> EXPECTED = Map.of(
            "silero_vad_legacy.onnx", List.of("protobuf", "bytes"),
            "esrgan-slim-x2.h5", List.of("hdf5", "bytes"),
            "esrgan-slim-x2.zip", List.of("json", "nd4j", "zip", "bytes"),
            "liveness.pt", List.of("pickle", "code", "zip", "bytes"),
            "emotion_saved", List.of("protobuf", "bytes"),
            "liveness.pb", List.of("protobuf", "bytes"));

    @TempDir
    Path dir;

    @Test
    void everyFormatGetsItsStructureAwareEditsDeterministically() throws Exception {
        Map<String, Set<String>> seen = new TreeMap<>();
        Set<String> details = new HashSet<>();
        for (String spec : List.of("onnx:silero_vad_legacy.onnx", "keras:esrgan-slim-x2.h5", "zip:esrgan-slim-x2", "torchscript:liveness.pt",
                "savedmodel:emotion", "frozen:liveness")) {
            Path seed = CorpusModels.make(spec, Files.createDirectories(dir.resolve("seeds")));
            String name = seed.getFileName().toString();
            for (int n = 0; n < 80; n++) {
                Path a = dir.resolve("a-" + n + "-" + name), b = dir.resolve("b-" + n + "-" + name);
                String what = Mutations.write(seed, n, a);
                assertEquals(what, Mutations.write(seed, n, b), "same seed and number, same edit");
                if (!Files.isDirectory(a)) {
                    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), name + " #" + n + " made twice differs");
                }
                seen.computeIfAbsent(name, k -> new java.util.TreeSet<>()).add(MutationReport.family(what));
                details.add(what.replaceAll("[0-9]+", "N"));
                Mutations.delete(a);
                Mutations.delete(b);
            }
            for (String family : EXPECTED.get(name)) {
                assertTrue(seen.get(name).contains(family), name + " got no '" + family + "' edit in 80: " + seen.get(name));
            }
        }
        // the SavedModel's own edits: init ops added and signatures edited, not only generic protobuf ones
        assertTrue(details.stream().anyMatch(d -> d.contains("init op")), "no init-op edit of saved_model.pb");
        assertTrue(details.stream().anyMatch(d -> d.contains("signature tensor")), "no signature edit of saved_model.pb");
        assertTrue(details.stream().anyMatch(d -> d.contains("tensor dims")), "no tensor dims edit");
        assertTrue(details.stream().anyMatch(d -> d.contains("model_config")), "no model_config JSON edit of the .h5");
        assertTrue(details.stream().anyMatch(d -> d.contains("(pretty)")) && details.stream().anyMatch(d -> d.contains("(compact)")),
                "JSON written both compact and pretty");
        System.out.println(seen);
    }

    @Test
    void protobufTreeEncodesBackToTheBytesItRead() throws Exception {
        byte[] onnx = Files.readAllBytes(io.nnviz.testkit.Corpus.file("onnx/silero_vad_legacy.onnx"));
        List<ProtoTree.Field> root = ProtoTree.parse(onnx);
        assertNotNull(root, "an ONNX model parses as a protobuf message");
        assertArrayEquals(onnx, ProtoTree.encode(root));
        // and nests: the graph (field 7) holds nodes (field 1) with op types (field 4)
        ProtoTree.Field graph = root.stream().filter(f -> f.number == 7).findFirst().orElseThrow();
        assertTrue(graph.all(1).stream().anyMatch(node -> node.kid(4) != null && node.kid(4).text() != null));
    }
}
