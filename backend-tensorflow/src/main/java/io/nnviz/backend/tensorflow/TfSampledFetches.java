package io.nnviz.backend.tensorflow;

import io.nnviz.api.Tensor;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;

import java.util.HashMap;
import java.util.Map;

/**
 * The cuts of a model's tensors that a training step fetches, added to its graph under
 * {@code nnviz/} once per model and reused: an {@code Identity} of the input placeholder, and per
 * output and sample count its first samples, cut (and made NCHW) by TensorFlow in the step's own
 * run, so that a step's sampled activations cost a few small tensors instead of whole batches held
 * back from TensorFlow's allocator and copied out. Safe to use from several threads.
 */
final class TfSampledFetches {
    /** A fetch of an output cut to its first samples in graph, and whether TensorFlow also made it NCHW. */
    record Cut(Output<?> output, boolean nchw) {
        /** The fetched value, already cut, in canonical layout. */
        Tensor read(org.tensorflow.Tensor t) {
            return nchw ? TfTensors.copy(t) : TfTensors.canonical(t, 0);
        }
    }

    private final Graph graph;
    private final GraphOperation input;
    private Output<?> inputEcho;
    /** The cuts made so far, by sample count and output (guarded by this). */
    private final Map<Integer, Map<Output<?>, Cut>> cuts = new HashMap<>();

    TfSampledFetches(Graph graph, GraphOperation input) {
        this.graph = graph;
        this.input = input;
    }

    /**
     * An Identity of the input placeholder, added to the graph once under {@code nnviz/}: TensorFlow
     * refuses to fetch a tensor that is also fed, so the training hook fetches the batch through it.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    synchronized Output<?> inputEcho() {
        if (inputEcho == null) {
            inputEcho = Ops.create(graph).withSubScope("nnviz").withName("input_echo").identity((Operand) input.output(0)).asOutput();
        }
        return inputEcho;
    }

    /**
     * The first {@code samples} entries of {@code o} along the batch axis, cut by TensorFlow in the
     * run that computes {@code o} (a StridedSlice, then a Transpose to NCHW where the output is
     * rank 4). The ops are added under {@code nnviz/first_<samples>} once per output and sample count.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    synchronized Cut of(Output<?> o, int samples) {
        Map<Output<?>, Cut> forCount = cuts.computeIfAbsent(samples, k -> new HashMap<>());
        Cut f = forCount.get(o);
        if (f == null) {
            Ops tf = Ops.create(graph).withSubScope("nnviz").withSubScope("first_" + samples);
            Operand cut = tf.stridedSlice((Operand) o, tf.constant(new int[] {0}), tf.constant(new int[] {samples}), tf.constant(new int[] {1}));
            Shape shape = o.shape();
            boolean nchw = !shape.isUnknown() && shape.numDimensions() == 4;
            if (nchw) {
                cut = tf.linalg.transpose(cut, tf.constant(new int[] {0, 3, 1, 2}));
            }
            f = new Cut(cut.asOutput(), nchw);
            forCount.put(o, f);
        }
        return f;
    }
}
