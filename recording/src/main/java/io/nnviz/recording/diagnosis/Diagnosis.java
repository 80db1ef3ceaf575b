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
 * <p>The recorder queues a check at each histogram step (new statistics to read) and, between them,
 * whenever {@link #timedCheckDue} says so: the loss rules read scalars, which every step logs, so a
 * stop policy must not wait for a histogram step the capture budget may have stretched far away.
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

    /** The least time between two checks queued between histogram steps. */
    static final long CHECK_EVERY_NANOS = 1_000_000_000L;
    /** A check's duration times this is the least time too: the checks keep to 5% of the worker's time on a long run. */
    static final int WORKER_SHARE_INVERSE = 20;

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

    /**
     * Whether a check should be queued at {@code now} ({@link System#nanoTime}) though no new
     * statistics came: none is queued, and the latest started a second ago or more (or 20 times its
     * duration, if longer). Cheap enough for every step.
     */
    public boolean timedCheckDue(long now) {
        return queued.get() == 0 && now - lastStart >= Math.max(CHECK_EVERY_NANOS, WORKER_SHARE_INVERSE * lastTook);
    }

    /**
     * Queues a check with {@code queue} (the recorder's worker), counted as queued until it has
     * run or the queue refused it.
     */
    public void queueCheck(Predicate<Runnable> queue) {
        queued.incrementAndGet();
        if (!queue.test(() -> {
            try {
                check();
            } finally {
                queued.decrementAndGet();
            }
        })) {
            queued.decrementAndGet();
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
