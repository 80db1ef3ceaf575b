package io.nnviz.api.hook;

import io.nnviz.api.LayerKind;
import io.nnviz.api.NnvizException;
import io.nnviz.api.hook.HookDispatcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HookDispatcherTest {

    @AfterEach
    void clearStrict() {
        System.clearProperty("nnviz.hooks.strict");
    }

    @Test
    void requestsOfSeveralHooksMerge() {
        Hook weights = new Hook() {
            @Override
            public CaptureRequest request(long step, int epoch) {
                return step % 10 == 0 ? CaptureRequest.weights(LayerSelector.kinds(LayerKind.CONV)) : CaptureRequest.NONE;
            }
        };
        Hook acts = new Hook() {
            @Override
            public CaptureRequest request(long step, int epoch) {
                return step % 50 == 0 ? CaptureRequest.activations(LayerSelector.names("fc"), 4) : CaptureRequest.NONE;
            }
        };
        HookDispatcher d = new HookDispatcher(null, List.of(weights, acts), () -> { });
        assertTrue(d.request(7, 0).isEmpty());
        CaptureRequest r10 = d.request(10, 0);
        assertTrue(r10.weights() && !r10.activations());
        CaptureRequest r50 = d.request(50, 0);
        assertTrue(r50.weights() && r50.activations());
        assertEquals(4, r50.maxSamples());
    }

    @Test
    void closeDetachesOnceAndEndsTrainingOnce() {
        AtomicInteger detached = new AtomicInteger(), ended = new AtomicInteger();
        Hook h = new Hook() {
            @Override
            public void onTrainingEnd(TrainingEvent event) {
                ended.incrementAndGet();
                assertEquals(2, event.step(), "the end event carries the last step");
            }
        };
        HookDispatcher d = new HookDispatcher(null, List.of(h), detached::incrementAndGet);
        d.stepEnd(TrainingEvent.of(1, 0, 1.0));
        d.stepEnd(TrainingEvent.of(2, 0, 0.5));
        d.close();
        d.close();
        d.trainingEnd(TrainingEvent.of(2, 0, 0.5));
        d.stepEnd(TrainingEvent.of(3, 0, 0.4));
        assertEquals(1, detached.get());
        assertEquals(1, ended.get());
        assertEquals(2, d.stepsSeen(), "no steps after close");
    }

    @Test
    void strictModeRethrowsForTests() {
        System.setProperty("nnviz.hooks.strict", "true");
        Hook bad = new Hook() {
            @Override
            public void onStepEnd(TrainingEvent event) {
                throw new IllegalStateException("boom");
            }
        };
        HookDispatcher d = new HookDispatcher(null, List.of(bad), () -> { });
        NnvizException e = assertThrows(NnvizException.class, () -> d.stepEnd(TrainingEvent.of(1, 0, 0)));
        assertTrue(e.getMessage().contains("onStepEnd") && e.getCause().getMessage().equals("boom"), e.getMessage());
    }

    @Test
    void callsAreSerialisedAcrossTrainingThreads() throws Exception {
        AtomicInteger inside = new AtomicInteger(), maxInside = new AtomicInteger(), calls = new AtomicInteger();
        Hook h = new Hook() {
            @Override
            public void onStepEnd(TrainingEvent event) {
                int now = inside.incrementAndGet();
                maxInside.accumulateAndGet(now, Math::max);
                calls.incrementAndGet();
                Thread.onSpinWait();
                inside.decrementAndGet();
            }
        };
        HookDispatcher d = new HookDispatcher(null, List.of(h), () -> { });
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < 4; t++) {
            pool.submit(() -> {
                go.await();
                for (int i = 0; i < 2_000; i++) {
                    d.stepEnd(TrainingEvent.of(i, 0, 0));
                }
                return null;
            });
        }
        go.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(8_000, calls.get());
        assertEquals(8_000, d.stepsSeen());
        assertEquals(1, maxInside.get(), "two threads were inside a hook at once");
    }

    @Test
    void manualTrainingCapturesOnlyWhenAsked() {
        AtomicInteger captures = new AtomicInteger();
        Hook h = new Hook() {
            @Override
            public CaptureRequest request(long step, int epoch) {
                return step == 3 ? CaptureRequest.weights(LayerSelector.all()) : CaptureRequest.NONE;
            }
        };
        try (ManualTraining t = ManualTraining.start(null, h)) {
            for (int i = 0; i < 5; i++) {
                t.stepEnd(1.0, req -> {
                    captures.incrementAndGet();
                    return Snapshot.EMPTY;
                });
            }
            assertEquals(5, t.stepsSeen());
        }
        assertEquals(1, captures.get());
        assertFalse(CaptureRequest.NONE.merge(CaptureRequest.NONE).weights());
    }

    @Test
    void timeSpentInHooksAndBackendCopiesIsAccounted() {
        io.nnviz.api.ModelView model = io.nnviz.api.spi.ModelBuilder.of("m")
                .layer(io.nnviz.api.LayerInfo.builder("in", io.nnviz.api.LayerKind.INPUT).build()).build();
        Hook slow = new Hook() {
            @Override
            public void onStepEnd(TrainingEvent event) {
                long until = System.nanoTime() + 3_000_000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            }
        };
        io.nnviz.api.hook.HookDispatcher d = new io.nnviz.api.hook.HookDispatcher(model, java.util.List.of(slow), () -> { });
        assertEquals(0, d.timeInNnvizNanos() / 1_000_000);
        d.stepEnd(TrainingEvent.of(1, 0, 0.5));
        d.addTimeInNnviz(2_000_000);
        long ms = d.timeInNnvizNanos() / 1_000_000;
        assertTrue(ms >= 5 && ms < 1000, "3 ms in the hook + 2 ms reported by the backend, got " + ms + " ms");
        d.close();
    }
}
