package io.nnviz.api.hook;

import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.TrainingEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delivers training events to hooks on behalf of a backend, keeping the hook rules in one place:
 * a hook's exception is logged and counted, never rethrown into training (unless the system
 * property {@code nnviz.hooks.strict} is {@code true}); calls are serialised, so hooks need not be
 * thread-safe even when a framework trains on several threads; {@code onTrainingEnd} is delivered
 * exactly once.
 *
 * <p>A backend's listener asks {@link #request(long, int)} what to copy, copies it, then calls
 * {@link #stepEnd(TrainingEvent)}. Users with a hand-written training loop can do the same through
 * {@link io.nnviz.api.hook.ManualTraining}.
 */
public final class HookDispatcher implements Attachment {
    private static final Logger LOG = LoggerFactory.getLogger(HookDispatcher.class);
    private static final int LOGGED_WITH_TRACE = 5;

    private final List<Hook> hooks;
    private final Runnable detach;
    private final boolean strict;
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong nanos = new AtomicLong();
    /** The time nnviz spent on the step under way, before its end is delivered: given to the hooks with it. */
    private final AtomicLong stepNanos = new AtomicLong();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile TrainingEvent last = TrainingEvent.of(0, 0, Double.NaN);

    /**
     * A dispatcher for {@code hooks}.
     *
     * @param model  the model being trained, passed to {@link Hook#onAttach}; may be {@code null}
     *               where the backend cannot describe it
     * @param hooks  the hooks, called in order
     * @param detach what {@link #close()} runs to remove the backend's listener from the framework
     */
    public HookDispatcher(ModelView model, List<Hook> hooks, Runnable detach) {
        this.hooks = List.copyOf(hooks);
        this.detach = Objects.requireNonNull(detach, "detach");
        this.strict = Boolean.getBoolean("nnviz.hooks.strict");
        for (Hook h : this.hooks) {
            call(h, "onAttach", () -> h.onAttach(model));
        }
    }

    /** What the hooks want captured at {@code step}, merged; {@link CaptureRequest#NONE} if nothing. */
    public synchronized CaptureRequest request(long step, int epoch) {
        long t0 = System.nanoTime();
        try {
            return merged(step, epoch);
        } finally {
            long spent = System.nanoTime() - t0;
            nanos.addAndGet(spent);
            stepNanos.addAndGet(spent);
        }
    }

    private CaptureRequest merged(long step, int epoch) {
        CaptureRequest merged = CaptureRequest.NONE;
        for (Hook h : hooks) {
            try {
                CaptureRequest r = h.request(step, epoch);
                if (r != null) {
                    merged = merged.merge(r);
                }
            } catch (RuntimeException | LinkageError | AssertionError e) {
                failed(h, "request", e);
            }
        }
        return merged;
    }

    /**
     * Delivers a step-end event, then asks the hooks whether training should stop
     * ({@link Hook#stopReason()}).
     *
     * @throws TrainingStoppedException if a hook asks to stop: backends let it through to the
     *                                  framework's loop, which it ends
     */
    public synchronized void stepEnd(TrainingEvent stepEvent) {
        if (closed.get()) {
            return;
        }
        steps.incrementAndGet();
        TrainingEvent event = stepEvent.withNnvizNanos(stepNanos.getAndSet(0));
        last = event;
        if (Double.isFinite(event.loss())) {
            epochLossSum += event.loss();
            epochLossSteps++;
        }
        for (Hook h : hooks) {
            call(h, "onStepEnd", () -> h.onStepEnd(event));
        }
        for (Hook h : hooks) {
            String[] reason = new String[1];
            call(h, "stopReason", () -> reason[0] = h.stopReason());
            if (reason[0] != null) {
                throw new TrainingStoppedException(event.step(), reason[0]);
            }
        }
    }

    private double epochLossSum;
    private long epochLossSteps;

    /**
     * Delivers an epoch-end event. Where the framework gave no {@code train/loss} for the epoch
     * (DJL does; DL4J and TensorFlow report only each step's), it is the mean of the epoch's step
     * losses, so every framework's epoch chart has its training curve beside the validation one.
     */
    public synchronized void epochEnd(TrainingEvent event) {
        if (closed.get()) {
            return;
        }
        TrainingEvent e = event;
        String trainLoss = MetricNames.train("loss");
        if (epochLossSteps > 0 && !event.metrics().containsKey(trainLoss)) {
            Map<String, Double> m = new LinkedHashMap<>(event.metrics());
            m.put(trainLoss, epochLossSum / epochLossSteps);
            e = new TrainingEvent(event.step(), event.epoch(), event.loss(), m, event.snapshot());
        }
        epochLossSum = 0;
        epochLossSteps = 0;
        TrainingEvent delivered = e;
        for (Hook h : hooks) {
            call(h, "onEpochEnd", () -> h.onEpochEnd(delivered));
        }
    }

    /** Delivers the training-end event, once; later calls do nothing. */
    public synchronized void trainingEnd(TrainingEvent event) {
        if (ended.compareAndSet(false, true)) {
            for (Hook h : hooks) {
                call(h, "onTrainingEnd", () -> h.onTrainingEnd(event));
            }
        }
    }

    /**
     * Adds time a backend spent on the training thread for nnviz (copying captures, reading the
     * loss); the dispatcher adds the time of its own hook calls itself. What was added since the
     * last step's end goes to the hooks with the next one ({@link TrainingEvent#nnvizNanos}).
     */
    public void addTimeInNnviz(long nanoseconds) {
        nanos.addAndGet(nanoseconds);
        stepNanos.addAndGet(nanoseconds);
    }

    @Override
    public long timeInNnvizNanos() {
        return nanos.get();
    }

    /** The last step event delivered (step 0 before the first). */
    public TrainingEvent lastEvent() {
        return last;
    }

    @Override
    public long hookErrors() {
        return errors.get();
    }

    @Override
    public long stepsSeen() {
        return steps.get();
    }

    /** True once {@link #close()} has run. */
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            detach.run();
        } finally {
            TrainingEvent e = last;
            trainingEnd(TrainingEvent.of(e.step(), e.epoch(), e.loss()));
        }
    }

    private void call(Hook h, String method, Runnable r) {
        long t0 = System.nanoTime();
        try {
            r.run();
        } catch (RuntimeException | LinkageError | AssertionError e) {
            failed(h, method, e);
        } finally {
            nanos.addAndGet(System.nanoTime() - t0);
        }
    }

    private void failed(Hook h, String method, Throwable e) {
        long n = errors.incrementAndGet();
        String msg = "nnviz hook " + h.getClass().getName() + "." + method + " threw " + e
                + " (error " + n + "; training continues)";
        if (strict) {
            throw new NnvizException(msg, e);
        }
        if (n <= LOGGED_WITH_TRACE) {
            LOG.warn(msg, e);
        } else if (Long.bitCount(n) == 1) {
            LOG.warn(msg + "; logging only every power of two from now on");
        }
    }

    /** A dispatcher has no model to evaluate: the backend's attachment that owns it evaluates validation data. */
    @Override
    public Attachment validateOn(Object data) {
        throw new IllegalArgumentException("a HookDispatcher evaluates nothing; give the validation data to the attachment NNViz.attach returned");
    }
}
