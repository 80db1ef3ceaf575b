package io.nnviz.backend.djl.torchscript;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nnviz.NNViz;
import io.nnviz.api.Capability;
import io.nnviz.api.Group;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;
import io.nnviz.api.WeightTensor;
import io.nnviz.backend.djl.JavaConv;
import io.nnviz.testkit.Corpus;
import io.nnviz.testkit.FiniteDifferences;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TorchScript files nobody here made the models of (corpus/fetch.sh): the pretrained face
 * anti-spoofing and liveness CNNs of @vladmandic/human rebuilt in PyTorch, and torchvision's
 * ResNet-18 and RegNetX-400MF (torchvision's seeded initial weights: pretrained ones are not on a
 * package registry) for deep module trees. Each is checked against what PyTorch says of it.
 */
@Tag("corpus")
@Tag("natives")
class TorchScriptCorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LayerKind kindOf(String torchClass) {
        if (torchClass.startsWith("Conv")) {
            return LayerKind.CONV;
        }
        if (torchClass.equals("Linear")) {
            return LayerKind.DENSE;
        }
        // Affine is the corpus script's folded batch norm: a per-channel scale and shift
        if (torchClass.startsWith("BatchNorm") || torchClass.endsWith("Norm") || torchClass.equals("Affine")) {
            return LayerKind.NORM;
        }
        return LayerKind.OTHER;
    }

    @ParameterizedTest
    @ValueSource(strings = {"antispoof", "liveness", "resnet18", "regnet_x_400mf", "resnet50", "mobilenet_v2"})
    void aTorchScriptFileShowsItsModuleTreeAndComputesWhatPyTorchComputes(String name) throws Exception {
        String base = "torchscript/" + name;
        JsonNode oracle = JSON.readTree(Corpus.file(base + ".oracle.json").toFile());
        Tensor x = Corpus.tensor(base + ".input.npy");
        try (ModelView m = NNViz.load(Corpus.file(base + ".pt"))) {
            assertEquals(name + ".pt", m.name());
            assertTrue(m.properties().get("edges").startsWith("unknown"), m.properties().toString());
            assertTrue(m.edges().isEmpty());
            // one layer per module owning parameters, of the kind PyTorch's class says, in PyTorch's order
            Map<String, LayerKind> theirs = new LinkedHashMap<>(), ours = new LinkedHashMap<>();
            oracle.get("modules").fields().forEachRemaining(e -> theirs.put(e.getKey(), kindOf(e.getValue().asText())));
            m.layers().stream().filter(l -> l.kind() != LayerKind.INPUT && l.kind() != LayerKind.OUTPUT)
                    .forEach(l -> ours.put(l.id(), l.kind()));
            assertEquals(new ArrayList<>(theirs.entrySet()), new ArrayList<>(ours.entrySet()), "modules and kinds");
            assertEquals(oracle.get("parameters").asLong(), m.parameterCount());
            // groups: every module above a layer, nested as the dotted names nest
            for (LayerInfo l : m.layers()) {
                if (l.groupId() != null) {
                    Group g = m.groups().stream().filter(gr -> gr.id().equals(l.groupId())).findFirst().orElseThrow();
                    assertTrue(l.id().startsWith(g.id() + "."), l.id() + " in " + g.id());
                    assertTrue(g.layerIds().contains(l.id()));
                }
            }
            for (Group g : m.groups()) {
                assertTrue(g.parentId() == null || g.id().startsWith(g.parentId() + "."), g.id() + " under " + g.parentId());
            }
            long known = m.layers().stream().filter(l -> l.outputShape() != null).count();
            assertTrue(known >= 0.95 * (m.layers().size() - 1), known + " of " + m.layers().size() + " shapes known (the output's needs an input shape)");

            // the first convolution: PyTorch's own output equals a convolution of the input by nnviz's weights
            String conv = oracle.get("firstConv").asText();
            List<WeightTensor> w = m.weights(conv);
            long[] stride = longs(oracle.get("firstConvStride")), pad = longs(oracle.get("firstConvPadding"));
            Tensor mine = JavaConv.conv2d(x, w.get(0).values(), w.size() > 1 ? w.get(1).values() : null, stride,
                    new long[] {pad[0], pad[1], pad[0], pad[1]}, new long[] {1, 1}, oracle.get("firstConvGroups").asInt());
            Corpus.assertClose(Corpus.tensor(base + "." + conv + ".npy"), mine, 1e-4, "first convolution " + conv);
            UnsupportedCapabilityException inner = assertThrows(UnsupportedCapabilityException.class,
                    () -> m.activations(x, List.of(conv)));
            assertTrue(inner.getMessage().contains("whole"), inner.getMessage());

            Tensor out = m.activations(x, List.of("output")).get("output");
            Corpus.assertClose(Corpus.tensor(base + ".output.npy"), out, 1e-4, "output");

            // saliency through PyTorch's autograd, against finite differences of PyTorch's own output
            assertTrue(m.capabilities().contains(Capability.INPUT_GRADIENT));
            int target = out.size() > 1 ? 1 : 0;
            Tensor g = m.inputGradient(x, target);
            // scaled so that the largest derivative is 1: the tolerance is then relative for small gradients too
            double k = 1 / Math.max(Math.abs(g.stats().max()), Math.abs(g.stats().min()));
            float[] scaled = g.toArray();
            for (int i = 0; i < scaled.length; i++) {
                scaled[i] *= (float) k;
            }
            FiniteDifferences.assertMatches(x, Tensor.of(g.shape(), scaled), v -> k * m.activations(Tensor.of(x.shape(), v),
                    List.of("output")).get("output").getFlat(target), 1e-2, 5e-2, 5);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet18"})
    void anInputShapeGivenAtLoadGivesTheOutputShape(String name) throws Exception {
        JsonNode oracle = JSON.readTree(Corpus.file("torchscript/" + name + ".oracle.json").toFile());
        try (ModelView m = NNViz.load(Corpus.file("torchscript/" + name + ".pt"), io.nnviz.api.LoadOptions.defaults()
                .inputShape(longs(oracle.get("inputShape"))))) {
            LayerInfo out = m.layer("output").orElseThrow();
            assertNotNull(out.outputShape());
            assertEquals(io.nnviz.api.Shape.of(-1, 1000), out.outputShape());
            assertEquals(io.nnviz.api.Shape.of(-1, 3, 64, 64), m.layers().get(0).outputShape());
        }
        // a shape the module cannot run on: refused at load, naming the file and the shape
        io.nnviz.api.ModelLoadException e = assertThrows(io.nnviz.api.ModelLoadException.class, () -> NNViz.load(
                Corpus.file("torchscript/" + name + ".pt"), io.nnviz.api.LoadOptions.defaults().inputShape(1, 5, 64, 64)));
        assertTrue(e.getMessage().contains(name + ".pt") && e.getMessage().contains("[1, 5, 64, 64]"), e.getMessage());
    }

    private static long[] longs(JsonNode a) {
        long[] v = new long[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asLong();
        }
        return v;
    }
}
