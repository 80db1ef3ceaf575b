package io.nnviz.backend.djl;

import ai.djl.ndarray.NDList;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.evaluator.Evaluator;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.listener.TrainingListener;
import ai.djl.translate.TranslateException;
import io.nnviz.api.hook.MetricNames;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The epoch's values of the trainer's own evaluators (its loss and, say, {@code Accuracy}) on the
 * training and the validation batches, as {@code train/NAME} and {@code validation/NAME} (the
 * loss as {@code loss}). DJL computes them in its {@link EvaluatorTrainingListener} (added by
 * {@code TrainingListener.Defaults}); where that listener runs, nnviz reads its values and adds no
 * work: from its accumulators if it comes after nnviz in the listener list (they are reset in its
 * own {@code onEpoch}), from its latest evaluations if it comes before. Without it, nnviz keeps
 * accumulators of its own on the same evaluators.
 */
final class DjlEvaluations {
    private static final String TRAIN = "nnviz/train", VALIDATE = "nnviz/validate", HELD_OUT = "nnviz/validateOn";

    private final List<TrainingListener> listeners;
    private final TrainingListener self;
    private boolean own;
    /** The epoch's training losses so far, when nnviz keeps its own accumulators. */
    private double lossSum;
    private long lossBatches;

    /** For the listener {@code self} in {@code listeners} (the trainer's list; null if unknown). */
    DjlEvaluations(List<TrainingListener> listeners, TrainingListener self) {
        this.listeners = listeners;
        this.self = self;
    }

    private EvaluatorTrainingListener djls() {
        if (listeners != null) {
            for (TrainingListener l : listeners) {
                if (l instanceof EvaluatorTrainingListener e) {
                    return e;
                }
            }
        }
        return null;
    }

    /**
     * This batch's loss as DJL's evaluator listener has just accumulated it (its per-batch
     * {@code TRAIN_ALL}, which DJL's own divergence check reads too), or NaN when that listener is
     * not in the trainer's list before this one: the value is then the last batch's, or none.
     */
    double djlBatchLoss(Trainer trainer) {
        EvaluatorTrainingListener djl = djls();
        if (djl == null || listeners.indexOf(djl) > listeners.indexOf(self)) {
            return Double.NaN;
        }
        return acc(trainer.getLoss(), EvaluatorTrainingListener.TRAIN_ALL);
    }

    /** Sets up nnviz's own accumulators if DJL's evaluator listener is not there; call before the first batch counts. */
    void begin(Trainer trainer) {
        if (djls() == null && !own) {
            own = true;
            for (Evaluator e : trainer.getEvaluators()) {
                e.addAccumulator(TRAIN);
                e.addAccumulator(VALIDATE);
            }
        }
    }

    /**
     * A training batch whose loss the listener has as {@code loss}: counted into nnviz's own
     * accumulators if it keeps them. The trainer's loss is averaged here from that value (DJL's
     * accumulator is the mean of the batches' losses too) instead of being evaluated again in
     * native ops on every step, unless the batch was split over devices (the listener's value is
     * the first device's).
     */
    void trainingBatch(Trainer trainer, TrainingListener.BatchData batch, double loss) {
        if (!own) {
            return;
        }
        boolean oneDevice = batch.getLabels().size() == 1;
        for (Evaluator e : trainer.getEvaluators()) {
            if (e == trainer.getLoss() && oneDevice) {
                lossSum += loss;
                lossBatches++;
                continue;
            }
            for (var device : batch.getLabels().keySet()) {
                e.updateAccumulator(TRAIN, batch.getLabels().get(device), batch.getPredictions().get(device));
            }
        }
    }

    /** A validation batch: counted into nnviz's own accumulators if it keeps them. */
    void validationBatch(Trainer trainer, TrainingListener.BatchData batch) {
        if (own) {
            update(trainer, batch, VALIDATE);
        }
    }

