package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import io.nnviz.api.spi.FileGate;
import io.nnviz.api.spi.ModelFormat;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.ModelView;
import io.nnviz.api.spi.SafeFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one place that reads ONNX files: the protobuf parsed within the memory budget, every tensor
 * checked and external data read in by {@code OnnxTensorChecks}, shapes inferred
 * ({@code OnnxShapes}, and measured where asked: {@code OnnxShapeProbe}) and the graph described ({@code OnnxDescriber}) as an {@code OnnxModel}.
 * Public only so that {@code io.nnviz.backend.djl.DjlBackendProvider} can hand files to it:
 * applications open files with {@code NNViz.load}. Stateless and thread-safe; reading a file needs
 * no engine (activations need ONNX Runtime's, see {@code OnnxSession}).
 */
public final class OnnxFiles {
    private OnnxFiles() {
    }

    /** True for a file the file gate ({@link FileGate}) says is an ONNX model; never throws. */
    public static boolean canLoad(Path path) {
        return FileGate.recognize(path).is(ModelFormat.ONNX);
    }

    /**
     * Opens an ONNX file. {@code options} (not null: {@link LoadOptions#defaults()} for none) may
     * give input shapes by input name ({@link LoadOptions#FIRST_INPUT} for the first fed input; -1
     * for free dimensions), which replace the file's declared ones, gives the memory budget the
     * file and every tensor it declares are checked against, and may ask for the shapes static
     * inference leaves unknown to be measured ({@link LoadOptions#measureShapes()}). The returned model owns what it loaded
     * (temporary files included); close it.
     *
     * @throws IllegalArgumentException if {@code path} is null
     * @throws ModelLoadException       if the file is not an ONNX model or a tensor in it is damaged
     * @throws ModelTooLargeException   if the file or its tensors exceed the memory budget
     * @throws InvalidInputException    if an input shape names an input the graph does not have
     */
    public static ModelView open(Path path, LoadOptions options) {
        if (path == null) {
            throw new IllegalArgumentException("path is null");
        }
        return load(path, options.inputShapes(), options.memoryBudget(), options.measuresShapes());
    }

    /**
     * Reads an ONNX file, the file and every tensor it declares checked against {@code budget}
     * first; with {@code measure}, the shapes static inference leaves unknown are measured by one
     * run of ONNX Runtime ({@link OnnxShapeProbe}).
     */
    static OnnxModel load(Path path, Map<String, long[]> inputShapes, long budget, boolean measure) {
        long size = SafeFiles.requireRegularFile(path);
        if (size > budget / 2) { // the file's pages, once read, and the weights decoded from them
            throw new ModelTooLargeException(path, "the file", 2 * size, budget);
        }
        OnnxMl.ModelProto model;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (size > Integer.MAX_VALUE) { // protobuf's own limit: no ONNX file without external data is larger
                throw new IOException("larger than the 2 GB a protobuf message can be");
            }
            // the file mapped and its tensors' bytes left in place (aliased, read when a weight is): copied into the heap they
            // were the largest part of a big model's garbage; no field can be longer than the file, so a length claiming more
            // fails at once, before any allocation
            CodedInputStream coded = UnsafeByteOperations.unsafeWrap(ch.map(FileChannel.MapMode.READ_ONLY, 0, size)).newCodedInput();
            coded.enableAliasing(true);
            model = OnnxMl.ModelProto.parseFrom(coded);
        } catch (IOException | RuntimeException e) { // protobuf's decoder throws unchecked exceptions on damaged lengths too (TfFiles)
            throw new ModelLoadException(path, "not an ONNX model (" + e.getMessage() + ")", e);
        }
        model = OnnxTensorChecks.check(path, model, budget);
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new ModelLoadException(path, "not an ONNX model (no graph nodes)");
        }
        Map<String, long[]> given = inputShapes(path, model, inputShapes);
        OnnxShapes shapes = OnnxShapes.of(model, given);
        OnnxShapeProbe.Result measured = measure ? OnnxShapeProbe.measure(path.getFileName().toString(), model, shapes, given, false,
                budget) : null;
        OnnxDescriber g = OnnxDescriber.read(model, shapes, measured);
        Map<String, String> props = new LinkedHashMap<>();
        props.put("producer", (model.getProducerName() + " " + model.getProducerVersion()).trim());
        props.put("ir version", String.valueOf(model.getIrVersion()));
        StringBuilder opsets = new StringBuilder();
        for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
            opsets.append(opsets.length() == 0 ? "" : ", ").append(o.getDomain().isEmpty() ? "ai.onnx" : o.getDomain())
                    .append(' ').append(o.getVersion());
        }
        props.put("opsets", opsets.toString());
        props.put("nodes", String.valueOf(g.nodes));
        props.put("inputs", g.inputs.keySet().toString());
        if (measured != null) {
            props.put("measured shapes", measured.failure() != null ? "none: " + measured.failure() : measured.on().isEmpty()
                    ? "none needed: every shape was inferred" : measured.shapes().size() + " layers' output shapes, by ONNX Runtime on " + measured.on());
        }
        props.put("activations", "any top-level node, through DJL's ONNX Runtime engine; attribution by occlusion (no gradients)");
        return new OnnxModel(path.getFileName().toString(), g, props, model, shapes, measured, path, false);
    }

    /** The shapes given, by the graph's input names ({@link LoadOptions#FIRST_INPUT} is the first); a name it lacks is an error. */
    private static Map<String, long[]> inputShapes(Path path, OnnxMl.ModelProto model, Map<String, long[]> given) {
        Set<String> initializers = new HashSet<>();
        model.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        List<String> inputs = model.getGraph().getInputList().stream().map(OnnxMl.ValueInfoProto::getName)
                .filter(n -> !initializers.contains(n)).toList();
        Map<String, long[]> out = new LinkedHashMap<>();
        given.forEach((name, dims) -> {
            String n = name.equals(LoadOptions.FIRST_INPUT) && !inputs.isEmpty() ? inputs.get(0) : name;
            if (!inputs.contains(n)) {
                throw new InvalidInputException(path.getFileName() + " has no input '" + name + "'; its inputs are " + inputs);
            }
            out.put(n, dims);
        });
        return out;
    }
}
