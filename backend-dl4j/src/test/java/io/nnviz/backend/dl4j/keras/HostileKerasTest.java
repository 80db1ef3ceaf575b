package io.nnviz.backend.dl4j.keras;

import io.nnviz.NNViz;
import io.nnviz.api.Capability;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keras files are untrusted data (issue 29 under #27's rules): a well-formed tiny model opens with
 * its layout converted, and each hostile one (a configuration that is not JSON or nests too deep,
 * cyclic or dangling calls, models nested too deep, a layer whose weights are missing or of the
 * wrong shape, an archive entry declared huge or named outside the archive) is refused at once in
 * one line naming the file.
 */
class HostileKerasTest {
    @TempDir
    Path dir;

    private Path keras3(String name, String config) throws Exception {
        return KerasFixtures.keras3(dir, name, config, KerasFixtures.h5(dir, KerasFixtures.k3Datasets()));
    }

    private static String refusal(Path p, String says) {
        return refusal(p, says, () -> NNViz.load(p));
    }

    private static String refusal(Path p, String says, Supplier<ModelView> open) {
        long start = System.nanoTime();
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> open.get().close());
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "refused at once");
        String m = e.getMessage();
        assertTrue(m.contains(says) && m.contains(p.getFileName().toString()), m);
        assertFalse(m.contains("\n"), m);
        return m;
    }

    @Test
    void aTinyKeras3ArchiveOpensWithItsWeightsInNnvizsLayouts() throws Exception {
        Path p = keras3("tiny.keras", KerasFixtures.k3Config(KerasFixtures.K3_LAYERS));
        try (ModelView m = NNViz.load(p)) {
            assertEquals("Keras", m.framework());
            assertEquals(List.of("image", "conv", "flatten", "dense"), m.layers().stream().map(LayerInfo::id).toList());
            assertEquals(Shape.of(-1, 4, 6, 6), m.layer("conv").orElseThrow().outputShape());
            assertEquals(Shape.of(-1, 144), m.layer("flatten").orElseThrow().outputShape());
            assertEquals(4 * 9 + 4 + 144 * 2 + 2, m.parameterCount());
            WeightTensor k = m.weights("conv").get(0);
            assertEquals(WeightRole.KERNEL, k.role());
            assertEquals(Shape.of(4, 1, 3, 3), k.values().shape()); // HWIO -> OIHW
            assertEquals(2000 + 100 + 3, k.values().get(3, 0, 2, 1)); // o = 3, h = 2, w = 1
            Tensor d = m.weights("dense").get(0).values();
            assertEquals(Shape.of(2, 144), d.shape()); // [in, out] -> [out, in]
            assertEquals(-7, d.get(1, 7));
            assertEquals("Keras 3 archive (.keras)", m.properties().get("format"));
            UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                    () -> m.activations(Tensor.zeros(1, 1, 8, 8), List.of("conv")));
            assertTrue(e.getMessage().contains("no Java framework runs Keras 3 models") && !e.getMessage().contains("\n"), e.getMessage());
            assertFalse(m.capabilities().contains(Capability.ACTIVATIONS));
        }
    }

    @Test
    void aTinyKeras2FileOpensTheSame() throws Exception {
        Path p = KerasFixtures.keras2(dir.resolve("tiny.h5"), KerasFixtures.K2_CONFIG, f -> { });
        try (ModelView m = KerasFiles.open(p, LoadOptions.defaults())) {
            assertEquals(4 * 9 + 4 + 144 * 2 + 2, m.parameterCount());
            assertEquals(2000 + 100 + 3, m.weights("conv").get(0).values().get(3, 0, 2, 1));
            assertEquals(Shape.of(-1, 2), m.layer("dense").orElseThrow().outputShape());
        }
    }

    /** Keras 2 keeps a nested model's weights in one group, each named after its own layer: they go to the layers inside. */
    @Test
    void aNestedKeras2ModelsWeightsGoToItsLayers() throws Exception {
        String config = "{\"class_name\": \"Functional\", \"config\": {\"name\": \"outer\", \"layers\": ["
                + "{\"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": [null, 3], \"name\": \"x\"}, \"name\": \"x\","
                + " \"inbound_nodes\": []},"
                + "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"encoder\", \"trainable\": false, \"layers\": ["
                + "{\"class_name\": \"Dense\", \"config\": {\"name\": \"inner\", \"units\": 5, \"batch_input_shape\": [null, 3]}}]},"
                + " \"name\": \"encoder\", \"inbound_nodes\": [[[\"x\", 0, 0, {}]]]},"
                + "{\"class_name\": \"Dense\", \"config\": {\"name\": \"head\", \"units\": 2}, \"name\": \"head\","
                + " \"inbound_nodes\": [[[\"encoder\", 1, 0, {}]]]}],"
                + " \"input_layers\": [[\"x\", 0, 0]], \"output_layers\": [[\"head\", 0, 0]]}}";
        Path p = dir.resolve("nested.h5");
        try (io.jhdf.WritableHdfFile f = io.jhdf.HdfFile.write(p)) {
            f.putAttribute("model_config", config);
            io.jhdf.api.WritableGroup mw = f.putGroup("model_weights");
            io.jhdf.api.WritableGroup enc = mw.putGroup("encoder");
            enc.putAttribute("weight_names", new String[] {"inner/kernel:0", "inner/bias:0"});
            io.jhdf.api.WritableGroup inner = enc.putGroup("inner");
            inner.putDataset("kernel:0", new float[3][5]);
            inner.putDataset("bias:0", new float[5]);
            io.jhdf.api.WritableGroup head = mw.putGroup("head");
            head.putAttribute("weight_names", new String[] {"head/kernel:0", "head/bias:0"});
            io.jhdf.api.WritableGroup hw = head.putGroup("head");
            hw.putDataset("kernel:0", new float[5][2]);
            hw.putDataset("bias:0", new float[2]);
        }
        try (ModelView m = KerasFiles.open(p, LoadOptions.defaults())) {
            assertEquals(List.of("x", "encoder/inner_input", "encoder/inner", "head"), m.layers().stream().map(LayerInfo::id).toList());
            assertEquals(Shape.of(5, 3), m.layer("encoder/inner").orElseThrow().weights().get(0).shape());
            assertEquals(Shape.of(-1, 2), m.layer("head").orElseThrow().outputShape());
            assertEquals(1, m.groups().size());
            assertEquals(32, m.parameterCount());
            assertEquals("12", m.properties().get("trainable parameters")); // the encoder is frozen
        }
    }

    @Test
    void aConfigurationThatIsNotJsonOrNestsTooDeepIsOneLine() throws Exception {
        refusal(keras3("notjson.keras", "{\"class_name\": \"Functional\", \"config\": {"), "its config.json is not JSON");
        refusal(keras3("deep.keras", "[".repeat(300) + "]".repeat(300)), "nests deeper than 256 levels");
        refusal(keras3("array.keras", "[1, 2]"), "is not a JSON object");
        refusal(keras3("other.keras", "{\"class_name\": \"Dense\", \"config\": {}}"), "not a Sequential or Functional model");
    }

    @Test
    void cyclicAndDanglingCallsAreOneLine() throws Exception {
        String cyclic = KerasFixtures.K3_LAYERS.replace("\"keras_history\":[\"image\",0,0]", "\"keras_history\":[\"dense\",0,0]");
        refusal(keras3("cycle.keras", KerasFixtures.k3Config(cyclic)), "make a cycle");
        String dangling = KerasFixtures.K3_LAYERS.replace("\"keras_history\":[\"flatten\",0,0]", "\"keras_history\":[\"nowhere\",0,0]");
        refusal(keras3("dangling.keras", KerasFixtures.k3Config(dangling)), "is called on 'nowhere', which is no layer of its model");
        String self = KerasFixtures.K2_CONFIG.replace("[[[\"conv\", 0, 0, {}]]]", "[[[\"flatten\", 0, 0, {}]]]");
        Path h5 = KerasFixtures.keras2(dir.resolve("self.h5"), self, f -> { });
        refusal(h5, "make a cycle", () -> KerasFiles.open(h5, LoadOptions.defaults()));
    }

    @Test
    void modelsNestedTooDeepAreOneLine() throws Exception {
        String inner = "{\"class_name\":\"Dense\",\"config\":{\"name\":\"d\",\"units\":2,\"batch_input_shape\":[null,3]}}";
        for (int i = 0; i < 40; i++) {
            inner = "{\"class_name\":\"Sequential\",\"config\":{\"name\":\"s" + i + "\",\"layers\":[" + inner + "]}}";
        }
        refusal(keras3("nested.keras", inner), "its models nest deeper than 32 levels");
    }

    @Test
    void aLayerWhoseWeightsAreMissingOrOfTheWrongShapeIsOneLine() throws Exception {
        String config = KerasFixtures.k3Config(KerasFixtures.K3_LAYERS);
        Map<String, Object> missing = KerasFixtures.k3Datasets();
        missing.remove("layers/conv2d/vars/0");
        missing.remove("layers/conv2d/vars/1");
        refusal(KerasFixtures.keras3(dir, "missing.keras", config, KerasFixtures.h5(dir, missing)), "its layer 'conv' (Conv2D) has no kernel");
        Map<String, Object> wrong = KerasFixtures.k3Datasets();
        wrong.put("layers/conv2d/vars/0", new float[3][3][2][4]);
        refusal(KerasFixtures.keras3(dir, "wrong.keras", config, KerasFixtures.h5(dir, wrong)),
                "has a kernel of shape [3, 3, 2, 4] in the file; its configuration and input make it [3, 3, 1, 4]");
        Map<String, Object> dense = KerasFixtures.k3Datasets();
        dense.put("layers/dense/vars/0", new float[100][2]);
        refusal(KerasFixtures.keras3(dir, "dense.keras", config, KerasFixtures.h5(dir, dense)), "its layer 'dense' (Dense) has a kernel");
        Path h5 = KerasFixtures.keras2(dir.resolve("listed.h5"), KerasFixtures.K2_CONFIG,
                f -> ((io.jhdf.api.WritableGroup) f.getChild("model_weights")).putGroup("dense_extra")
                        .putAttribute("weight_names", new String[] {"dense_extra/kernel:0"}));
        try (ModelView m = KerasFiles.open(h5, LoadOptions.defaults())) {
            assertEquals(330, m.parameterCount()); // a group no layer of the configuration has is not read
        }
        Path listed = KerasFixtures.keras2(dir.resolve("gone.h5"), KerasFixtures.K2_CONFIG,
                f -> ((io.jhdf.api.WritableGroup) f.getChild("model_weights")).putGroup("flatten").putAttribute("weight_names",
                        new String[] {"flatten/kernel:0"}));
        refusal(listed, "its layer 'flatten' lists the weight 'flatten/kernel:0', which the file does not hold",
                () -> KerasFiles.open(listed, LoadOptions.defaults()));
    }

    @Test
    void anArchiveEntryDeclaredHugeOrOutsideTheArchiveIsRefused() throws Exception {
        Path ok = keras3("ok.keras", KerasFixtures.k3Config(KerasFixtures.K3_LAYERS));
        byte[] zip = Files.readAllBytes(ok);
        // the central directory's uncompressed size of model.weights.h5, rewritten to 4 GB
        byte[] name = "model.weights.h5".getBytes(StandardCharsets.US_ASCII);
        int at = central(zip, name);
        zip[at + 24] = (byte) 0xF0;
        zip[at + 25] = (byte) 0xFF;
        zip[at + 26] = (byte) 0xFF;
        zip[at + 27] = (byte) 0xFF;
        Path huge = Files.write(dir.resolve("huge.keras"), zip);
        refusal(huge, "model.weights.h5");
        // a budget smaller than the archive's declared sizes
        byte[] big = new byte[4 << 20];
        Path large = KerasFixtures.archive(dir.resolve("large.keras"), Map.of("config.json",
                KerasFixtures.k3Config(KerasFixtures.K3_LAYERS).getBytes(StandardCharsets.UTF_8), "model.weights.h5", big, "assets/x", big));
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> NNViz.load(large, LoadOptions.defaults().memoryBudget(2 << 20)).close());
        assertInstanceOf(ModelTooLargeException.class, e, e.getMessage());
        Path outside = KerasFixtures.archive(dir.resolve("outside.keras"), Map.of("config.json", "{}".getBytes(StandardCharsets.UTF_8),
                "model.weights.h5", new byte[8], "../../etc/cron.d/x", new byte[8]));
        refusal(outside, "names an entry outside itself");
        Path npz = KerasFixtures.archive(dir.resolve("npz.keras"), Map.of("config.json", "{}".getBytes(StandardCharsets.UTF_8),
                "model.weights.npz", new byte[8], "model.weights.h5x", new byte[8]));
        assertThrows(ModelLoadException.class, () -> NNViz.load(npz).close());
        Path notH5 = KerasFixtures.keras3(dir, "noth5.keras", KerasFixtures.k3Config(KerasFixtures.K3_LAYERS), new byte[4096]);
        refusal(notH5, "noth5.keras");
    }

    /** The offset of the central directory header of the entry named {@code name}. */
    private static int central(byte[] zip, byte[] name) {
        for (int i = zip.length - 46; i >= 0; i--) {
            if (zip[i] == 0x50 && zip[i + 1] == 0x4b && zip[i + 2] == 1 && zip[i + 3] == 2) {
                int n = (zip[i + 28] & 0xFF) | (zip[i + 29] & 0xFF) << 8;
                if (n == name.length && java.util.Arrays.equals(zip, i + 46, i + 46 + n, name, 0, n)) {
                    return i;
                }
            }
        }
        throw new AssertionError("no central entry");
    }
}
