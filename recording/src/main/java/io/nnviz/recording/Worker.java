package io.nnviz.recording;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The recorder's one background thread: histograms, images and sink writes run here, in the order
 * they were offered, never on the training thread. The queue is bounded and the training thread
 * never waits for it: when it is full, the work is dropped and counted. {@link #drain} waits for
 * what was offered before it; {@link #close} drains and stops the thread.
 *
 * <p>Work that can wait ({@link #offerLazily}: a step's values for the sinks) does not wake the
 * thread: waking a parked thread is a system call, about 15 us on the training thread, which was
 * paid on every step. While work comes, the thread looks at the queue every {@link #LINGER_MILLIS}
 * ms and does what piled up; other work ({@link #offer}: a capture's histograms, which the next
 * capture would otherwise copy on the training thread), a queue a quarter full, a drain and a
 * close wake it at once. After {@link #IDLE_MILLIS} ms with nothing to do it sleeps until the next
 * offer wakes it, so the recorder of a paused or finished training costs nothing.
 */
final class Worker implements AutoCloseable {
    /** Looked up once: the platform looks it up in its registry on every call. */
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private static final Runnable STOP = () -> { };
    /** How often a working thread looks at its queue: values reach the sinks this much later at most. */
    static final long LINGER_MILLIS = 50;
    /** How long a thread with nothing to do keeps looking before it sleeps until an offer wakes it. */
    static final long IDLE_MILLIS = 2_000;

    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    /** Tasks in the queue, the control ones (drain marks, the stop) not counted. */
    private final AtomicInteger size = new AtomicInteger();
    private final int capacity;
    private final AtomicLong dropped = new AtomicLong(), failed = new AtomicLong();
    private final String name;
    private volatile Thread thread;
    private volatile boolean closed;
    /** The thread sleeps until woken: the next offer wakes it. */
    private volatile boolean asleep;

    private final long lingerNanos, idleNanos;

    Worker(String name, int capacity) {
        this(name, capacity, LINGER_MILLIS, IDLE_MILLIS);
    }

    /** A worker that looks at its queue every {@code lingerMillis} ms and sleeps after {@code idleMillis} ms with nothing to do. */
    Worker(String name, int capacity, long lingerMillis, long idleMillis) {
        this.name = name;
        this.capacity = capacity;
        this.lingerNanos = TimeUnit.MILLISECONDS.toNanos(lingerMillis);
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
    }

    /** Queues {@code task} and wakes the thread; false (and counted as dropped) if the queue is full or the worker closed. */
    boolean offer(Runnable task) {
        return put(task, true);
    }

    /** Queues {@code task} to run within {@link #LINGER_MILLIS} ms, without waking the thread; as {@link #offer} otherwise. */
    boolean offerLazily(Runnable task) {
        return put(task, false);
    }

    private boolean put(Runnable task, boolean wake) {
        if (closed) {
            dropped.incrementAndGet();
            return false;
        }
        Thread t = thread != null ? thread : start(); // the lock only until the thread exists
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            dropped.incrementAndGet();
            return false;
        }
        queue.add(task);
        // read after the add: a thread going to sleep sets asleep, then looks at the queue again (one of the two sees the other)
        if (wake || asleep || size.get() >= capacity / 4) {
            LockSupport.unpark(t);
        }
        return true;
    }

    /** Queues a control task (a drain's mark, the stop), outside the capacity, and wakes the thread. */
    private void control(Runnable task, Thread t) {
        queue.add(task);
        LockSupport.unpark(t);
    }

    /** The CPU time its thread has used, in nanoseconds; -1 before it started or where the JVM cannot tell. */
    long cpuNanos() {
        Thread t = thread;
        return t == null || !THREADS.isThreadCpuTimeSupported() ? -1 : THREADS.getThreadCpuTime(t.getId());
    }

    private synchronized Thread start() {
        if (thread == null && !closed) {
            thread = new Thread(this::loop, name);
            thread.setDaemon(true); // never keeps an application alive
            thread.start();
        }
        return thread;
    }

    private void loop() {
        long idleSince = System.nanoTime();
        while (true) {
            Runnable r = queue.poll();
            if (r == null) {
                if (Thread.interrupted()) {
                    return;
                }
                if (System.nanoTime() - idleSince < idleNanos) {
                    LockSupport.parkNanos(this, lingerNanos);
                } else {
                    asleep = true;
                    if (queue.isEmpty()) {
                        LockSupport.park(this);
                    }
                    asleep = false;
                    idleSince = System.nanoTime();
                }
                continue;
            }
            idleSince = System.nanoTime();
            if (r == STOP) {
                return;
            }
            if (!(r instanceof Mark)) {
                size.decrementAndGet();
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

    /** A drain's mark in the queue: control, not counted against the capacity. */
    private record Mark(CountDownLatch done) implements Runnable {
        @Override
        public void run() {
            done.countDown();
        }
    }

    /** Waits (at most {@code seconds}) until everything offered before this call has run; false on timeout. */
    boolean drain(long seconds) {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t == null || closed && !t.isAlive()) {
            return true;
        }
        if (Thread.currentThread() == t) {
            return true; // a task asking to drain would wait for itself
        }
        Mark mark = new Mark(new CountDownLatch(1));
        control(mark, t);
        try {
            return mark.done().await(seconds, TimeUnit.SECONDS);
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
            control(STOP, t);
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
                if (t.isAlive()) {
                    t.interrupt();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
