package io.nnviz.backend.dl4j.keras;

import com.fasterxml.jackson.databind.JsonNode;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.nnviz.api.Edge;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.api.spi.FileGate;
import io.nnviz.api.spi.ModelFormat;
import io.nnviz.api.spi.Printable;
import io.nnviz.api.spi.SafeFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The one place where nnviz reads Keras files itself, without a framework: Keras 3 archives
 * ({@code .keras}: {@code config.json}, {@code metadata.json}, {@code model.weights.h5}) and Keras
 * HDF5 files ({@code model_config} and {@code model_weights}) that DL4J's import refuses. The
 * architecture comes from the configuration ({@link KerasConfig}), the weights' places from the
 * HDF5 file ({@link KerasStore}); every part is checked first ({@link KerasChecks}: the archive's
 * entries, the JSON's size and nesting, the HDF5 structure against the file's bytes and the memory
 * budget). The model has weights only ({@link KerasModel}). Public only so that the DL4J backend can
 * hand files to it. Stateless and thread-safe.
 */
public final class KerasFiles {
    /** The largest {@code model.weights.h5} read from an archive (it is held in memory, as one array). */
    static final long MAX_ARCHIVED_WEIGHTS = Integer.MAX_VALUE - 64L;
    private static final long MAX_METADATA = 1 << 20;

    private KerasFiles() {
    }

    /** True for a file the file gate says is a Keras 3 archive or a Keras HDF5 file; never throws. */
    public static boolean canLoad(Path path) {
        return FileGate.recognize(path).is(ModelFormat.KERAS_V3, ModelFormat.KERAS_HDF5);
    }

    /** Opens a Keras file with nnviz's own reading; {@code options} give the memory budget (a Keras file states its input). */
    public static ModelView open(Path path, LoadOptions options) {
        return open(path, options, null);
    }

    /**
     * As {@link #open(Path, LoadOptions)}, for a Keras HDF5 file DL4J's import refused with {@code refusal}
     * (one line; null when DL4J was not asked), which the model's properties and capability messages say.
     */
    public static ModelView open(Path path, LoadOptions options, String refusal) {
        if (options.singleInputShape(String.valueOf(path == null ? null : path.getFileName())) != null) {
            throw new ModelLoadException(path, "a Keras file states its input shape; an input shape is taken for DL4J zips");
        }
        if (SafeFiles.requireRegularFile(path) == 0) {
            throw new ModelLoadException(path, "the file is empty");
        }
        FileGate.Recognition r = FileGate.recognize(path);
        try {
            if (r.is(ModelFormat.KERAS_V3)) {
                return archive(path, options.memoryBudget());
            }
            if (r.is(ModelFormat.KERAS_HDF5)) {
                return hdf5(path, options.memoryBudget(), refusal);
            }
        } catch (NnvizException e) {
            throw e instanceof ModelLoadException m ? m : new ModelLoadException(path, Printable.oneLine(e.getMessage()), e);
        } catch (IOException | RuntimeException | StackOverflowError e) {
            throw new ModelLoadException(path, "its Keras file could not be read (" + e.getClass().getSimpleName() + ": "
                    + Printable.oneLine(String.valueOf(e.getMessage())) + ")", e);
        }
        throw new ModelLoadException(path, "not a Keras file: " + r.line());
    }

    private static ModelView archive(Path p, long budget) throws IOException {
        JsonNode config, metadata = null;
        byte[] weights;
        try (ZipFile z = new ZipFile(p.toFile())) {
            Map<String, ZipEntry> byName = new LinkedHashMap<>();
            KerasChecks.entries(p, z, budget).forEach(e -> byName.put(e.getName(), e));
            ZipEntry c = byName.get("config.json"), m = byName.get("metadata.json"), w = byName.get("model.weights.h5");
            if (c == null || w == null) {
                throw new ModelLoadException(p, byName.containsKey("model.weights.npz")
                        ? "its weights are in model.weights.npz; nnviz reads the HDF5 weights Keras saves by default (model.weights.h5)"
                        : "a .keras archive holds config.json and model.weights.h5; this one lacks " + (c == null ? "config.json" : "model.weights.h5"));
            }
            config = KerasChecks.json(p, "config.json", KerasChecks.read(p, z, c, KerasChecks.MAX_JSON_BYTES));
            if (m != null) {
                metadata = KerasChecks.json(p, "metadata.json", KerasChecks.read(p, z, m, MAX_METADATA));
            }
            weights = KerasChecks.read(p, z, w, Math.min(MAX_ARCHIVED_WEIGHTS, budget));
        }
        HdfFile h5 = HdfFile.fromByteBuffer(ByteBuffer.wrap(weights));
        try {
            KerasChecks.hdf5(p, h5, weights.length, budget);
            KerasConfig.Graph g = KerasConfig.read(p, config);
            KerasStore.Located located = KerasStore.keras3(p, h5, g);
            Map<String, String> props = new LinkedHashMap<>();
            props.put("format", "Keras 3 archive (.keras)");
            if (metadata != null && metadata.path("keras_version").isTextual()) {
                props.put("keras version", metadata.get("keras_version").asText());
            }
            String why = "nnviz reads a Keras 3 archive itself, for its architecture and weights; no Java framework runs Keras 3 models:"
                    + " export it (model.export(\"saved_model\")) and open that folder with the TensorFlow backend to see activations and"
                    + " gradients";
            return model(p, g, located, h5, props, "optimizer", why);
        } catch (RuntimeException | Error e) {
            h5.close();
            throw e;
        }
    }

