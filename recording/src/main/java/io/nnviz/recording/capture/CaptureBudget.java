package io.nnviz.recording.capture;

import java.util.function.LongSupplier;

/**
 * Keeps a recorder within a share of the training time, whatever the machine and the model: it
 * measures, from the training thread's own clock, how much longer a step that captures something
 * and the {@value #AFTER} steps after it take than steps that capture nothing (which covers the
 * backend's copies as well as the hook, and what they leave to the next steps: caches the copies
 * evicted, the recorder's worker busy with them on another core, the collector), and nnviz's time
 * on a step that captures nothing (the backend reading the loss, the recorder's
 * own work: paid every step, whatever the intervals); it stretches the capture intervals by powers of two while the two together are over
 * the budget, and narrows them again once they are well under. Pauses between steps (evaluations,
 * checkpoints, data loading hiccups) are not taken for capture costs.
 *
 * <p>It also counts the CPU time of the recorder's background worker (each capture's statistics, the
 * doctor's checks), as a share of all the machine's cores over the wall clock: the share a training
 * using every core (TensorFlow's inter-op threads) loses to it. The training thread's clock does not
 * see that cost, since the work runs on another thread; on TensorFlow it was the larger part of what
 * the wall clock showed and the budget did not (2026-12-07). A training on one thread loses less to
 * it, so there it is counted on the safe side.
 *
 * <p>Not thread-safe: {@link Captures} calls it under its own lock from the recorder's step
 * callbacks, which hook dispatchers serialise.
 */
final class CaptureBudget {
    /** Most the intervals are stretched. */
    static final int MAX_STRETCH = 64;
    private static final int DECIDE_EVERY = 50, MIN_SAMPLES = 3;
    /** A plain step this many times the plain estimate, or a sampled one {@link #PAUSE} times, is a pause, not a step. */
    private static final double PLAIN_PAUSE = 3, PAUSE = 20;
    /**
     * Steps after a capture whose excess over a plain step is counted as the capture's: a capture's
     * copies cost the steps that follow it too (on DJL's LeNet about a fifth of its cost, which the
     * wall clock showed and the budget did not, 2026-12-07); those steps are not plain ones either.
     */
    static final int AFTER = 2;

    private final double budget;
    private long lastEnd;
    private double plain = Double.NaN, extra = Double.NaN, own = Double.NaN;
    /**
     * What a capture costs the {@link #AFTER} steps after it, averaged slowly and signed: those steps
     * are as noisy as any, and a faster one must offset a slower one for noise not to count as cost.
     * Only its positive side is added to the capture's own cost, which stays measured as before (its
     * step's excess, never below zero), so the steps after a capture never make a capture look cheaper
     * than its own step: on DL4J's 110 ms steps, noisy by milliseconds, a signed average of all three
     * steps fell to zero and the intervals narrowed to x1 (2026-12-07).
     */
    private double afterCost = Double.NaN, pendingAfter;
    /** How many of the steps after the last capture are left to count (0: none). */
    private int after;
    private int samples, stretch = 1, sinceDecision;
    /** The worker's CPU time so far (nanoseconds, negative if not known), and the machine's cores. */
    private final LongSupplier workerCpu;
    private final int cores;
    /** The worker's CPU time and the clock at the last decision; its share of the machine, scaled to stretch 1. */
    private long lastWorkerCpu = -1, lastWorkerAt;
    private double worker = Double.NaN;

    /** A budget of {@code fraction} of the training time (0 turns it off: intervals stay as configured), not counting a worker. */
    CaptureBudget(double fraction) {
        this(fraction, () -> -1, 1);
    }

    /**
     * A budget of {@code fraction} of the training time that also counts {@code workerCpu}, the CPU
     * nanoseconds the recorder's worker has used so far (negative: not known), on a machine of {@code cores}.
     */
    CaptureBudget(double fraction, LongSupplier workerCpu, int cores) {
        this.budget = fraction;
        this.workerCpu = workerCpu;
        this.cores = Math.max(1, cores);
    }

    /** A new attachment: the first step after it has no gap to measure. */
    void restart() {
        lastEnd = 0;
    }

