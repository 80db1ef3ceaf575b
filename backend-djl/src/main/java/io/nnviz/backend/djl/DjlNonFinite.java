package io.nnviz.backend.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.hook.MetricNames;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a DJL training step's NaN and infinite values are, layer by layer, for the
 * {@link io.nnviz.api.hook.CaptureRequest#nonFinite} check: the count in each layer's output and
 * in each layer's gradient, as {@link MetricNames#NONFINITE_ACTIVATIONS} and
 * {@link MetricNames#NONFINITE_GRADIENTS} metrics in layer order.
 *
 * <p>The listener counts only on a step whose loss is not finite: the per-parameter native ops a
 * check of every step would take cost more than the whole hook may. The step's forward pass is
 * gone by then, so the batch is run through the block again, leaf by leaf, in inference mode (a
 * training-mode pass would move batch normalisation's running statistics a second time); the
 * listener is called after the backward pass and before {@code trainer.step()}, so the parameters
 * are the ones the step's own forward pass used and the gradients are the step's.
 */
final class DjlNonFinite {
    private DjlNonFinite() {
    }

    /** The counts for the step that ran {@code inputs} through {@code model}'s block, computed in a sub-manager of {@code manager}. */
    static Map<String, Double> counts(DjlModel model, NDManager manager, NDList inputs) {
        Map<String, Double> out = new LinkedHashMap<>();
        try (NDManager sub = manager.newSubManager()) {
            Map<String, NDArray> taps = new LinkedHashMap<>();
            DjlForward.run(model.root(), "", inputs, new ParameterStore(sub, false), taps, false, null);
            for (LayerInfo l : model.layers()) {
                NDArray a = taps.get(l.id());
                if (a != null) {
                    out.put(MetricNames.ofLayer(MetricNames.NONFINITE_ACTIVATIONS, l.id()), (double) count(a));
                }
            }
            for (LayerInfo l : model.layers()) {
                DjlDescriber.Node node = model.nodes().get(l.id());
                if (node == null || node.join()) {
                    continue;
                }
                long n = 0;
                boolean any = false;
                for (Pair<String, Parameter> p : node.block().getParameters()) {
                    NDArray w = p.getValue().getArray();
                    if (w.hasGradient()) {
                        try (NDArray g = w.getGradient()) {
                            n += count(g);
                            any = true;
                        }
                    }
                }
                if (any) {
                    out.put(MetricNames.ofLayer(MetricNames.NONFINITE_GRADIENTS, l.id()), (double) n);
                }
            }
            taps.values().forEach(NDArray::close);
        }
        return out;
    }

    /** The NaN and infinite values in {@code a} (0 for an array of integers). */
    private static long count(NDArray a) {
        if (!a.getDataType().isFloating()) {
            return 0;
        }
        try (NDArray nan = a.isNaN(); NDArray inf = a.isInfinite(); NDArray bad = nan.logicalOr(inf); NDArray c = bad.countNonzero()) {
            return c.getLong();
        }
    }
}
