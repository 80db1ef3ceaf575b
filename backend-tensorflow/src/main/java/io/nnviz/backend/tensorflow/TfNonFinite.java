package io.nnviz.backend.tensorflow;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.hook.MetricNames;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TFloating;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The NaN and infinite values in each layer's output, counted by TensorFlow inside the training
 * step's own run, for the {@link io.nnviz.api.hook.CaptureRequest#nonFinite} check: per floating
 * layer output an {@code IsFinite}, its negation cast to float and summed, all stacked into one
 * vector, so the check costs one small fetch a step. The ops are added under
 * {@code nnviz/nonfinite} once per training (the first step that asks), not mid-training.
 *
 * <p>Gradients are not counted on every step: TensorFlow's optimizer computes its own, and
 * fetching nnviz's would run backpropagation a second time; the gradient histograms of the
 * sampled steps show theirs.
 */
final class TfNonFinite {
    private final List<String> layers;
    private final Output<TFloat32> counts;

    private TfNonFinite(List<String> layers, Output<TFloat32> counts) {
        this.layers = layers;
        this.counts = counts;
    }

    /** The counting ops for {@code model}'s layer outputs (null if no layer has a floating output). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static TfNonFinite of(TfModel model) {
        Ops tf = Ops.create(model.graph()).withSubScope("nnviz").withSubScope("nonfinite");
        List<String> ids = new ArrayList<>();
        List<Output<?>> seen = new ArrayList<>();
        List<Operand<TFloat32>> each = new ArrayList<>();
        for (LayerInfo l : model.layers()) {
            Output<?> o = model.group(l.id()).output;
            if (l.id().equals(model.inputOp().name()) || seen.contains(o) || !TFloating.class.isAssignableFrom(o.type())) {
                continue;
            }
            seen.add(o);
            ids.add(l.id());
            Operand<TFloat32> bad = tf.dtypes.cast(tf.math.logicalNot(tf.math.isFinite((Operand) o)), TFloat32.class);
            each.add(tf.sum(tf.reshape(bad, tf.constant(new int[] {-1})), tf.constant(0)));
        }
        if (each.isEmpty()) {
            return null;
        }
        return new TfNonFinite(List.copyOf(ids), tf.withName("counts").stack(each).asOutput());
    }

    /** The fetch: one count per layer, in layer order. */
    Output<TFloat32> counts() {
        return counts;
    }

    /**
     * The step's counts as metrics ({@link MetricNames#NONFINITE_ACTIVATIONS} per layer, in layer
     * order), or none when every output was finite (a run's record then holds no series of zeros).
     */
    Map<String, Double> metrics(org.tensorflow.Tensor fetched) {
        float[] c = TfTensors.copy(fetched).toArray();
        Map<String, Double> out = new LinkedHashMap<>();
        boolean any = false;
        for (int i = 0; i < layers.size(); i++) {
            out.put(MetricNames.ofLayer(MetricNames.NONFINITE_ACTIVATIONS, layers.get(i)), (double) c[i]);
            any |= c[i] != 0;
        }
        return any ? out : Map.of();
    }
}
