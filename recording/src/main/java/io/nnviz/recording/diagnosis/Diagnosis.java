package io.nnviz.recording.diagnosis;

import io.nnviz.analysis.doctor.Doctor;
import io.nnviz.analysis.doctor.Finding;
import io.nnviz.analysis.doctor.Severity;
import io.nnviz.recording.run.RunLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A run diagnosed while it is recorded: each {@link #check()} runs the {@link Doctor} over the
 * run as it is then, hands every finding not seen before (by {@link Finding#key()}) to the
 * listener, and once a finding at or above the stop severity is found, says why training should
 * stop ({@link #stopReason()}). Thread-safe: checks run one at a time, from the recorder's
 * worker or, for a non-finite loss, the training thread.
 *
 * <p>Checks are paced so that the doctor keeps to a thousandth of the time, whatever the model's
 * size ({@link #checkDue}): the recorder asks at every step and queues a check when one is due. New
 * statistics (a histogram step, an epoch's end: {@link #newEvidence()}) make a check due as soon
 * as the pace allows; without them one is due each second, for the loss rules read scalars, which
 * every step logs, and a stop policy must not wait for a histogram step the capture budget may
 * have stretched far away. Run at every histogram step (until 2026-12-07), the checks took 70-90% of
 * the recorder's worker on TensorFlow, 3% of a core, outside the capture budget.
 */
public final class Diagnosis {
    private static final Logger LOG = LoggerFactory.getLogger("io.nnviz.recording.Recorder");

    private final Doctor doctor;
    private final RunLog log;
    private final Consumer<Finding> listener;
    private final Severity stopOn;
    private final Set<String> seen = new HashSet<>();
    private volatile List<Finding> findings = List.of();
    private volatile String stopReason;
    /** Checks queued and not run yet. */
    private final AtomicInteger queued = new AtomicInteger();
    /** When the latest check started ({@link System#nanoTime}) and how long it took. */
    private volatile long lastStart = System.nanoTime(), lastTook;

    /** New statistics came since the latest check was queued. */
    private volatile boolean fresh;

    /** The least time between two checks when no new statistics came. */
    static final long CHECK_EVERY_NANOS = 1_000_000_000L;
    /**
     * The latest check's duration times this is the least time from its start to the next one: the
     * checks keep to a thousandth of the wall clock, on whichever thread runs them.
     */
    static final int SHARE_INVERSE = 1000;

    /**
     * A diagnosis of {@code log} by {@code doctor}; {@code listener} gets each new finding (null: none);
     * {@code stopOn} is the severity from which training should stop (null: never).
     */
    public Diagnosis(Doctor doctor, RunLog log, Consumer<Finding> listener, Severity stopOn) {
        this.doctor = Objects.requireNonNull(doctor, "doctor");
        this.log = Objects.requireNonNull(log, "log");
        this.listener = listener;
        this.stopOn = stopOn;
    }

    /** Diagnoses the run as it is now; returns the findings, most severe first. */
    public synchronized List<Finding> check() {
        long start = System.nanoTime();
        List<Finding> now = doctor.diagnose(RunRecord.of(log));
        lastStart = start;
        lastTook = System.nanoTime() - start;
        findings = now;
        for (Finding f : now) {
            if (!seen.add(f.key())) {
                continue;
            }
            if (stopOn != null && stopReason == null && f.severity().atLeast(stopOn)) {
                stopReason = f.line();
            }
            if (listener != null) {
                try {
                    listener.accept(f);
                } catch (RuntimeException e) {
                    LOG.warn("nnviz recorder: the findings listener threw on '{}'; diagnosis goes on", f.key(), e);
                }
            }
        }
        return now;
    }

    /** New statistics were recorded: the next check is due as soon as the pace allows, not a second after the last. */
    public void newEvidence() {
        fresh = true;
    }

    /**
     * Whether a check should be queued at {@code now} ({@link System#nanoTime}): none is queued, the
     * latest started {@value #SHARE_INVERSE} times its duration ago or more, and new statistics came
     * since or a second has passed. Cheap enough for every step.
     */
    public boolean checkDue(long now) {
        long since = now - lastStart;
        return queued.get() == 0 && since >= SHARE_INVERSE * lastTook && (fresh || since >= CHECK_EVERY_NANOS);
    }

    /**
     * Queues a check with {@code queue} (the recorder's worker), counted as queued until it has
     * run or the queue refused it.
     */
    public void queueCheck(Predicate<Runnable> queue) {
        queued.incrementAndGet();
        fresh = false; // the statistics marked so far were queued before this check, on the same worker: it reads them
        if (!queue.test(() -> {
            try {
                check();
            } finally {
                queued.decrementAndGet();
            }
        })) {
            queued.decrementAndGet();
            fresh = true; // refused: the next check reads them
        }
    }

    /**
     * A training event at {@code now} ({@link System#nanoTime}) that brought new statistics if
     * {@code evidence} (a histogram step, an epoch's end): queues a check with {@code queue} if one is due.
     */
    public void pace(long now, boolean evidence, Predicate<Runnable> queue) {
        if (evidence) {
            newEvidence();
        }
        if (checkDue(now)) {
            queueCheck(queue);
        }
    }

    /** The findings of the latest check. */
    public List<Finding> findings() {
        return findings;
    }

    /** Why training should stop (the first finding at or over the stop severity, as a line), or null. */
    public String stopReason() {
        return stopReason;
    }

    /** The doctor it runs. */
    public Doctor doctor() {
        return doctor;
    }
}