    /**
     * What a checked Keras HDF5 file holds: its root {@code model_config} (Keras's model as JSON;
     * null if none) and the bytes its datasets declare, all backed by the file.
     */
    public record Hdf5Contents(String modelConfig, long datasetBytes) {
    }

    /**
     * Checks a Keras HDF5 file's structure before anything reads its values (no links or external
     * storage, declared sizes backed by the file, within {@code budget}) and returns its
     * {@code model_config}: the one place that knows the format, for DL4J's import as for nnviz's own reading.
     */
    public static Hdf5Contents checkHdf5(Path p, long budget) {
        return KerasChecks.hdf5File(p, budget);
    }

    private static ModelView hdf5(Path p, long budget, String refusal) throws IOException {
        HdfFile h5 = KerasChecks.open(p);
        try {
            KerasChecks.hdf5(p, h5, SafeFiles.requireRegularFile(p), budget);
            List<String> text = KerasStore.strings(p, h5, "model_config");
            if (text.isEmpty()) {
                throw new ModelLoadException(p, "its HDF5 holds no model_config (a weights-only file, as save_weights writes): nnviz"
                        + " reads the architecture from the file model.save writes (.h5 or .keras)");
            }
            byte[] json = String.join("", text).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            KerasConfig.Graph g = KerasConfig.read(p, KerasChecks.json(p, "model_config", json));
            KerasStore.Located located = KerasStore.keras2(p, h5, g);
            Map<String, String> props = new LinkedHashMap<>();
            props.put("format", "Keras HDF5 (model.save)");
            List<String> version = KerasStore.strings(p, h5, "keras_version");
            if (!version.isEmpty()) {
                props.put("keras version", Printable.oneLine(version.get(0)));
            }
            String why;
            if (refusal != null) {
                props.put("DL4J import", "refused: " + Printable.oneLine(refusal));
                why = "DL4J's Keras import refused this file (" + Printable.oneLine(refusal) + "), so nnviz read its architecture and"
                        + " weights itself; to see activations and gradients, export the model as a SavedModel (model.export or"
                        + " tf.saved_model.save) and open that folder with the TensorFlow backend";
            } else {
                why = "nnviz read this Keras file itself, for its architecture and weights; open it through the DL4J backend"
                        + " (NNViz.load) to run it, or export it as a SavedModel for the TensorFlow backend";
            }
            return model(p, g, located, h5, props, "optimizer_weights", why);
        } catch (RuntimeException | Error e) {
            h5.close();
            throw e;
        }
    }

    private static ModelView model(Path p, KerasConfig.Graph g, KerasStore.Located located, HdfFile h5, Map<String, String> props,
                                   String optimizerGroup, String why) {
        KerasDescriber.Described d = KerasDescriber.describe(p, g, located.weights());
        props.put("model", g.className() + " " + Printable.oneLine(g.name()));
        props.put("read by", "nnviz (architecture and weights; no framework runs it)");
        props.put("trainable parameters", String.valueOf(d.trainable()));
        props.put("non-trainable parameters", d.nonTrainable() + " (moving statistics and frozen layers' weights; counted in the total,"
                + " as Keras counts them)");
        int optimizer = count(h5.getChildren().get(optimizerGroup), 0);
        if (optimizer > 0) {
            props.put("optimizer variables", optimizer + " (not parameters)");
        }
        if (located.others() > 0) {
            props.put("other layer variables", located.others() + " (integer state such as seeds and counters; not parameters)");
        }
        List<Edge> edges = g.edges().stream().map(e -> new Edge(e[0], e[1])).toList();
        return new KerasModel(p, String.valueOf(p.getFileName()), d.layers(), edges, g.groups(), props, h5, located.weights(), why);
    }

    private static int count(Node n, int depth) {
        if (n instanceof Dataset) {
            return 1;
        }
        int c = 0;
        if (n instanceof Group g && depth < KerasChecks.MAX_DEPTH) {
            for (Node x : g.getChildren().values()) {
                c += count(x, depth + 1);
            }
        }
        return c;
    }
}