    /**
     * A step ended at {@code now} (nanoTime); {@code sampled} says whether it captured anything,
     * {@code share} is the fraction of steps the configured intervals sample at stretch 1, and
     * {@code ownNanos} nnviz's time on the training thread in this step (the backend's and the recorder's).
     */
    void stepEnded(long now, boolean sampled, double share, long ownNanos) {
        long gap = lastEnd == 0 ? -1 : now - lastEnd;
        lastEnd = now;
        if (budget <= 0 || gap <= 0 || Double.isFinite(plain) && gap > (sampled ? PAUSE : PLAIN_PAUSE) * plain) {
            after = 0; // a pause after a capture: what the capture left is not told apart from it
            return;
        }
        if (!sampled) {
            own = Double.isNaN(own) ? ownNanos : own * 0.95 + ownNanos * 0.05;
            if (after > 0) {
                pendingAfter += gap - plain;
                if (--after == 0) {
                    afterCost = Double.isNaN(afterCost) ? pendingAfter : afterCost * 0.95 + pendingAfter * 0.05;
                }
            } else {
                plain = Double.isNaN(plain) ? gap : plain * 0.95 + gap * 0.05;
            }
        } else if (Double.isFinite(plain)) {
            double cost = Math.max(0, gap - plain);
            extra = Double.isNaN(extra) ? cost : extra * 0.8 + cost * 0.2;
            samples++;
            after = AFTER; // a capture before the last one's steps are counted drops what they had so far
            pendingAfter = 0;
        }
        if (++sinceDecision >= DECIDE_EVERY && samples >= MIN_SAMPLES) {
            sinceDecision = 0;
            measureWorker(now);
            double every = Double.isNaN(own) ? 0 : own / plain;
            if (estimate(stretch, share) > budget && stretch < MAX_STRETCH) {
                stretch *= 2;
            } else if (stretch > 1 && estimate(stretch / 2, share) - every < (budget - every) / 2) {
                // narrowed once the captures, twice as often, would take under half what the work on every step leaves
                // of the budget: room for them to cost more before the next stretch
                stretch /= 2;
            }
        }
    }

    /**
     * Reads the worker's CPU time since the last decision as a share of the machine over that wall
     * time, scaled to stretch 1 as if all of it came from the captures (the doctor's paced checks do
     * not shrink with the stretch: narrowing then waits longer, the safe side).
     */
    private void measureWorker(long now) {
        long cpu = workerCpu.getAsLong();
        if (cpu >= 0 && lastWorkerCpu >= 0 && cpu >= lastWorkerCpu && now > lastWorkerAt) {
            double w = (double) (cpu - lastWorkerCpu) / cores / (now - lastWorkerAt) * stretch;
            worker = Double.isNaN(worker) ? w : worker * 0.9 + w * 0.1; // windows of 50 steps hold a capture's work or none
        }
        lastWorkerCpu = cpu;
        lastWorkerAt = now;
    }

    /** The share of training time nnviz takes at a stretch: the captures, the work on every step, and the worker's. */
    private double estimate(int s, double share) {
        return (captureCost() * share / s + (Double.isNaN(own) ? 0 : own)) / plain + workerShare(s);
    }

    /** The worker's share of the machine at stretch {@code s}, 0 while not known. */
    private double workerShare(int s) {
        return Double.isNaN(worker) ? 0 : worker / s;
    }

    /** A capture's cost: its own step's, and what it leaves to the steps after it where that is more than nothing. */
    private double captureCost() {
        return extra + (afterCost > 0 ? afterCost : 0);
    }

    /** The factor the configured intervals are multiplied by now (1 unless over budget). */
    int stretch() {
        return stretch;
    }

    /** The measured share of training time the captures take at the current stretch, or NaN before it is known. */
    double share(double share) {
        return samples < MIN_SAMPLES || !(plain > 0) ? Double.NaN : captureCost() * share / stretch / plain;
    }

    /** The measured share of the machine's CPU the worker takes at the current stretch, or NaN before it is known. */
    double workerShare() {
        return Double.isNaN(worker) ? Double.NaN : workerShare(stretch);
    }

    /** The measured share of training time nnviz's work on every step takes, or NaN before it is known. */
    double ownShare() {
        return plain > 0 && !Double.isNaN(own) ? own / plain : Double.NaN;
    }

    /** The budget, as a fraction of the training time. */
    double budget() {
        return budget;
    }
}
