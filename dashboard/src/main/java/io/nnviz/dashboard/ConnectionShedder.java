package io.nnviz.dashboard;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a flood of idle or slow connections from locking viewers out of the dashboard. While more
 * than {@code busy} connections are open, it looks every {@code period} and closes each connection
 * that has made no progress for {@code timeout}: no new request (a whole request header) and no byte
 * of an answer written, while it owes no answer. A silent connection, a kept-alive one between
 * requests and a slowloris dripping its header a byte at a time all make no progress, so they go
 * within about {@code timeout}, those that stalled first first; a viewer's requests arrive whole,
 * so they are answered. Jetty's own {@code LowResourceMonitor} only shortens idle timeouts, which
 * a client sending a byte every half second never reaches; this is the same idea, counting progress
 * in requests rather than bytes.
 *
 * <p>Runs on the server's scheduler and stops with the server. Not busy, it only counts the
 * connections.
 */
final class ConnectionShedder extends AbstractLifeCycle implements Runnable {
    private final Connector connector;
    private final int busy;
    private final long timeoutNanos, periodMillis;
    /** Each connection seen while busy -> {requests received, bytes written, nanoTime they last changed}; only the sweep thread uses it. */
    private Map<EndPoint, long[]> marks = new HashMap<>();
    private volatile Scheduler.Task task;

    ConnectionShedder(Connector connector, int busy, long timeoutMillis) {
        this.connector = connector;
        this.busy = busy;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.periodMillis = Math.max(25, Math.min(250, timeoutMillis / 4)); // a stalled connection goes within timeout + period
    }

    @Override
    protected void doStart() {
        task = connector.getScheduler().schedule(this, periodMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() {
        Scheduler.Task t = task;
        if (t != null) {
            t.cancel();
        }
    }

    @Override
    public void run() {
        if (!isRunning()) {
            return;
        }
        try {
            sweep(System.nanoTime());
        } finally {
            if (isRunning()) {
                task = connector.getScheduler().schedule(this, periodMillis, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void sweep(long now) {
        Collection<EndPoint> open = connector.getConnectedEndPoints();
        if (open.size() <= busy) {
            marks = new HashMap<>();
            return;
        }
        Map<EndPoint, long[]> next = new HashMap<>(open.size() * 2);
        for (EndPoint e : open) {
            Connection c = e.getConnection();
            if (c == null || !e.isOpen()) {
                continue;
            }
            long in = c.getMessagesIn(), written = c.getBytesOut();
            long[] m = marks.get(e);
            // a connection first seen now counts from now: what it did before the server got busy is unknown
            if (m == null || m[0] != in || m[1] != written || in > c.getMessagesOut()) {
                m = new long[] {in, written, now}; // progress, or a request being answered: the handler's time is not the client's fault
            } else if (now - m[2] >= timeoutNanos) {
                e.close();
                continue;
            }
            next.put(e, m);
        }
        marks = next;
    }
}
