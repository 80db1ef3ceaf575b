package io.nnviz.backend.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.Trainer;
import ai.djl.training.loss.L2Loss;
import ai.djl.training.loss.Loss;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;

/**
 * A training batch's loss, read the cheapest way that gives DJL's value, chosen on the first
 * batch against DJL's own evaluation of the trainer's loss:
 * <ul>
 *   <li>where DJL's {@code EvaluatorTrainingListener} runs before nnviz's listener (DJL's
 *       {@code TrainingListener.Defaults}), it has just evaluated the loss into its per-batch
 *       accumulator, read without a native call;</li>
 *   <li>else, for softmax cross-entropy on class indices and for L2, it is computed in Java from
 *       the predictions and labels, each read with one native call: after a training step every
 *       call into libtorch costs several microseconds, so the shapes are not asked for (the class
 *       count is the predictions' size over the labels');</li>
 *   <li>else DJL's loss is evaluated again in native ops (about 0.35 ms on a LeNet step of 18 ms):
 *       a weighted or non-sparse loss, say. So is a batch the Java computation cannot take.</li>
 * </ul>
 */
final class DjlStepLoss {
    private enum Path { UNDECIDED, ACCUMULATED, IN_JAVA, EVALUATED }

    private Path path = Path.UNDECIDED;

    /** The batch's loss; {@code evaluations} reads DJL's accumulator. */
    double of(Trainer trainer, DjlEvaluations evaluations, NDList labels, NDList preds) {
        switch (path) {
            case ACCUMULATED:
                return evaluations.djlBatchLoss(trainer);
            case IN_JAVA:
                double v = inJava(trainer.getLoss(), labels, preds);
                return Double.isNaN(v) ? evaluated(trainer, labels, preds) : v;
            case EVALUATED:
                return evaluated(trainer, labels, preds);
            default:
                double djl = evaluated(trainer, labels, preds);
                path = agrees(evaluations.djlBatchLoss(trainer), djl) ? Path.ACCUMULATED
                        : agrees(inJava(trainer.getLoss(), labels, preds), djl) ? Path.IN_JAVA : Path.EVALUATED;
                return djl;
        }
    }

    private static double evaluated(Trainer trainer, NDList labels, NDList preds) {
        try (NDArray l = trainer.getLoss().evaluate(labels, preds)) {
            return l.getFloat();
        }
    }

    private static boolean agrees(double v, double djl) {
        return Double.isFinite(v) && Math.abs(v - djl) <= 1e-4 * Math.max(1, Math.abs(djl));
    }

    /** The loss computed here, or NaN for a loss or a batch this cannot compute. */
    static double inJava(Loss loss, NDList labels, NDList preds) {
        if (labels.size() != 1 || preds.size() != 1 || !(loss instanceof SoftmaxCrossEntropyLoss || loss instanceof L2Loss)) {
            return Double.NaN;
        }
        float[] z = DjlTensors.smallFloats(preds.singletonOrThrow()), t = DjlTensors.smallFloats(labels.singletonOrThrow());
        if (loss instanceof SoftmaxCrossEntropyLoss) {
            int n = t.length;
            if (n == 0 || z.length % n != 0 || z.length / n < 2) {
                return Double.NaN;
            }
            int c = z.length / n;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < c; k++) {
                    max = Math.max(max, z[i * c + k]);
                }
                double e = 0;
                for (int k = 0; k < c; k++) {
                    e += Math.exp(z[i * c + k] - max);
                }
                int label = (int) t[i];
                if (label < 0 || label >= c || label != t[i]) {
                    return Double.NaN;
                }
                sum += Math.log(e) + max - z[i * c + label];
            }
            return sum / n;
        }
        if (z.length != t.length || z.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            double d = z[i] - t[i];
            sum += d * d / 2;
        }
        return sum / z.length;
    }
}
