package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.api.WeightTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real pretrained ONNX model: all-MiniLM-L6-v2 (a 6-layer BERT) from the langchain4j artifact. */
class OnnxTest {
    @TempDir
    static Path dir;

    static Path minilm() throws Exception {
        Path p = dir.resolve("all-minilm-l6-v2.onnx");
        if (!Files.exists(p)) {
            try (InputStream in = OnnxTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
                Files.copy(in, p);
            }
        }
        return p;
    }

    @Test
    void theGraphMatchesWhatItsProtobufDeclares() throws Exception {
        Path onnx = minilm();
        OnnxMl.ModelProto proto;
        try (InputStream in = Files.newInputStream(onnx)) {
            proto = OnnxMl.ModelProto.parseFrom(in);
        }
        long declared = 0;
        for (OnnxMl.TensorProto t : proto.getGraph().getInitializerList()) {
            if (t.getDataType() == OnnxMl.TensorProto.DataType.FLOAT.getNumber() && t.getDimsCount() > 0) {
                long n = 1;
                for (long d : t.getDimsList()) {
                    n *= d;
                }
                declared += n;
            }
        }
        Map<String, Long> declaredOps = proto.getGraph().getNodeList().stream().filter(n -> !n.getOpType().equals("Constant"))
                .collect(Collectors.groupingBy(OnnxMl.NodeProto::getOpType, TreeMap::new, Collectors.counting()));
        long t0 = System.nanoTime();
        try (ModelView m = NNViz.load(onnx)) {
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 1000, "opened in " + ms + " ms");
            Map<String, Long> ops = m.layers().stream().filter(l -> l.kind() != LayerKind.INPUT)
                    .collect(Collectors.groupingBy(LayerInfo::frameworkType, TreeMap::new, Collectors.counting()));
            assertEquals(declaredOps, ops, "op types and counts; Constant nodes (shape values here) are not layers");
            assertEquals(proto.getGraph().getNodeCount() - 146, ops.values().stream().mapToLong(Long::longValue).sum());
            assertEquals(declared, m.parameterCount(), "parameters: the float initializers' elements");
            assertTrue(declared > 20_000_000, "a 22 M-parameter model: " + declared);
            assertTrue(m.layers().stream().filter(l -> l.kind() == LayerKind.INPUT).count() >= 2, "input_ids, attention_mask, ...");
            // a weight's values are the initializer's
            LayerInfo embed = m.layers().stream().filter(l -> l.kind() == LayerKind.EMBEDDING).findFirst().orElseThrow();
            WeightTensor w = m.weights(embed.id()).get(0);
            assertEquals(2, w.values().rank());
            assertTrue(w.values().stats().std() > 0, "real trained values");
        }
    }

    @Test
    void foreignAndTruncatedOnnxFilesAreClearErrors() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.onnx"), "not a model at all");
        NnvizException e = assertThrows(NnvizException.class, () -> NNViz.load(text));
        assertTrue(e.getMessage().contains("notes.onnx"), e.getMessage());
        Path cut = dir.resolve("cut.onnx");
        try (InputStream in = Files.newInputStream(minilm())) {
            Files.write(cut, in.readNBytes(1_000_000));
        }
        NnvizException e2 = assertThrows(NnvizException.class, () -> NNViz.load(cut));
        assertTrue(e2.getMessage().contains("cut.onnx"), e2.getMessage());
    }
}
