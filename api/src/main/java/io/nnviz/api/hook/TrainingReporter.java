package io.nnviz.api.hook;

import java.util.Map;

/**
 * A training loop that reports to nnviz itself, step by step (push-style), where nnviz cannot hook
 * the framework's own loop: {@link ManualTraining} for any loop, and TensorFlow Java's
 * {@code TfTraining}, which also captures from the graph. The verbs are the same everywhere:
 * {@code stepEnd} after each optimiser step, {@code epochEnd} after each pass over the data, and
 * {@link #close()} (from {@link Attachment}) when training ends; {@link #stepsSeen()} counts the
 * steps reported. Hooks see the events exactly as from a framework's listener, with the same rules
 * (a hook that throws never reaches the loop). Not thread-safe: report from the training thread.
 */
public interface TrainingReporter extends Attachment {
    /** Reports the end of a step with its loss; metrics may be empty, never null. */
    void stepEnd(double loss, Map<String, Double> metrics);

    /** Reports the end of a step with its loss only. */
    default void stepEnd(double loss) {
        stepEnd(loss, Map.of());
    }

    /**
     * Reports the end of the current epoch with its metrics by name (for example
     * {@code Map.of("train/accuracy", 0.91)}; names are made canonical, {@link MetricNames}), adds
     * the validation metrics of {@link #validateOn} when given, and starts the next epoch.
     */
    void epochEnd(Map<String, Double> metrics);

    /** Reports the end of the current epoch with no metrics of its own. */
    default void epochEnd() {
        epochEnd(Map.of());
    }

    @Override
    TrainingReporter validateOn(Object data);
}
