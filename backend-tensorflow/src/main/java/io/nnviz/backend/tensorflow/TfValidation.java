package io.nnviz.backend.tensorflow;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.hook.MetricNames;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.NdArray;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Validation batches given to {@link TfTraining#validateOn}, evaluated at an epoch's end through
 * the graph's own loss op (TensorFlow Java has no evaluation API, so the loss the graph computes is
 * the framework's own): {@code validation/loss} is its mean over the examples, and where the labels
 * say which class is right (one-hot like the output, or class indices) {@code validation/accuracy}
 * counts the examples whose largest output is that class. The labels are the one feed that is not
 * the model's input.
 */
final class TfValidation {
    private final Iterable<? extends Map<String, ? extends Tensor>> batches;

    private TfValidation(Iterable<? extends Map<String, ? extends Tensor>> batches) {
        this.batches = batches;
    }

    /** The validation data, checked to be an {@code Iterable} of feeds. */
    @SuppressWarnings("unchecked")
    static TfValidation of(Object data, Output<?> loss) {
        if (!(data instanceof Iterable<?>)) {
            throw new IllegalArgumentException("TensorFlow validation data is an Iterable of feeds (Map<String, Tensor>: placeholder name to "
                    + "tensor), not " + (data == null ? "null" : data.getClass().getName()));
        }
        if (loss == null) {
            throw new IllegalArgumentException("name the loss op when attaching, TfTraining.attach(target, \"loss\", hooks), so nnviz can "
                    + "evaluate validation data with it");
        }
        return new TfValidation((Iterable<? extends Map<String, ? extends Tensor>>) data);
    }

    /** The validation metrics of {@code model} now. */
    Map<String, Double> evaluate(TfModel model, Output<?> loss) {
        String input = model.inputOp().name();
        Session s = model.session();
        double lossSum = 0;
        long examples = 0, right = 0;
        boolean classes = true;
        for (Map<String, ? extends Tensor> feeds : batches) {
            Objects.requireNonNull(feeds, "a validation batch is null");
            Session.Runner r = s.runner();
            Tensor labels = null;
            for (Map.Entry<String, ? extends Tensor> f : feeds.entrySet()) {
                r.feed(f.getKey(), f.getValue());
                if (!f.getKey().equals(input)) {
                    labels = labels == null ? f.getValue() : null;
                }
            }
            Tensor in = feeds.get(input);
            if (in == null) {
                throw new InvalidInputException("a validation batch does not feed the model's input '" + input + "'");
            }
            long n = in.shape().size(0);
            try (Result res = r.fetch(loss).fetch(model.outputOp().output(0)).run()) {
                lossSum += ((TFloat32) res.get(0)).getFloat() * n;
                examples += n;
                long hits = labels == null ? -1 : hits((TFloat32) res.get(1), labels);
                classes &= hits >= 0;
                right += Math.max(0, hits);
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        if (examples > 0) {
            out.put(MetricNames.validation("loss"), lossSum / examples);
            if (classes) {
                out.put(MetricNames.validation("accuracy"), (double) right / examples);
            }
        }
        return out;
    }

    /** How many rows of {@code out [N, C]} have their largest value at the labelled class; -1 if the labels do not name classes. */
    private static long hits(TFloat32 out, Tensor labels) {
        if (out.shape().numDimensions() != 2) {
            return -1;
        }
        long n = out.shape().size(0), c = out.shape().size(1), hits = 0;
        for (long i = 0; i < n; i++) {
            long best = argmax(out, i, c), want;
            if (labels instanceof TFloat32 oneHot && oneHot.shape().equals(out.shape())) {
                want = argmax(oneHot, i, c);
            } else if (labels instanceof TInt32 idx && idx.shape().numDimensions() == 1) {
                want = idx.getInt(i);
            } else if (labels instanceof TInt64 idx && idx.shape().numDimensions() == 1) {
                want = idx.getLong(i);
            } else {
                return -1;
            }
            hits += best == want ? 1 : 0;
        }
        return hits;
    }

    private static long argmax(NdArray<Float> a, long row, long c) {
        long best = 0;
        for (long k = 1; k < c; k++) {
            if (a.getObject(row, k) > a.getObject(row, best)) {
                best = k;
            }
        }
        return best;
    }
}
