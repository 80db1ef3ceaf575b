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

    /** Removes the hooks; safe to call twice. */
    @Override
    void close();
}
