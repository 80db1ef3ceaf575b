package io.nnviz.bench;

import io.nnviz.api.Histogram;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.LayerSelector;
import io.nnviz.api.hook.TrainingEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sampling the overhead issues prescribe, done as a recorder should: the loss every step,
 * weight histograms every 10 steps and every layer's activations for 4 samples every 50. The
 * backend copies on the training thread (it must, the framework reuses its memory); the histograms
 * are computed on one background thread behind a bounded queue that drops, and counts, rather than
 * stalls training.
 */
public final class SamplingRecorder implements Hook, AutoCloseable {
    private final List<Double> loss = new ArrayList<>();
    private final Map<String, List<Histogram>> histograms = new ConcurrentHashMap<>();
    private final Map<String, Tensor> activations = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private long activationSteps;
    private final ThreadPoolExecutor worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64),
            r -> {
                Thread t = new Thread(r, "nnviz-recorder");
                t.setDaemon(true);
                return t;
            }, (r, e) -> dropped.incrementAndGet());

    /** What this hook captures at hook step {@code step}, in words, for a harness's per-kind breakdown. */
    public static String kindOf(long step) {
        return step % 50 == 0 ? "steps reading weights and activations (every 50th)"
                : step % 10 == 0 ? "steps reading weights (every 10th)" : "steps capturing nothing (the loss only)";
    }

    @Override
    public CaptureRequest request(long step, int epoch) {
        CaptureRequest r = CaptureRequest.NONE;
        if (step % 10 == 0) {
            r = CaptureRequest.weights(LayerSelector.all());
        }
        if (step % 50 == 0) {
            r = r.merge(CaptureRequest.activations(LayerSelector.all(), 4));
        }
        return r;
    }

    @Override
    public void onStepEnd(TrainingEvent e) {
        loss.add(e.loss());
        Map<String, List<WeightTensor>> w = e.snapshot().weights();
        if (!w.isEmpty()) {
            worker.execute(() -> w.forEach((layer, ws) -> {
                for (WeightTensor t : ws) {
                    histograms.computeIfAbsent(layer + "/" + t.name(), k -> new ArrayList<>()).add(Histogram.of(t.values(), 30));
                }
            }));
        }
        if (!e.snapshot().activations().isEmpty()) {
            activations.putAll(e.snapshot().activations());
            activationSteps++;
        }
    }

    /** Losses kept. */
    public int losses() {
        return loss.size();
    }

    /** Weight histogram series kept (after the worker has caught up). */
    public int histogramSeries() {
        drain();
        return histograms.size();
    }

    /** Steps whose activations arrived. */
    public long activationSteps() {
        return activationSteps;
    }

    /** Histogram jobs dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    private void drain() {
        worker.shutdown();
        try {
            worker.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        drain();
    }
}
