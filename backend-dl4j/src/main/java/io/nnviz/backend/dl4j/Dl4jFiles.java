package io.nnviz.backend.dl4j;

import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.ModelView;
import io.nnviz.api.spi.FileGate;
import io.nnviz.api.spi.ModelFormat;
import io.nnviz.api.spi.Printable;
import io.nnviz.api.spi.SafeFiles;
import io.nnviz.backend.dl4j.keras.KerasFiles;
import org.bytedeco.hdf5.IdComponent;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.PointerScope;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.modelimport.keras.KerasModel;
import org.deeplearning4j.nn.modelimport.keras.KerasSequentialModel;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasModelBuilder;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The one place that reads DL4J's file formats: model zips ({@code ModelSerializer}'s
 * {@code configuration.json} and {@code coefficients.bin}) and Keras HDF5 files, recognised by their
 * content and checked ({@link Dl4jFileChecks}, and for Keras HDF5 {@link KerasFiles#checkHdf5}) before DL4J reads them. A
 * Keras HDF5 file DL4J's import refuses (a layer it does not support, a per-voxel Dense after a
 * Conv3D) and a Keras 3 archive, which it does not read, are read by nnviz itself
 * ({@link KerasFiles}): architecture and weights, no activations.
 */
final class Dl4jFiles {
    private enum Kind { MULTI_LAYER_ZIP, GRAPH_ZIP, KERAS_H5, KERAS_V3, UNKNOWN }

    private static volatile boolean hdf5Quiet;

    private Dl4jFiles() {
    }

    /** True if the file's content is a DL4J zip, a Keras HDF5 file or a Keras 3 archive ({@link FileGate}); never throws. */
    static boolean canLoad(Path p) {
        return FileGate.recognize(p).is(ModelFormat.DL4J_ZIP, ModelFormat.KERAS_HDF5, ModelFormat.KERAS_V3);
    }

    /** What the file is: the gate's format, and for a zip which of DL4J's two networks its configuration holds. */
    private static Kind sniff(Path p) {
        FileGate.Recognition r = FileGate.recognize(p);
        if (r.is(ModelFormat.KERAS_HDF5)) {
            return Kind.KERAS_H5;
        }
        if (r.is(ModelFormat.KERAS_V3)) {
            return Kind.KERAS_V3;
        }
        if (!r.is(ModelFormat.DL4J_ZIP)) {
            return Kind.UNKNOWN;
        }
        try (ZipFile z = new ZipFile(p.toFile())) {
            ZipEntry conf = z.getEntry("configuration.json");
            if (conf == null) {
                return Kind.UNKNOWN;
            }
            if (z.getEntry("coefficients.bin") == null) {
                throw new ModelLoadException(p, "a DL4J model zip without coefficients.bin, which holds its weights");
            }
            String json;
            try (InputStream in = z.getInputStream(conf)) {
                json = new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
            }
            return json.contains("\"vertices\"") ? Kind.GRAPH_ZIP : Kind.MULTI_LAYER_ZIP;
        } catch (IOException | RuntimeException e) {
            if (e instanceof ModelLoadException m) {
                throw m;
            }
            return Kind.UNKNOWN;
        }
    }

    /**
     * Opens a DL4J zip, a Keras .h5 file or a Keras 3 archive; anything else is a {@link ModelLoadException}
     * naming the file. The options' input shape (canonical, batch first; one input) is the input type
     * of a zip, which keeps none, and refused for a Keras file, which states its own; their memory
     * budget is the bytes the model may take (what the file declares is checked against it first).
     * A Keras file DL4J's import refuses is read by nnviz itself, weights and architecture only.
     */
    static ModelView open(Path p, LoadOptions options) {
        long[] inputShape = options.singleInputShape(String.valueOf(p == null ? null : p.getFileName()));
        long budget = options.memoryBudget();
        if (p == null) {
            throw new IllegalArgumentException("path is null");
        }
        if (SafeFiles.requireRegularFile(p) == 0) {
            throw new ModelLoadException(p, "the file is empty");
        }
        Kind kind = sniff(p);
        String name = String.valueOf(p.getFileName());
        try {
            switch (kind) {
                case MULTI_LAYER_ZIP: {
                    Dl4jFileChecks.checkZip(p, false, budget);
                    MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(p.toFile(), false);
                    InputType t = inputShape == null ? null : inputType(p, inputShape, net.getLayerWiseConfigurations().getConf(0).getLayer());
                    return Dl4jModel.of(net, t).named(name);
                }
                case GRAPH_ZIP: {
                    Dl4jFileChecks.checkZip(p, true, budget);
                    ComputationGraph g = ModelSerializer.restoreComputationGraph(p.toFile(), false);
                    if (inputShape == null) {
                        return Dl4jModel.of(g).named(name);
                    }
                    if (g.getConfiguration().getNetworkInputs().size() != 1) {
                        throw new ModelLoadException(p, "an input shape was given, but the graph has inputs "
                                + g.getConfiguration().getNetworkInputs());
                    }
                    return Dl4jModel.of(g, inputType(p, inputShape, g.getLayers().length == 0 ? null
                            : Dl4jInputTypes.firstLayerFed(g.getConfiguration()))).named(name);
                }
                case KERAS_H5:
                    if (inputShape != null) {
                        throw new ModelLoadException(p, "a Keras file states its input shape; an input shape is taken for DL4J zips");
                    }
                    // before any native code: external storage, declared sizes, then the configuration's parameters
                    KerasFiles.Hdf5Contents held = KerasFiles.checkHdf5(p, budget);
                    boolean sequential = Dl4jFileChecks.kerasClassName(held.modelConfig()).equals("Sequential");
                    Dl4jFileChecks.checkKeras(p, held, sequential, budget);
                    try {
                        return keras(p, sequential).named(name);
                    } catch (Exception | LinkageError e) {
                        return nnvizReads(p, options, rootMessage(e));
                    }
                case KERAS_V3:
                    return KerasFiles.open(p, options);
                default:
                    throw new ModelLoadException(p, "not a DL4J model zip nor a Keras HDF5 file: " + FileGate.recognize(p).line());
            }
        } catch (ModelLoadException e) {
            throw e;
        } catch (Exception | LinkageError e) {
            throw new ModelLoadException(p, describe(kind) + " could not be read: " + rootMessage(e), e);
        }
    }

    /** A Keras file DL4J's import refused with {@code refusal}, read by nnviz itself; if it cannot, one line saying both. */
    private static ModelView nnvizReads(Path p, LoadOptions options, String refusal) {
        try {
            return KerasFiles.open(p, options, refusal);
        } catch (ModelTooLargeException e) {
            throw e;
        } catch (ModelLoadException e) {
            String own = e.getMessage().substring(Math.min(e.getMessage().length(), ("cannot open model " + p + ": ").length()));
            throw new ModelLoadException(p, "DL4J's Keras import refused it (" + Printable.oneLine(refusal) + "), and nnviz's own reading"
                    + " too: " + own, e);
        }
    }

    /** The DL4J input type of a canonical shape ([N, C, H, W] in the first layer's layout, [N, F], [N, T, F]). */
    private static InputType inputType(Path p, long[] s, Layer first) {
        for (int i = 1; i < s.length; i++) {
            if (s[i] < 1) {
                throw new ModelLoadException(p, "the input shape given has a free dimension " + i + "; a DL4J zip needs them all");
            }
        }
        return switch (s.length) {
            case 2 -> InputType.feedForward(s[1]);
            case 3 -> InputType.recurrent(s[2], s[1]);
            case 4 -> InputType.convolutional(s[2], s[3], s[1], Dl4jLayerKinds.imageFormat(first) == CNN2DFormat.NHWC
                    ? CNN2DFormat.NHWC : CNN2DFormat.NCHW);
            default -> throw new ModelLoadException(p, "an input shape of rank " + s.length + " is not one DL4J takes (2, 3 or 4)");
        };
    }

    private static String describe(Kind k) {
        return switch (k) {
            case MULTI_LAYER_ZIP -> "the DL4J MultiLayerNetwork zip";
            case GRAPH_ZIP -> "the DL4J ComputationGraph zip";
            case KERAS_H5 -> "the Keras HDF5 file";
            default -> "the file";
        };
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** HDF5 prints its error stack to stderr itself (19-55 lines for one bad file): the exception says it once. */
    private static void quietHdf5() {
        if (!hdf5Quiet) {
            try {
                hdf5.H5Eset_auto2(hdf5.H5E_DEFAULT, null, null);
            } catch (RuntimeException | LinkageError e) {
                // the HDF5 natives did not load: DL4J's import will say so
            }
            hdf5Quiet = true;
        }
    }

    /**
     * A Keras file through DL4J's import, as a multi-layer network ({@code Sequential}) or a graph, with the input types it states.
     * Every HDF5 object the import makes is freed on this thread before it returns: DL4J frees its groups, datasets and
     * attributes only on its paths that succeed (its archive only when a build succeeds), and one it leaves behind is freed
     * later by JavaCPP's deallocator thread, inside the HDF5 library (not thread-safe) while this or another thread reads the
     * next file: a SIGABRT or SIGSEGV that came and went with the garbage collector's timing. The scope collects only HDF5's
     * objects ({@link IdComponent}); the import holds DL4J's HDF5 lock throughout, so no other import's objects are freed.
     */
    private static Dl4jModel keras(Path p, boolean sequential) throws Exception {
        quietHdf5();
        // Reading the lock initializes Hdf5Archive, whose static datatype must outlive every scope.
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            try (PointerScope hdf5Objects = new PointerScope(IdComponent.class);
                 KerasModelBuilder builder = new KerasModel().modelBuilder()) {
                builder.modelHdf5Filename(p.toAbsolutePath().toString()).enforceTrainingConfig(false);
                if (sequential) {
                    KerasSequentialModel m = builder.buildSequential();
                    MultiLayerNetwork net = m.getMultiLayerNetwork();
                    List<String> in = m.getInputLayerNames();
                    InputType t = in.isEmpty() ? null : m.getOutputTypes().get(in.get(0));
                    return Dl4jModel.of(net, t);
                }
                KerasModel m = builder.buildModel();
                ComputationGraph g = m.getComputationGraph();
                List<String> in = m.getInputLayerNames();
                InputType[] types = new InputType[in.size()];
                for (int i = 0; i < types.length; i++) {
                    types[i] = m.getOutputTypes().get(in.get(i));
                }
                return Dl4jModel.of(g, types);
            }
        }
    }
}
