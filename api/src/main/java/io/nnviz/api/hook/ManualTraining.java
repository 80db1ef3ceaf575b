package io.nnviz.api.hook;

import io.nnviz.api.ModelView;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Hooks for a training loop nnviz has no backend for: a hand-written network, or a framework
 * without listeners. The loop asks what to capture, captures it, and reports the step; the hook
 * rules (errors never reach the loop, {@code onTrainingEnd} once) are the same as with backends.
 *
 * <pre>{@code
 * try (ManualTraining training = ManualTraining.start(model, recorder)) {
 *     for (int step = 1; step <= steps; step++) {
 *         float loss = trainOneStep();
 *         training.stepEnd(loss, request -> request.weights() ? snapshotOfMyWeights() : Snapshot.EMPTY);
 *     }
 * }
 * }</pre>
 */
public final class ManualTraining implements TrainingReporter, DispatchedAttachment {
    private final HookDispatcher dispatcher;
    private long step;
    private int epoch;
    private Supplier<Map<String, Double>> validation;

    private ManualTraining(ModelView model, List<Hook> hooks) {
        this.dispatcher = new HookDispatcher(model, hooks, () -> { });
    }

    /** Starts delivering events to {@code hooks}; {@code model} may be {@code null}. */
    public static ManualTraining start(ModelView model, Hook... hooks) {
        return new ManualTraining(model, List.of(hooks));
    }

    /**
     * Reports the end of a step: asks the hooks what they want, lets {@code capture} copy it,
     * and delivers the event. {@code capture} is not called when nothing is wanted.
     */
    public void stepEnd(double loss, Map<String, Double> metrics, Function<CaptureRequest, Snapshot> capture) {
        Objects.requireNonNull(capture, "capture");
        step++;
        CaptureRequest req = dispatcher.request(step, epoch);
        Snapshot snap = req.isEmpty() ? Snapshot.EMPTY : Objects.requireNonNullElse(capture.apply(req), Snapshot.EMPTY);
        dispatcher.stepEnd(new TrainingEvent(step, epoch, loss, metrics, snap));
    }

    /** Reports the end of a step with its loss only. */
    public void stepEnd(double loss, Function<CaptureRequest, Snapshot> capture) {
        stepEnd(loss, Map.of(), capture);
    }

    /** Reports the end of a step with its loss and metrics, capturing nothing. */
    @Override
    public void stepEnd(double loss, Map<String, Double> metrics) {
        stepEnd(loss, metrics, request -> Snapshot.EMPTY);
    }

    /**
     * Reports the end of the current epoch with its metrics (for example
     * {@code Map.of("train/accuracy", 0.91, "validation/accuracy", 0.88)}) and starts the next.
     */
    public void epochEnd(double loss, Map<String, Double> metrics) {
        Map<String, Double> all = new LinkedHashMap<>(metrics);
        if (validation != null) {
            Objects.requireNonNull(validation.get(), "the validation supplier returned null")
                    .forEach((k, v) -> all.put(MetricNames.validation(MetricNames.canonical(k)), v));
        }
        dispatcher.epochEnd(new TrainingEvent(step, epoch, loss, all, Snapshot.EMPTY));
        epoch++;
    }

    /** Reports the end of the current epoch with its metrics, and no loss of its own. */
    @Override
    public void epochEnd(Map<String, Double> metrics) {
        epochEnd(Double.NaN, metrics);
    }

    /**
     * Without a framework, "its own evaluation" is yours: {@code data} is a
     * {@code Supplier<Map<String, Double>>} that evaluates the validation data and returns its
     * metrics by plain name ({@code "loss"}, {@code "accuracy"}), called at each {@link #epochEnd}
     * and delivered as {@code validation/loss}, ...
     */
    @Override
    @SuppressWarnings("unchecked")
    public ManualTraining validateOn(Object data) {
        if (!(data instanceof Supplier<?> s)) {
            throw new IllegalArgumentException("ManualTraining evaluates a Supplier<Map<String, Double>> of validation metrics, not "
                    + (data == null ? "null" : data.getClass().getName()));
        }
        this.validation = (Supplier<Map<String, Double>>) s;
        return this;
    }

    /** The dispatcher delivering to the hooks, made with this object. */
    @Override
    public HookDispatcher dispatcher() {
        return dispatcher;
    }

    /** Ends training for the hooks; idempotent. */
    @Override
    public void close() {
        dispatcher.close();
    }
}
