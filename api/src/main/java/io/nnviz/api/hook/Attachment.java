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

    /**
     * Evaluates {@code data} at the end of every epoch with the framework's own evaluation and
     * delivers the values with the epoch's end as {@code validation/loss}, {@code validation/accuracy}
     * and the framework's other metrics under their canonical names ({@link MetricNames}): the one
     * validation idiom on every framework. What {@code data} is depends on the framework: a DL4J
     * {@code DataSetIterator} or {@code DataSet}; a DJL {@code Dataset} (evaluated with the trainer's
     * own evaluators; its values replace those of a validation set given to {@code EasyTrain.fit});
     * for TensorFlow Java, an {@code Iterable} of feeds ({@code Map<String, Tensor>} from placeholder
     * name to tensor: the input and the labels) run through the loss op named at attach, at each
     * {@code epochEnd()}. Given again, the new data replaces the old.
     *
     * @return this attachment
     * @throws IllegalArgumentException if this framework's attachment cannot evaluate that kind of data
     */
    Attachment validateOn(Object data);

    /** Removes the hooks; safe to call twice. */
    @Override
    void close();
}
