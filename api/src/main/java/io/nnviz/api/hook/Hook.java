package io.nnviz.api.hook;

import io.nnviz.api.ModelView;

/**
 * Receives training events from any framework's training loop. Attach one with
 * {@link io.nnviz.NNViz#attach(Object, Hook...)}.
 *
 * <pre>{@code
 * Hook lossPrinter = new Hook() {
 *     public void onStepEnd(TrainingEvent e) {
 *         if (e.step() % 100 == 0) System.out.println(e.step() + " " + e.loss());
 *     }
 * };
 * try (Attachment a = NNViz.attach(network, lossPrinter)) {
 *     network.fit(trainData, 3);
 * }
 * }</pre>
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>Callbacks run on the training thread: keep them short and hand heavy work (rendering,
 *       file writing) to another thread.</li>
 *   <li>What a hook throws is logged and counted, never rethrown into training (unless the
 *       system property {@code nnviz.hooks.strict=true} is set, for tests).</li>
 *   <li>Data arrives only when asked for with {@link #request(long, int)}: ask rarely.</li>
 * </ul>
 */
public interface Hook {

    /**
     * Called once per attachment, before its first step: with the model being trained, or
     * {@code null} where the backend cannot describe it. A hook attached again (to the same network,
     * a new trainer, a new session) gets this again; the steps that follow may start again at 1.
     */
    default void onAttach(ModelView model) {
    }

    /**
     * What to capture at the step that is about to complete ({@code step} is its 1-based number).
     * Called on the training thread before the step's data is gone; must be cheap.
     */
    default CaptureRequest request(long step, int epoch) {
        return CaptureRequest.NONE;
    }

    /** After each optimisation step. */
    default void onStepEnd(TrainingEvent event) {
    }

    /**
     * After each epoch, with the epoch's metrics where the framework or the loop reports them
     * (named as {@link MetricNames} says: {@code "train/accuracy"}, {@code "validation/loss"}).
     */
    default void onEpochEnd(TrainingEvent event) {
    }

    /**
     * Asked after each step's event has reached every hook: why training should stop now, or
     * {@code null} (the default) to go on. When a hook gives a reason, the step's callback throws
     * {@link TrainingStoppedException} with it into the training loop, the one way to stop every
     * framework's loop from a listener: out of DL4J's and DJL's {@code fit}, out of
     * {@code stepEnd} for loops that report themselves. What a recorder's stop policy uses
     * ({@code Recorder.builder().stopOn(Severity.ERROR)}). Must be cheap.
     */
    default String stopReason() {
        return null;
    }

    /** When the training loop ends or the hook is detached, whichever comes first; called once. */
    default void onTrainingEnd(TrainingEvent event) {
    }
}
