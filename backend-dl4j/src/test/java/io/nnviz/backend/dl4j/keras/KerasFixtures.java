package io.nnviz.backend.dl4j.keras;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Small Keras files written here to the formats' layouts (jHDF writes the HDF5): an 8 x 8 grey
 * image through Conv2D(4, 3x3) "conv", Flatten, Dense(2) "dense", as a Keras 3 archive and as a
 * Keras 2 HDF5 file; each part can be replaced to make a hostile one.
 */
final class KerasFixtures {
    /** The kernel's values: HWIO [3, 3, 1, 4], value = 1000 h + 100 w + o, so a layout's mistake shows. */
    static float[][][][] kernel() {
        float[][][][] k = new float[3][3][1][4];
        for (int h = 0; h < 3; h++) {
            for (int w = 0; w < 3; w++) {
                for (int o = 0; o < 4; o++) {
                    k[h][w][0][o] = 1000 * h + 100 * w + o;
                }
            }
        }
        return k;
    }

    static float[][] dense() {
        float[][] d = new float[144][2];
        for (int i = 0; i < 144; i++) {
            d[i][0] = i;
            d[i][1] = -i;
        }
        return d;
    }

    static final String K3_LAYERS = "["
            + "{\"module\":\"keras.layers\",\"class_name\":\"InputLayer\",\"config\":{\"batch_shape\":[null,8,8,1],\"dtype\":\"float32\","
            + "\"name\":\"image\"},\"registered_name\":null,\"name\":\"image\",\"inbound_nodes\":[]},"
            + "{\"module\":\"keras.layers\",\"class_name\":\"Conv2D\",\"config\":{\"name\":\"conv\",\"filters\":4,\"kernel_size\":[3,3],"
            + "\"strides\":[1,1],\"padding\":\"valid\",\"activation\":\"relu\",\"use_bias\":true},\"name\":\"conv\",\"inbound_nodes\":"
            + "[{\"args\":[{\"class_name\":\"__keras_tensor__\",\"config\":{\"shape\":[null,8,8,1],\"keras_history\":[\"image\",0,0]}}],"
            + "\"kwargs\":{}}]},"
            + "{\"module\":\"keras.layers\",\"class_name\":\"Flatten\",\"config\":{\"name\":\"flatten\"},\"name\":\"flatten\",\"inbound_nodes\":"
            + "[{\"args\":[{\"class_name\":\"__keras_tensor__\",\"config\":{\"keras_history\":[\"conv\",0,0]}}],\"kwargs\":{}}]},"
            + "{\"module\":\"keras.layers\",\"class_name\":\"Dense\",\"config\":{\"name\":\"dense\",\"units\":2,\"activation\":\"softmax\"},"
            + "\"name\":\"dense\",\"inbound_nodes\":[{\"args\":[{\"class_name\":\"__keras_tensor__\",\"config\":{\"keras_history\":"
            + "[\"flatten\",0,0]}}],\"kwargs\":{}}]}]";

    static String k3Config(String layers) {
        return "{\"module\":\"keras.src.models.functional\",\"class_name\":\"Functional\",\"config\":{\"name\":\"tiny\",\"trainable\":true,"
                + "\"layers\":" + layers + ",\"input_layers\":[[\"image\",0,0]],\"output_layers\":[[\"dense\",0,0]]},"
                + "\"registered_name\":\"Functional\"}";
    }