    private static void update(Trainer trainer, TrainingListener.BatchData batch, String key) {
        for (Evaluator e : trainer.getEvaluators()) {
            for (var device : batch.getLabels().keySet()) {
                NDList labels = batch.getLabels().get(device), preds = batch.getPredictions().get(device);
                e.updateAccumulator(key, labels, preds);
            }
        }
    }

    /** The epoch's values, finite ones only; resets nnviz's own accumulators. */
    Map<String, Double> epoch(Trainer trainer) {
        Map<String, Double> out = new LinkedHashMap<>();
        EvaluatorTrainingListener djl = djls();
        boolean djlFirst = djl != null && listeners.indexOf(djl) < listeners.indexOf(self);
        for (Evaluator e : trainer.getEvaluators()) {
            String name = name(trainer, e);
            double train, validate;
            if (djl == null) {
                train = !own ? Double.NaN : e == trainer.getLoss() && lossBatches > 0 ? lossSum / lossBatches : acc(e, TRAIN);
                validate = own ? acc(e, VALIDATE) : Double.NaN;
            } else if (djlFirst) {
                Map<String, Float> latest = djl.getLatestEvaluations();
                train = latest.getOrDefault("train_" + e.getName(), Float.NaN);
                validate = latest.getOrDefault("validate_" + e.getName(), Float.NaN);
            } else {
                train = acc(e, EvaluatorTrainingListener.TRAIN_EPOCH);
                validate = acc(e, EvaluatorTrainingListener.VALIDATE_EPOCH);
            }
            if (Double.isFinite(train)) {
                out.put(MetricNames.train(name), train);
            }
            if (Double.isFinite(validate)) {
                out.put(MetricNames.validation(name), validate);
            }
            if (own) {
                e.resetAccumulator(TRAIN);
                e.resetAccumulator(VALIDATE);
            }
        }
        lossSum = 0;
        lossBatches = 0;
        return out;
    }

    /** An evaluator's name as nnviz spells it: the trainer's loss is {@code loss}, {@code Accuracy} is {@code accuracy}. */
    private static String name(Trainer trainer, Evaluator e) {
        return e == trainer.getLoss() ? "loss" : MetricNames.canonical(e.getName());
    }

    /**
     * Evaluates {@code data} with the trainer's own evaluators, in accumulators of nnviz's own
     * (so DJL's and the user's are untouched): {@code validation/NAME} for each evaluator.
     */
    static Map<String, Double> validate(Trainer trainer, Dataset data) throws IOException, TranslateException {
        List<Evaluator> evaluators = List.copyOf(trainer.getEvaluators());
        for (Evaluator e : evaluators) {
            e.addAccumulator(HELD_OUT);
        }
        try {
            for (Batch b : trainer.iterateDataset(data)) {
                try (b; NDList preds = trainer.evaluate(b.getData())) {
                    for (Evaluator e : evaluators) {
                        e.updateAccumulator(HELD_OUT, b.getLabels(), preds);
                    }
                }
            }
            Map<String, Double> out = new LinkedHashMap<>();
            for (Evaluator e : evaluators) {
                double v = acc(e, HELD_OUT);
                if (Double.isFinite(v)) {
                    out.put(MetricNames.validation(name(trainer, e)), v);
                }
            }
            return out;
        } finally {
            for (Evaluator e : evaluators) {
                e.resetAccumulator(HELD_OUT);
            }
        }
    }

    /** {@code epoch}'s values with its validation values replaced by {@code validation}'s. */
    static Map<String, Double> withValidation(Map<String, Double> epoch, Map<String, Double> validation) {
        Map<String, Double> out = new LinkedHashMap<>();
        epoch.forEach((k, v) -> {
            if (!MetricNames.split(k).filter(MetricNames.VALIDATION::equals).isPresent()) {
                out.put(k, v);
            }
        });
        out.putAll(validation);
        return out;
    }

    /** An accumulator's value; NaN where it has none (DJL's losses throw for an unknown key). */
    private static double acc(Evaluator e, String key) {
        try {
            return e.getAccumulator(key);
        } catch (RuntimeException ex) {
            return Double.NaN;
        }
    }
}
