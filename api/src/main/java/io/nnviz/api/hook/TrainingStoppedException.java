package io.nnviz.api.hook;

import io.nnviz.api.NnvizException;

/**
 * Thrown into a training loop, out of the framework's {@code fit} (or a reporter's
 * {@code stepEnd}), when a hook asked to stop training ({@link Hook#stopReason()}): a recorder
 * whose stop policy met a finding, for example the first NaN. Catch it around {@code fit}; the
 * attachment is still open, and closing it ends the run as usual.
 *
 * <pre>{@code
 * try (Attachment a = NNViz.attach(net, recorder)) {
 *     net.fit(data, 10);
 * } catch (TrainingStoppedException e) {
 *     System.err.println(e.getMessage());     // nnviz stopped training at step 1,210: ERROR non-finite ...
 * }
 * }</pre>
 */
public final class TrainingStoppedException extends NnvizException {
    private static final long serialVersionUID = 1L;
    private final long step;
    private final String reason;

    /** Training stopped after {@code step} for {@code reason}. */
    public TrainingStoppedException(long step, String reason) {
        super(String.format(java.util.Locale.ROOT, "nnviz stopped training at step %,d: %s", step, reason));
        this.step = step;
        this.reason = reason;
    }

    /** The step after which training stopped, as the framework counts it. */
    public long step() {
        return step;
    }

    /** Why: what the hook said. */
    public String reason() {
        return reason;
    }
}