    /**
     * The tiny model's Keras 3 weights: dataset path to values. The empty groups Keras writes for layers
     * without variables are left out: jHDF 0.9.4 writes a file whose empty group has a sibling wrongly.
     */
    static Map<String, Object> k3Datasets() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layers/conv2d/vars/0", kernel());
        m.put("layers/conv2d/vars/1", new float[] {1, 2, 3, 4});
        m.put("layers/dense/vars/0", dense());
        m.put("layers/dense/vars/1", new float[] {0.5f, -0.5f});
        return m;
    }

    /** An HDF5 file of these datasets (a null value: a group), as bytes. */
    static byte[] h5(Path dir, Map<String, Object> datasets) throws IOException {
        Path h5 = Files.createTempFile(dir, "weights", ".h5");
        try (WritableHdfFile f = HdfFile.write(h5)) {
            for (Map.Entry<String, Object> e : datasets.entrySet()) {
                String[] parts = e.getKey().split("/");
                WritableGroup g = f;
                int groups = e.getValue() == null ? parts.length : parts.length - 1;
                for (int i = 0; i < groups; i++) {
                    g = g.getChild(parts[i]) instanceof WritableGroup w ? w : g.putGroup(parts[i]);
                }
                if (e.getValue() != null) {
                    g.putDataset(parts[parts.length - 1], e.getValue());
                }
            }
        }
        return Files.readAllBytes(h5);
    }

    /** A .keras archive of the given entries (name to bytes), deflated as zipfile does when asked. */
    static Path archive(Path file, Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return Files.write(file, out.toByteArray());
    }

    static Path keras3(Path dir, String name, String config, byte[] weights) throws IOException {
        return archive(dir.resolve(name), Map.of("metadata.json", "{\"keras_version\":\"3.8.0\"}".getBytes(StandardCharsets.UTF_8),
                "config.json", config.getBytes(StandardCharsets.UTF_8), "model.weights.h5", weights));
    }

    /** The tiny model as Keras 2's model.save writes it: model_config, model_weights/<layer>/<layer>/kernel:0, ... */
    static Path keras2(Path file, String modelConfig, Consumer<WritableHdfFile> edit) {
        try (WritableHdfFile f = HdfFile.write(file)) {
            f.putAttribute("keras_version", "2.13.1");
            f.putAttribute("backend", "tensorflow");
            f.putAttribute("model_config", modelConfig);
            WritableGroup mw = f.putGroup("model_weights");
            mw.putAttribute("layer_names", new String[] {"image", "conv", "flatten", "dense"});
            // the groups of layers without weights are left out (jHDF 0.9.4 writes empty groups with siblings wrongly)
            WritableGroup conv = mw.putGroup("conv");
            conv.putAttribute("weight_names", new String[] {"conv/kernel:0", "conv/bias:0"});
            WritableGroup cw = conv.putGroup("conv");
            cw.putDataset("kernel:0", kernel());
            cw.putDataset("bias:0", new float[] {1, 2, 3, 4});
            WritableGroup dense = mw.putGroup("dense");
            dense.putAttribute("weight_names", new String[] {"dense/kernel:0", "dense/bias:0"});
            WritableGroup dw = dense.putGroup("dense");
            dw.putDataset("kernel:0", dense());
            dw.putDataset("bias:0", new float[] {0.5f, -0.5f});
            edit.accept(f);
        }
        return file;
    }

    static final String K2_CONFIG = "{\"class_name\": \"Functional\", \"config\": {\"name\": \"tiny\", \"layers\": ["
            + "{\"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": [null, 8, 8, 1], \"name\": \"image\"}, \"name\": \"image\","
            + " \"inbound_nodes\": []},"
            + "{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv\", \"filters\": 4, \"kernel_size\": [3, 3], \"strides\": [1, 1],"
            + " \"padding\": \"valid\", \"activation\": \"relu\", \"use_bias\": true}, \"name\": \"conv\", \"inbound_nodes\": [[[\"image\", 0, 0, {}]]]},"
            + "{\"class_name\": \"Flatten\", \"config\": {\"name\": \"flatten\"}, \"name\": \"flatten\", \"inbound_nodes\": [[[\"conv\", 0, 0, {}]]]},"
            + "{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense\", \"units\": 2, \"activation\": \"softmax\"}, \"name\": \"dense\","
            + " \"inbound_nodes\": [[[\"flatten\", 0, 0, {}]]]}],"
            + " \"input_layers\": [[\"image\", 0, 0]], \"output_layers\": [[\"dense\", 0, 0]]}}";

    private KerasFixtures() {
    }
}
