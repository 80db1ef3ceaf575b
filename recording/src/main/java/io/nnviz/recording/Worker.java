package io.nnviz.recording;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The recorder's one background thread: histograms, images and sink writes run here, in the order
 * they were offered, never on the training thread. The queue is bounded and the training thread
 * never waits for it: when it is full, the work is dropped and counted. {@link #drain} waits for
 * what was offered before it; {@link #close} drains and stops the thread.
 */
final class Worker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private static final Runnable STOP = () -> { };

    private final BlockingQueue<Runnable> queue;
    private final AtomicLong dropped = new AtomicLong(), failed = new AtomicLong();
    private final String name;
    private Thread thread;
    private volatile boolean closed;

    Worker(String name, int capacity) {
        this.name = name;
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    /** Queues {@code task}; false (and counted as dropped) if the queue is full or the worker closed. */
    boolean offer(Runnable task) {
        if (closed) {
            dropped.incrementAndGet();
            return false;
        }
        start();
        if (!queue.offer(task)) {
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    private synchronized void start() {
        if (thread == null && !closed) {
            thread = new Thread(this::loop, name);
            thread.setDaemon(true); // never keeps an application alive
            thread.start();
        }
    }

    private void loop() {
        while (true) {
            Runnable r;
            try {
                r = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (r == STOP) {
                return;
            }
            try {
                r.run();
            } catch (RuntimeException | LinkageError e) {
                long n = failed.incrementAndGet();
                if (n <= 5 || Long.bitCount(n) == 1) {
                    LOG.warn("nnviz recorder: background work failed (failure {}); recording goes on", n, e);
                }
            }
        }
    }

    /** Waits (at most {@code seconds}) until everything offered before this call has run; false on timeout. */
    boolean drain(long seconds) {
        if (thread == null || closed && !thread.isAlive()) {
            return true;
        }
        if (Thread.currentThread() == thread) {
            return true; // a task asking to drain would wait for itself
        }
        CountDownLatch done = new CountDownLatch(1);
        try {
            if (!queue.offer(done::countDown, seconds, TimeUnit.SECONDS)) {
                return false;
            }
            return done.await(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Work dropped because the queue was full or the worker closed. */
    long dropped() {
        return dropped.get();
    }

    /** Work that threw. */
    long failed() {
        return failed.get();
    }

    /** True once {@link #close} ran. */
    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closed) {
                return;
            }
            t = thread;
        }
        drain(60);
        closed = true;
        if (t != null) {
            try {
                if (!queue.offer(STOP, 10, TimeUnit.SECONDS)) {
                    t.interrupt();
                }
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
