package io.nnviz.api.hook;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One training event: the end of a step (iteration), of an epoch, or of training.
 *
 * @param step     number of optimisation steps completed (1 after the first)
 * @param epoch    zero-based epoch the step belongs to
 * @param loss     the training loss of the step (NaN where the framework does not report one)
 * @param metrics  other scalars by name (accuracy, learning rate, ...), in display order
 * @param snapshot what was captured at this step; {@link Snapshot#EMPTY} on most steps
 */
public record TrainingEvent(long step, int epoch, double loss, Map<String, Double> metrics, Snapshot snapshot) {
    /** Validates and copies the arguments. */
    public TrainingEvent {
        metrics = metrics.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        Objects.requireNonNull(snapshot, "snapshot");
    }

    /** An event with no metrics and no snapshot. */
    public static TrainingEvent of(long step, int epoch, double loss) {
        return new TrainingEvent(step, epoch, loss, Map.of(), Snapshot.EMPTY);
    }
}
