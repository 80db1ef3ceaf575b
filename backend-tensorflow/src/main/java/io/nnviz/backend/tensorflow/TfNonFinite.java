package io.nnviz.backend.tensorflow;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.hook.MetricNames;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TFloating;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The NaN and infinite values in each layer's output and in the gradients the graph's optimizer
 * applies to its weights ({@link TfAppliedGradients}), counted by TensorFlow inside the training
 * step's own run, for the {@link io.nnviz.api.hook.CaptureRequest#nonFinite} check. The ops are
 * added under {@code nnviz/nonfinite} once per training (the first step that asks), not
 * mid-training.
 *
 * <p>Counting every tensor on every step would cost a pass over every activation and gradient:
 * on LeNet's 10 ms step (bench-tensorflow's {@code TfHookOverhead 24 recorder diagnose}), 0.55 ms
 * more than the run's other captures. So the counting sits behind a gate in the graph: only when
 * the step's loss is not finite do the {@code Switch}ed counts run, on that very step's tensors;
 * otherwise the fetch is a vector of zeros, for about 0.07 ms. A gate on the applied gradients as
 * well (per layer the smallest, a bias's, through which a NaN born in the backward pass flows)
 * cost 0.13 ms more, so it was left out: such a NaN, behind a finite loss, is found a step later,
 * when the weights it was applied to make the loss NaN, in the first layer whose output then holds
 * it. Only the optimizer's own gradients are counted: nnviz's would run backpropagation a second time.
 */
final class TfNonFinite {
    /** The metric of each count, in the vector's order: outputs' counts, then gradients'. */
    private final List<String> metrics;
    private final Output<TFloat32> counts;

    private TfNonFinite(List<String> metrics, Output<TFloat32> counts) {
        this.metrics = metrics;
        this.counts = counts;
    }

    /**
     * The counting ops for {@code model}'s layer outputs and applied gradients, gated on
     * {@code loss} (null if the model has no floating tensor to count).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static TfNonFinite of(TfModel model, Output<?> loss) {
        Ops tf = Ops.create(model.graph()).withSubScope("nnviz").withSubScope("nonfinite");
        List<String> metrics = new ArrayList<>();
        List<List<Output<?>>> tensors = new ArrayList<>();
        List<Output<?>> seen = new ArrayList<>();
        for (LayerInfo l : model.layers()) {
            Output<?> o = model.group(l.id()).output;
            if (l.id().equals(model.inputOp().name()) || seen.contains(o) || !floating(o)) {
                continue;
            }
            seen.add(o);
            metrics.add(MetricNames.ofLayer(MetricNames.NONFINITE_ACTIVATIONS, l.id()));
            tensors.add(List.of(o));
        }
        TfAppliedGradients.byLayer(model).forEach((layer, gradients) -> {
            List<Output<?>> floating = gradients.stream().filter(TfNonFinite::floating).toList();
            if (!floating.isEmpty()) {
                metrics.add(MetricNames.ofLayer(MetricNames.NONFINITE_GRADIENTS, layer));
                tensors.add(floating);
            }
        });
        if (tensors.isEmpty()) {
            return null;
        }
        Operand<TBool> open = loss != null && floating(loss) ? tf.math.logicalNot(tf.math.isFinite(sum(tf, loss)))
                : tf.constant(true); // no loss to watch: count every step
        List<Operand<TFloat32>> each = new ArrayList<>();
        for (List<Output<?>> ts : tensors) {
            List<Operand<TFloat32>> sums = new ArrayList<>();
            for (Output<?> t : ts) {
                Operand gated = tf.switchCond((Operand) t, open).outputTrue(); // dead, and not counted, unless the gate is open
                Operand<TFloat32> bad = tf.dtypes.cast(tf.math.logicalNot(tf.math.isFinite(gated)), TFloat32.class);
                sums.add(tf.sum(tf.reshape(bad, tf.constant(new int[] {-1})), tf.constant(0)));
            }
            each.add(sums.size() == 1 ? sums.get(0) : tf.math.addN(sums));
        }
        Operand<TFloat32> zeros = tf.switchCond(tf.zeros(tf.constant(new int[] {each.size()}), TFloat32.class), open).outputFalse();
        return new TfNonFinite(List.copyOf(metrics), tf.withName("counts").merge(List.of(tf.stack(each), zeros)).output());
    }

    private static boolean floating(Output<?> o) {
        return TFloating.class.isAssignableFrom(o.type());
    }

    /** The sum of every value of {@code t} as a float scalar: not finite if any value is not. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Operand<TFloat32> sum(Ops tf, Output<?> t) {
        // one op where the rank is known: every small op costs TensorFlow's executor microseconds a step
        Operand s = t.shape().isUnknown() ? tf.sum(tf.reshape((Operand) t, tf.constant(new int[] {-1})), tf.constant(0))
                : tf.sum((Operand) t, tf.constant(IntStream.range(0, t.shape().numDimensions()).toArray()));
        return s.type() == TFloat32.class ? s : tf.dtypes.cast(s, TFloat32.class);
    }

    /** The fetch: one count per layer, in layer order. */
    Output<TFloat32> counts() {
        return counts;
    }

    /**
     * The step's counts as metrics ({@link MetricNames#NONFINITE_ACTIVATIONS} per layer in layer
     * order, then {@link MetricNames#NONFINITE_GRADIENTS}), or none when every value was finite (a
     * run's record then holds no series of zeros).
     */
    Map<String, Double> metrics(org.tensorflow.Tensor fetched) {
        float[] c = TfTensors.copy(fetched).toArray();
        Map<String, Double> out = new LinkedHashMap<>();
        boolean any = false;
        for (int i = 0; i < metrics.size(); i++) {
            out.put(metrics.get(i), (double) c[i]);
            any |= c[i] != 0;
        }
        return any ? out : Map.of();
    }
}
