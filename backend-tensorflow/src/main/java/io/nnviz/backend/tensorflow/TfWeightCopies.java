package io.nnviz.backend.tensorflow;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.LayerSelector;
import io.nnviz.api.spi.DeferredCopies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sampled step's weights, read in a short run of nnviz's own after the step's, so they are the
 * weights after its update. TensorFlow copies each weight ({@code DeepCopy}, its own kernel, while
 * the values are hot) into tensors that run's result holds; the copies into Java arrays, the
 * expensive part (fresh memory, read from another core), happen when a hook first reads each
 * tensor ({@link DeferredCopies}), usually on its own background thread. At most one step's copies
 * are held: the next sampled step, and {@link #close()}, make the last ones exist.
 */
final class TfWeightCopies implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TfWeightCopies.class);

    private final TfModel model;
    /**
     * Per weight, what the copy run fetches: a {@code DeepCopy} under {@code nnviz/weight_copy}, made at attach,
     * for reference variables (a fetch of one would alias the buffer the next step updates in place); the weight
     * itself for resource variables (TensorFlow reads them copy-on-write) and constants.
     */
    private final Map<TfWeight, Output<?>> deepCopies = new HashMap<>();
    /** The runner of each weight set: a runner can run again, and making one costs more than the run. */
    private final Map<List<Map.Entry<String, TfWeight>>, Session.Runner> runners = new HashMap<>();
    /** The weights a layer selector picks, worked out once per selector (hooks keep theirs). */
    private final Map<LayerSelector, List<Map.Entry<String, TfWeight>>> bySelector = new IdentityHashMap<>();
    private DeferredCopies last;

    /** Makes the copy ops of every weight now: graph changes mid-training would make TensorFlow plan the next run again. */
    TfWeightCopies(TfModel model) {
        this.model = model;
        for (TfLayer g : model.layerGroups().values()) {
            g.weights.forEach(this::deepCopy);
        }
    }

    /** The selected layers' weights after the step that just ran, by layer id. */
    Map<String, List<WeightTensor>> copy(LayerSelector selector) {
        if (last != null) {
            last.loadAll(); // nothing to do unless a hook kept the last ones unread
            last = null;
        }
        List<Map.Entry<String, TfWeight>> ws = weightsOf(selector);
        if (ws.isEmpty()) {
            return Map.of();
        }
        if (runners.size() >= 16 && !runners.containsKey(ws)) { // hooks that pick ever new weight sets: do not grow
            runners.clear();
        }
        Session.Runner r = runners.computeIfAbsent(ws, x -> {
            Session.Runner made = model.session().runner();
            for (Map.Entry<String, TfWeight> e : x) {
                made.fetch(deepCopy(e.getValue()));
            }
            return made;
        });
        Result result = r.run();
        DeferredCopies copies = new DeferredCopies(result::close);
        try {
            Map<String, List<WeightTensor>> weights = new LinkedHashMap<>();
            int k = 0;
            for (Map.Entry<String, TfWeight> e : ws) {
                TfWeight w = e.getValue();
                org.tensorflow.Tensor copy = result.get(k++);
                Tensor values = copies.add(TfTensors.shape(copy.shape()), () -> TfTensors.floats(copy));
                Tensor canonical = w.perm() != null ? values.permuteLater(w.perm()) : w.toCanonical().apply(values);
                weights.computeIfAbsent(e.getKey(), x -> new ArrayList<>()).add(WeightTensor.of(e.getKey(), w.name(), w.role(), canonical));
            }
            last = copies;
            return weights;
        } catch (RuntimeException | LinkageError e) {
            copies.close();
            throw e;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Output<?> deepCopy(TfWeight w) {
        return deepCopies.computeIfAbsent(w, x -> !x.source().type().startsWith("Variable") ? x.source().output(0)
                : Ops.create(model.graph()).withSubScope("nnviz").withSubScope("weight_copy")
                        .deepCopy((Operand) x.source().output(0)).asOutput());
    }

    private List<Map.Entry<String, TfWeight>> weightsOf(LayerSelector selector) {
        List<Map.Entry<String, TfWeight>> ws = bySelector.get(selector);
        if (ws == null) {
            ws = new ArrayList<>();
            for (LayerInfo l : model.layers()) {
                if (l.weights().isEmpty() || !selector.test(l)) {
                    continue;
                }
                for (TfWeight w : model.group(l.id()).weights) {
                    if (l.weights().stream().anyMatch(spec -> spec.name().equals(w.name()))) {
                        ws.add(Map.entry(l.id(), w));
                    }
                }
            }
            if (bySelector.size() >= 16) { // hooks that make a new selector every time: do not grow
                bySelector.clear();
            }
            ws = List.copyOf(ws);
            bySelector.put(selector, ws);
        }
        return ws;
    }

    /** Makes the last copies exist in Java: their values must outlive the session. */
    @Override
    public void close() {
        if (last != null) {
            try {
                last.loadAll();
            } catch (RuntimeException e) {
                LOG.warn("nnviz: could not read the last weight copies", e);
            }
            last = null;
        }
    }
}
