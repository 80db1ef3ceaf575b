package io.nnviz.recording.capture;

import io.nnviz.api.hook.HookDispatcher;
import io.nnviz.api.hook.ManualTraining;
import io.nnviz.api.hook.Snapshot;
import io.nnviz.api.hook.TrainingEvent;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.format.RunJson;
import io.nnviz.recording.run.RunLog;
import io.nnviz.renderers.report.HtmlReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CaptureBudgetTest {
    @TempDir
    Path dir;

    private static final long MS = 1_000_000;

    /** Steps of 10 ms on a fake clock; every {@code every}-th (at the budget's current stretch) costs {@code extraMs} more. */
    private static long run(CaptureBudget b, long now, int steps, int every, double extraMs) {
        for (int i = 1; i <= steps; i++) {
            boolean sampled = i % (every * b.stretch()) == 0;
            now += 10 * MS + (sampled ? (long) (extraMs * MS) : 0);
            b.stepEnded(now, sampled, 1.0 / every, 0);
        }
        return now;
    }

    @Test
    void intervalsStretchWhileCapturesCostMoreThanTheBudgetAndNarrowAgain() {
        CaptureBudget b = new CaptureBudget(0.01);
        long now = run(b, 1, 2000, 10, 4); // 4 ms every 10th step of 10 ms: 4% at the configured interval
        assertEquals(4, b.stretch(), "stretched until it is within 1%: 4% / 4");
        assertEquals(0.01, b.share(0.1), 1e-3);
        now = run(b, now, 4000, 10, 0.2); // the captures got cheap (0.2%): back to the configured interval
        assertEquals(1, b.stretch());
        CaptureBudget off = new CaptureBudget(0);
        run(off, 1, 2000, 10, 4);
        assertEquals(1, off.stretch(), "a budget of 0 keeps the intervals");
    }

    @Test
    void whatACaptureLeavesToTheStepsAfterItCountsAsItsCost() {
        // 3 ms on the capture's 10 ms step and 3 ms on the next (its copies evicted the step's caches): 6% at the
        // configured interval, stretched x8 to within 1%; counted on its own step alone (3%) it would stop at x4
        CaptureBudget b = afterCaptures(0.01, 4000, 10, k -> k <= 1 ? 3 : 0);
        assertEquals(8, b.stretch());
        assertEquals(0.06 / 8, b.share(0.1), 1e-3);
        // beyond the counted steps, a plain step is plain again: a step after the counted ones costing as much is
        // taken for the steps' own pace, not the capture's
        CaptureBudget far = afterCaptures(0.01, 4000, 10, k -> k == 0 || k == CaptureBudget.AFTER + 1 ? 3 : 0);
        assertEquals(4, far.stretch(), "3% counted (the capture's step), the later step's 3 ms in the plain pace");
    }

    @Test
    void stepsAfterACaptureNeverMakeItLookCheaperThanItsOwnStep() {
        // a capture costing 2.5 ms on its 110 ms step (0.23% at every 10th), the two steps after it 2 ms faster than plain
        // ones (noise, or work the capture's step did ahead): its cost stays its own step's, the faster steps offset no
        // part of it (a signed average of all three would read -1.5 ms, nothing, and keep the intervals at x1 whatever the
        // captures cost; on DL4J's noisy 110 ms steps it read 0.00% at the end of a run, 2026-12-07)
        CaptureBudget b = afterCaptures(0.005, 3000, 110, k -> k == 0 ? 2.5 : k <= CaptureBudget.AFTER ? -2 : 0);
        assertEquals(0.0023, b.share(0.1) * b.stretch(), 1e-4);
    }

    /**
     * {@code steps} steps of {@code ms} on a fake clock, every 10th (times the budget's stretch) capturing, the step
     * {@code k} steps after the last capture (0: the capture's own) taking {@code extraMs.applyAsDouble(k)} more.
     */
    private static CaptureBudget afterCaptures(double budget, int steps, double ms, IntToDoubleFunction extraMs) {
        CaptureBudget b = new CaptureBudget(budget);
        long now = 1;
        int since = 1 << 20;
        for (int i = 1; i <= steps; i++) {
            boolean sampled = i % (10 * b.stretch()) == 0;
            since = sampled ? 0 : since + 1;
            now += (long) ((ms + extraMs.applyAsDouble(since)) * MS);
            b.stepEnded(now, sampled, 0.1, 0);
        }
        return b;
    }

    @Test
    void theWorkersCpuTimeCountsAsAShareOfTheMachine() {
        // captures cost the training thread nothing, but each gives the worker 6 ms of statistics: at every 10th step of
        // 10 ms, 6% of a core, 3% of a 2-core machine, within 1% from x4 (0.75%); on 4 cores 1.5%, within from x2
        CaptureBudget two = withWorker(2);
        assertEquals(4, two.stretch(), "3% of the machine: x4");
        assertEquals(0.0075, two.workerShare(), 1e-3);
        assertEquals(2, withWorker(4).stretch(), "1.5% of the machine: x2");
        CaptureBudget blind = new CaptureBudget(0.01);
        run(blind, 1, 4000, 10, 0);
        assertEquals(1, blind.stretch(), "the training thread's clock alone sees nothing");
        assertTrue(Double.isNaN(blind.workerShare()), "and no worker is known");
    }

    /** 4,000 steps of 10 ms, every 10th (times the stretch) capturing at no cost to them but 6 ms of the worker's CPU, on {@code cores}. */
    private static CaptureBudget withWorker(int cores) {
        long[] cpu = {0};
        CaptureBudget b = new CaptureBudget(0.01, () -> cpu[0], cores);
        long now = 1;
        for (int i = 1; i <= 4000; i++) {
            boolean sampled = i % (10 * b.stretch()) == 0;
            now += 10 * MS;
            if (sampled) {
                cpu[0] += 6 * MS;
            }
            b.stepEnded(now, sampled, 0.1, 0);
        }
        return b;
    }

    @Test
    void pausesBetweenStepsAreNotTakenForCaptureCosts() {
        CaptureBudget b = new CaptureBudget(0.01);
        long now = 1;
        for (int i = 1; i <= 2000; i++) {
            boolean sampled = i % 10 == 0;
            now += 10 * MS + (sampled && i % 100 == 0 ? 5_000 * MS : 0); // a 5 s evaluation after some sampled steps
            b.stepEnded(now, sampled, 0.1, 0);
        }
        assertEquals(1, b.stretch(), "sampled steps cost nothing beyond the pauses");
    }

    @Test
    void pausesBeforePlainStepsDoNotHideTheCaptureCost() {
        // as when loops take turns (a benchmark) or data loading stalls: every 10th plain step follows a 150 ms gap
        CaptureBudget b = new CaptureBudget(0.005);
        long now = 1;
        for (int i = 1; i <= 3000; i++) {
            boolean sampled = i % (10 * b.stretch()) == 0;
            now += (i % 10 == 1 ? 150 : 7) * MS + (sampled ? 740_000 : 0); // 0.74 ms a capture every 10 steps of 7 ms: about 1%
            b.stepEnded(now, sampled, 0.1, 0);
        }
        assertEquals(4, b.stretch(), "1.06% at the configured interval: stretched to within 0.5%");
    }

    @Test
    void theRecordersWorkOnEveryStepCountsAgainstTheBudget() {
        // captures of 0.6 ms every 10th 10 ms step (0.6%), and the recorder's own time on each step that captures nothing
        CaptureBudget heavy = withOwnTime(300_000); // 3%: over the budget by itself
        assertEquals(0.03, heavy.ownShare(), 1e-3);
        assertEquals(CaptureBudget.MAX_STRETCH, heavy.stretch(), "nothing left for captures: as rare as they go");
        assertEquals(2, withOwnTime(50_000).stretch(), "0.6% / 2 + 0.5% is within 1%, 0.6% + 0.5% is not");
        assertEquals(1, withOwnTime(20_000).stretch(), "0.6% + 0.2% is within 1% at the configured intervals");
    }

    @Test
    void intervalsStretchedWhileCapturesWereDearNarrowAgainBesideTheWorkOnEveryStep() {
        // captures of 8 ms every 10th 10 ms step (8%: a cold start) stretch to x16 or more; then they cost 0.4 ms (0.4% at
        // the configured intervals) beside 0.2% of work on every step: within a 0.5% budget from x2 (0.2% + 0.2%). The
        // intervals narrow while the captures, twice as often, would take under half of the 0.3% the every-step work
        // leaves: to x4 (0.1% + 0.2%). Counting the every-step work against the narrowing too would have kept x16.
        CaptureBudget b = new CaptureBudget(0.005);
        long now = 1;
        for (int i = 1; i <= 12_000; i++) {
            boolean sampled = i % (10 * b.stretch()) == 0;
            now += 10 * MS + (sampled ? (i < 2_000 ? 8 * MS : 400_000) : 0);
            b.stepEnded(now, sampled, 0.1, sampled ? 0 : 20_000);
            if (i == 2_000) {
                assertTrue(b.stretch() >= 16, "the cold start's captures stretched the intervals: x" + b.stretch());
            }
        }
        assertEquals(4, b.stretch());
    }

    /** A 1% budget after 4,000 steps of 10 ms, every 10th (times the stretch) capturing for 0.6 ms, {@code ownNanos} of the recorder's own on the others. */
    private static CaptureBudget withOwnTime(long ownNanos) {
        CaptureBudget b = new CaptureBudget(0.01);
        long now = 1;
        for (int i = 1; i <= 4000; i++) {
            boolean sampled = i % (10 * b.stretch()) == 0;
            now += 10 * MS + (sampled ? 600_000 : 0);
            b.stepEnded(now, sampled, 0.1, sampled ? 0 : ownNanos);
        }
        return b;
    }

    /**
     * What a backend spends on every step (reading the loss: what its dispatcher passes on with the
     * step's event) counts with the recorder's own work: a recorder behind a backend whose
     * every-step work is over the budget by itself captures as rarely as it can; the same recorder
     * behind a backend that spends nothing keeps the configured intervals.
     */
    @Test
    void theBackendsWorkOnEveryStepCountsAgainstTheBudget() throws Exception {
        int[] stretch = new int[2];
        for (int backendMicros : new int[] {0, 200}) { // 200 us on 1 ms steps: 20%, over a budget of 5%
            Recorder rec = Recorder.builder().histogramsEvery(10).filtersEvery(50).budget(0.05).build();
            HookDispatcher d = new HookDispatcher(null, List.of(rec), () -> { });
            steps(d, 1, 1_500, backendMicros);
            d.close();
            stretch[backendMicros == 0 ? 0 : 1] = rec.captureStretch();
        }
        // x1 on an idle machine; where every core is busy (a build beside the test), each capture wakes the recorder's
        // worker, which costs the steps after it a scheduler slice, and the budget counts that: up to x4 was seen
        assertTrue(stretch[0] <= 4, "a backend that spends nothing: the captures (nothing here) are within the budget or close, x"
                + stretch[0]);
        assertEquals(CaptureBudget.MAX_STRETCH, stretch[1], "a backend over the budget on every step: captures as rare as they go");
    }

    /** Steps {@code from} to {@code to} of 1 ms through {@code d}, the backend spending {@code backendMicros} on each. */
    private static void steps(HookDispatcher d, long from, long to, int backendMicros) {
        for (long s = from; s <= to; s++) {
            d.request(s, 0);
            long end = System.nanoTime() + MS; // the step's own work
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            d.addTimeInNnviz(backendMicros * 1_000L); // as a backend says what it spent
            d.stepEnd(new TrainingEvent(s, 0, 1.0, Map.of(), Snapshot.EMPTY));
        }
    }

    /**
     * The outputs the doctor's collapse rule reads (a copy of the batch's first samples, 2-4 ms on
     * DJL's PyTorch engine) come at the probes' interval times the stretch, like every other
     * capture: a recorder over its budget asks for them as rarely as for the rest.
     */
    @Test
    void theDoctorsOutputsStretchWithTheOtherCaptures() {
        Recorder rec = Recorder.builder().histogramsEvery(10).filtersEvery(50).probesEvery(20).diagnose(true).budget(0.05).build();
        HookDispatcher d = new HookDispatcher(null, List.of(rec), () -> { });
        assertTrue(d.request(20, 0).outputs(), "at the configured interval while within the budget");
        steps(d, 1, 1_500, 200); // 20% on every step: over the budget, stretched as far as it goes
        assertEquals(CaptureBudget.MAX_STRETCH, rec.captureStretch());
        int asked = 0;
        for (long s = 1_501; s <= 1_500 + 20 * CaptureBudget.MAX_STRETCH; s++) {
            asked += d.request(s, 0).outputs() ? 1 : 0;
        }
        d.close();
        assertEquals(1, asked, "one output capture in 20 x 64 steps, not 64");
    }

    @Test
    void aRecorderWhoseCapturesAreSlowSamplesLessAndSaysSo() throws Exception {
        Recorder rec = Recorder.builder().histogramsEvery(10).filtersEvery(50).build();
        int captures = 0;
        try (ManualTraining t = ManualTraining.start(null, rec)) {
            for (int i = 0; i < 600; i++) {
                TimeUnit.MICROSECONDS.sleep(500); // the step's own work
                int[] c = {0};
                t.stepEnd(1.0, req -> {
                    c[0]++;
                    try {
                        TimeUnit.MILLISECONDS.sleep(5); // a copy that costs ten plain steps
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Snapshot.EMPTY;
                });
                captures += c[0];
            }
        }
        assertTrue(rec.captureStretch() >= 8, "stretched x" + rec.captureStretch());
        assertTrue(captures < 600 / 10, "fewer captures than every 10 steps: " + captures);
        String note = rec.log().notes().get("sampling");
        assertTrue(note != null && note.contains("to keep the recording within 0.5% of the training time"), note);
        String html = Files.readString(rec.addTo(HtmlReport.titled("slow")).write(dir));
        assertTrue(html.contains("the configured intervals x " + rec.captureStretch()), "the report says so");
        RunLog back = RunJson.read(writeJson(rec));
        assertEquals(rec.log().notes(), back.notes(), "and run.json keeps it");
    }

    private Path writeJson(Recorder rec) throws Exception {
        Path f = dir.resolve("run.json");
        rec.writeJson(f);
        return f;
    }
}
