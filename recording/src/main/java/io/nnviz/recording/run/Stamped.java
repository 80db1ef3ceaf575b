package io.nnviz.recording.run;

import java.util.Objects;

/**
 * A value recorded at a training step.
 *
 * @param step  the run's global step
 * @param value what was recorded
 * @param <T>   its type
 */
public record Stamped<T>(long step, T value) {
    /** Validates the value. */
    public Stamped {
        Objects.requireNonNull(value, "value");
    }
}
