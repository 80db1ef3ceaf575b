package io.nnviz.api.hook;

/**
 * Hooks attached to a training loop. {@link #close()} removes them from the framework (and calls
 * their {@link Hook#onTrainingEnd} if training has not ended); it is idempotent.
 */
public interface Attachment extends AutoCloseable {

    /** How many times an attached hook threw; those throwables were logged, not rethrown. */
    long hookErrors();

    /** How many step events were delivered. */
    long stepsSeen();

    /**
     * Time the training thread(s) spent inside nnviz so far: the backend copying what hooks asked
     * for, and the hooks themselves, in nanoseconds summed over threads. What nnviz added to your
     * training loop, measured where it happens. 0 where a backend does not measure it.
     */
    default long timeInNnvizNanos() {
        return 0;
    }

    /** Removes the hooks; safe to call twice. */
    @Override
    void close();
}
