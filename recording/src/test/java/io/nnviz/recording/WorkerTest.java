package io.nnviz.recording;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The recorder's background thread: everything offered runs, in order, soon, without the offering thread waking it each time. */
class WorkerTest {
    @Test
    void everyTaskOfferedRunsInOrderOrIsCountedDropped() {
        List<Integer> ran = new ArrayList<>(); // only the worker's thread touches it until the drain
        List<Integer> taken = new ArrayList<>();
        try (Worker w = new Worker("test-worker", 256, 5, 50)) {
            for (int i = 0; i < 5_000; i++) {
                int n = i;
                if (i % 97 == 0 ? w.offer(() -> ran.add(n)) : w.offerLazily(() -> ran.add(n))) {
                    taken.add(n);
                }
                if (i % 1_000 == 0) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(80)); // long enough for the thread to fall asleep
                } else if (i % 10 == 0) {
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200)); // a fast training loop's pace
                }
            }
            assertTrue(w.drain(10));
            assertEquals(taken, ran);
            assertEquals(5_000 - taken.size(), w.dropped());
            // at this pace the thread, woken a quarter full, keeps up: nothing is dropped
            assertEquals(0, w.dropped());
        }
    }

    @Test
    void aTaskOfferedLazilyRunsWithinTheLingerAndAfterTheThreadSlept() throws InterruptedException {
        try (Worker w = new Worker("test-worker", 256, 20, 100)) {
            for (long pause : new long[] {0, 40, 400}) { // working, lingering, asleep
                Thread.sleep(pause);
                CountDownLatch done = new CountDownLatch(1);
                long t0 = System.nanoTime();
                assertTrue(w.offerLazily(done::countDown));
                assertTrue(done.await(5, TimeUnit.SECONDS), "a lazily offered task did not run (after a pause of " + pause + " ms)");
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 2_000, "ran " + ms + " ms after it was offered (pause " + pause + " ms)");
            }
        }
    }

    @Test
    void aFullQueueDropsAndCountsWhatItCannotTake() throws InterruptedException {
        try (Worker w = new Worker("test-worker", 16, 5, 50)) {
            CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);
            int[] ran = new int[1];
            w.offer(() -> {
                started.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(started.await(5, TimeUnit.SECONDS));
            int taken = 0;
            for (int i = 0; i < 21; i++) {
                taken += w.offerLazily(() -> ran[0]++) ? 1 : 0;
            }
            assertEquals(16, taken);
            assertEquals(5, w.dropped());
            release.countDown();
            assertTrue(w.drain(10));
            assertEquals(16, ran[0]);
        }
    }

    @Test
    void itsCpuTimeCountsTheWorkItRanAndNothingBeforeItStarted() {
        try (Worker w = new Worker("test-worker-cpu", 256, 5, 50)) {
            assertEquals(-1, w.cpuNanos(), "no thread yet");
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long[] ran = {0};
            w.offer(() -> { // 100 ms of CPU on the worker's thread, by its own clock
                long end = mx.getCurrentThreadCpuTime() + 100_000_000L;
                while (mx.getCurrentThreadCpuTime() < end) {
                    ran[0]++;
                }
            });
            assertTrue(w.drain(10));
            long cpu = w.cpuNanos();
            assertTrue(ran[0] > 0 && cpu >= 100_000_000L && cpu < 5_000_000_000L, "CPU time " + cpu + " ns for 100 ms of work");
        }
    }

    @Test
    void closeRunsWhatWasOfferedAndStopsTheThread() {
        Worker w = new Worker("test-worker-close", 256, 1_000, 60_000); // a long linger: close must not wait for it
        int[] ran = new int[1];
        for (int i = 0; i < 10; i++) {
            w.offerLazily(() -> ran[0]++);
        }
        long t0 = System.nanoTime();
        w.close();
        assertEquals(10, ran[0]);
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 900, "close waited for the linger");
        assertTrue(w.isClosed());
        assertFalse(w.offerLazily(() -> ran[0]++));
        assertEquals(1, w.dropped());
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("test-worker-close") && t.isAlive()));
    }
}
