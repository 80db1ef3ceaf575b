package io.nnviz.backend.djl;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import io.nnviz.api.NnvizException;

import java.lang.reflect.Field;
import java.util.List;
import java.util.Optional;

/**
 * A DJL trainer's listener list. DJL has no public way to add a listener to a trainer that
 * exists: a {@code Trainer} keeps the list its {@code TrainingConfig} returned (for
 * {@code DefaultTrainingConfig}, the config's own mutable list) in a private field, and calls
 * whatever is in it. nnviz reads that field, so that {@code NNViz.attach(trainer, hooks)} works
 * and {@code close()} can take the listener out again.
 */
final class DjlTrainers {
    private DjlTrainers() {
    }

    /** The trainer's own listener list, if it can be reached. */
    @SuppressWarnings("unchecked")
    static Optional<List<TrainingListener>> listeners(Trainer trainer) {
        try {
            Field f = Trainer.class.getDeclaredField("listeners");
            f.setAccessible(true);
            Object v = f.get(trainer);
            return v instanceof List<?> l ? Optional.of((List<TrainingListener>) l) : Optional.empty();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Adds {@code l} to the trainer's listeners, or says what to do instead. */
    static DjlListener attach(Trainer trainer, DjlListener l) {
        List<TrainingListener> list = listeners(trainer).orElseThrow(() -> new NnvizException(
                "nnviz cannot add a listener to this DJL Trainer (" + trainer.getClass().getName() + "); attach the hooks to its "
                        + "TrainingConfig before the trainer is made: NNViz.attach(config, hooks) or config.addTrainingListeners(DjlListener.of(hooks))"));
        try {
            return l.installIn(list);
        } catch (UnsupportedOperationException e) {
            throw new NnvizException("this DJL Trainer's listener list is fixed; attach the hooks to its TrainingConfig before the "
                    + "trainer is made: NNViz.attach(config, hooks)", e);
        }
    }
}
