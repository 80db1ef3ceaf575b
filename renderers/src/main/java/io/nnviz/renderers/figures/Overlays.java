package io.nnviz.renderers.figures;

import io.nnviz.api.Capability;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in per-layer values for {@link ArchitectureDiagram#overlay}: parameter counts, weight
 * norms, and a probe input's activation mean and sparsity. Layers without the value are left out
 * (the diagram draws them white). Any other {@code Map<layerId, Double>} works the same, a latency
 * measured by the application included.
 *
 * <pre>{@code
 * ArchitectureDiagram.of(model).overlay(Overlays.activationSparsity(model, probe), "fraction of zeros").build();
 * }</pre>
 */
public final class Overlays {
    private Overlays() {
    }

    /** Each layer's parameter count (layers with parameters). */
    public static Map<String, Double> parameters(ModelView m) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (LayerInfo l : m.layers()) {
            if (l.parameterCount() > 0) {
                out.put(l.id(), (double) l.parameterCount());
            }
        }
        return out;
    }

    /** The L2 norm of each layer's weights, all its tensors together (models that expose weight values). */
    public static Map<String, Double> weightNorm(ModelView m) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (!m.capabilities().contains(Capability.WEIGHTS)) {
            return out;
        }
        for (LayerInfo l : m.layers()) {
            if (l.parameterCount() == 0) {
                continue;
            }
            double s = 0;
            for (WeightTensor w : m.weights(l.id())) {
                s += w.values().stats().sumOfSquares();
            }
            out.put(l.id(), Math.sqrt(s));
        }
        return out;
    }

    /** The mean of each layer's activation for {@code input}, in one forward pass. */
    public static Map<String, Double> activationMean(ModelView m, Tensor input) {
        return activationStat(m, input, false);
    }

    /** The fraction of exact zeros in each layer's activation for {@code input} (dead ReLU units), in one forward pass. */
    public static Map<String, Double> activationSparsity(ModelView m, Tensor input) {
        return activationStat(m, input, true);
    }

    private static Map<String, Double> activationStat(ModelView m, Tensor input, boolean zeros) {
        List<String> ids = new ArrayList<>();
        for (LayerInfo l : m.layers()) {
            if (l.kind() != LayerKind.INPUT) {
                ids.add(l.id());
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : m.activations(input, ids).entrySet()) {
            Tensor t = e.getValue();
            long n = 0, zero = 0;
            double sum = 0;
            for (int i = 0; i < t.size(); i++) {
                float v = t.getFlat(i);
                if (Float.isFinite(v)) {
                    n++;
                    sum += v;
                    zero += v == 0 ? 1 : 0;
                }
            }
            if (n > 0) {
                out.put(e.getKey(), zeros ? (double) zero / n : sum / n);
            }
        }
        return out;
    }
}
