package io.nnviz.recording;

import io.nnviz.recording.capture.Captures;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.sink.RunSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A recorder's sinks, called on its one background thread ({@link Worker}) in the order things
 * were recorded: work the full queue cannot take is counted on the run as dropped, and a sink
 * that fails is counted and logged (the first five failures, then every power of two), never
 * thrown, so the run goes on. Sinks get the run read-only.
 */
final class Sinks implements Captures.Out {
    private static final Logger LOG = LoggerFactory.getLogger(Recorder.class);

    private final List<RunSink> sinks;
    private final MutableRunLog log;
    private final Worker worker = new Worker("nnviz-recorder", 256);
    private final AtomicLong errors = new AtomicLong();

    Sinks(List<RunSink> sinks, MutableRunLog log) {
        this.sinks = List.copyOf(sinks);
        this.log = log;
    }

    @Override
    public boolean offer(Runnable task) {
        return counted(worker.offer(task));
    }

    @Override
    public long workerCpuNanos() {
        return worker.cpuNanos();
    }

    /** As {@link #offer}, for work that may wait a moment: it does not wake the worker (see {@link Worker}). */
    private boolean offerLazily(Runnable task) {
        return counted(worker.offerLazily(task));
    }

    private boolean counted(boolean taken) {
        if (!taken) {
            log.dropped(1);
        }
        return taken;
    }

    @Override
    public void sinks(String what, Captures.SinkCall call) {
        for (RunSink s : sinks) {
            try {
                call.call(s);
            } catch (IOException | RuntimeException e) {
                long n = errors.incrementAndGet();
                if (n <= 5 || Long.bitCount(n) == 1) {
                    LOG.warn("nnviz recorder: sink {} failed to {} (error {}); the run goes on", s.getClass().getSimpleName(), what, n, e);
                }
            }
        }
    }

    @Override
    public boolean hasSinks() {
        return !sinks.isEmpty();
    }

    /** Writes a value to every sink, later, on the worker. */
    void write(Captures.SinkCall call) {
        if (!sinks.isEmpty()) {
            offerLazily(() -> sinks("write", call));
        }
    }

    /** Flushes every sink, later, on the worker. */
    void flushLater() {
        if (!sinks.isEmpty()) {
            RunLog run = log.view();
            offerLazily(() -> sinks("flush", s -> s.flush(run)));
        }
    }

    /** Waits (at most {@code seconds}) until the work queued so far is done; false on timeout. */
    boolean drain(long seconds) {
        return worker.drain(seconds);
    }

    /** Closes every sink after the work queued so far, and stops the worker. */
    void close() {
        if (!sinks.isEmpty()) {
            RunLog run = log.view();
            worker.offer(() -> sinks("close", s -> s.close(run)));
        }
        worker.close();
    }

    /** Sink calls that failed. */
    long errors() {
        return errors.get();
    }

    /** The sinks, in the order they are called. */
    List<RunSink> list() {
        return sinks;
    }
}
