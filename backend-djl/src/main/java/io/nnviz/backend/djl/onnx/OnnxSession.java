package io.nnviz.backend.djl.onnx;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import ai.onnx.proto.OnnxMl;
import io.nnviz.api.BackendException;
import io.nnviz.api.Capability;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ONNX Runtime, through DJL's engine ({@code ai.djl.onnxruntime:onnxruntime-engine}, the
 * application's choice like every engine), running one model for the values of any of its
 * top-level tensors: the model is run as a copy whose graph outputs also name the tensors asked
 * for, so the values are ONNX Runtime's own. The runtime is loaded on first use and again, with the
 * union of the tensors asked for so far, when a call asks for more; closed with the model.
 * Thread-safe: runs are serialised.
 */
final class OnnxSession implements AutoCloseable {
    /** At most this many extra outputs are kept exposed; past it, only what one call needs. */
    private static final int MAX_EXPOSED = 4096;

    private final String model;
    private final OnnxMl.ModelProto proto;
    private final OnnxShapes shapes;
    private final Path file;
    private final Set<String> graphOutputs = new LinkedHashSet<>();
    /** The extra outputs the current runtime exposes, and the runtime; rebuilt with the union when more are asked for. */
    private List<String> exposed = List.of();
    private Model runtime;
    private Path runtimeCopy;

    /** A session for model {@code model} (its name, for messages), read from {@code file} as {@code proto}. */
    OnnxSession(String model, OnnxMl.ModelProto proto, OnnxShapes shapes, Path file) {
        this.model = model;
        this.proto = proto;
        this.shapes = shapes;
        this.file = file;
        proto.getGraph().getOutputList().forEach(o -> graphOutputs.add(o.getName()));
    }

    /**
     * Runs the model on {@code inputs} (by input name, each fed as its ONNX element type in
     * {@code types}) and returns the values of {@code tensors}, by name.
     */
    synchronized Map<String, Tensor> run(Map<String, Tensor> inputs, Map<String, Integer> types, List<String> tensors) {
        List<String> extra = tensors.stream().filter(t -> !graphOutputs.contains(t)).toList();
        if (!exposed.containsAll(extra)) {
            List<String> union = new ArrayList<>(exposed);
            extra.stream().filter(t -> !union.contains(t)).forEach(union::add);
            if (union.size() > MAX_EXPOSED) {
                union.retainAll(extra); // never grow without bound: expose only what this call needs
            }
            closeRuntime();
            exposed = List.copyOf(union);
        }
        Model m = runtime();
        try (NDManager manager = m.getNDManager().newSubManager();
             Predictor<NDList, NDList> p = m.newPredictor(new NoopTranslator())) {
            NDList feed = new NDList();
            for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
                feed.add(OnnxTensors.array(manager, model, e.getKey(), e.getValue(), types.get(e.getKey())));
            }
            NDList result = p.predict(feed);
            List<String> names = new ArrayList<>(graphOutputs);
            names.addAll(exposed);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String t : tensors) {
                int at = names.indexOf(t);
                if (at < 0 || at >= result.size()) {
                    throw new BackendException("ONNX Runtime did not return tensor '" + t + "' of '" + model + "'");
                }
                out.put(t, OnnxTensors.copy(result.get(at)));
            }
            result.close();
            return out;
        } catch (TranslateException | EngineException e) {
            throw new BackendException("ONNX Runtime could not run '" + model + "' on inputs " + shapes(inputs) + ": "
                    + e.getMessage(), e);
        }
    }

    private static String shapes(Map<String, Tensor> inputs) {
        Map<String, String> s = new LinkedHashMap<>();
        inputs.forEach((k, v) -> s.put(k, v.shape().toString()));
        return s.toString();
    }

    /**
     * The runtime: the file itself when only graph outputs are wanted, else a copy of the model,
     * written next to nothing of the user's (a temporary file, deleted on close), whose graph also
     * outputs the exposed tensors.
     */
    private Model runtime() {
        if (runtime == null) {
            if (!Engine.hasEngine("OnnxRuntime")) {
                throw new UnsupportedCapabilityException(model, Capability.ACTIVATIONS, "activations of ONNX models need"
                        + " DJL's ONNX Runtime engine on the class path: add ai.djl.onnxruntime:onnxruntime-engine");
            }
            Path load = file;
            try {
                if (!exposed.isEmpty()) {
                    OnnxMl.GraphProto.Builder g = proto.getGraph().toBuilder();
                    for (String t : exposed) {
                        OnnxMl.ValueInfoProto.Builder v = OnnxMl.ValueInfoProto.newBuilder().setName(t);
                        OnnxTensorInfo info = shapes.get(t);
                        if (info != null && info.type() != 0) {
                            v.setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(info.type())));
                        }
                        g.addOutput(v);
                    }
                    runtimeCopy = Files.createTempFile("nnviz-onnx-", ".onnx");
                    try (var out = Files.newOutputStream(runtimeCopy)) {
                        proto.toBuilder().setGraph(g).build().writeTo(out);
                    }
                    load = runtimeCopy;
                }
                // straight from the file, not through a model repository (which warns about a file that is not an archive)
                runtime = Model.newInstance(model, "OnnxRuntime");
                runtime.load(load);
            } catch (IOException | MalformedModelException | EngineException e) {
                closeRuntime();
                throw new BackendException("ONNX Runtime could not load " + file + ": " + e.getMessage(), e);
            }
        }
        return runtime;
    }

    private void closeRuntime() {
        if (runtime != null) {
            runtime.close();
            runtime = null;
        }
        if (runtimeCopy != null) {
            try {
                Files.deleteIfExists(runtimeCopy);
            } catch (IOException e) {
                runtimeCopy.toFile().deleteOnExit();
            }
            runtimeCopy = null;
        }
    }

    /** Closes the runtime and deletes its copy of the model; the session may run again after. */
    @Override
    public synchronized void close() {
        closeRuntime();
    }
}
