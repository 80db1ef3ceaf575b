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
 * @param nnvizNanos the time nnviz spent on the training thread for this step before the hooks'
 *                   step callbacks: the backend's copies and loss, the hooks' requests (set by
 *                   the {@link HookDispatcher}; 0 in an event made by hand). A hook that keeps
 *                   nnviz within a share of the training time counts it with its own.
 */
public record TrainingEvent(long step, int epoch, double loss, Map<String, Double> metrics, Snapshot snapshot, long nnvizNanos) {
    /** Validates and copies the arguments. */
    public TrainingEvent {
        metrics = metrics.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        Objects.requireNonNull(snapshot, "snapshot");
        if (nnvizNanos < 0) {
            throw new IllegalArgumentException("nnvizNanos " + nnvizNanos + " < 0");
        }
    }

    /** An event as a backend makes it: the dispatcher adds the time nnviz spent on the step. */
    public TrainingEvent(long step, int epoch, double loss, Map<String, Double> metrics, Snapshot snapshot) {
        this(step, epoch, loss, metrics, snapshot, 0);
    }

    /** This event with {@code nanos} as the time nnviz spent on the step before the hooks. */
    public TrainingEvent withNnvizNanos(long nanos) {
        return new TrainingEvent(step, epoch, loss, metrics, snapshot, nanos);
    }

    /** An event with no metrics and no snapshot. */
    public static TrainingEvent of(long step, int epoch, double loss) {
        return new TrainingEvent(step, epoch, loss, Map.of(), Snapshot.EMPTY);
    }
}
