package io.nnviz.dashboard;

import io.nnviz.recording.Recorder;
import io.nnviz.recording.TestRuns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A flood of connections, on 127.0.0.1: 1,000 of them, half silent after connecting, half dripping
 * a request header a byte every 500 ms. Before, 256 such connections (the old cap) locked every
 * viewer out. Viewers' page loads must still be answered, each within a second, all through the
 * attack, and the server must shed the flood itself; the test leaves no thread or socket behind.
 */
class ConnectionFloodTest {
    static final int ATTACKERS = 1000;
    LiveDashboard dash;
    Recorder rec;
    final List<Socket> attackers = new ArrayList<>();
    final List<Socket> dripping = new CopyOnWriteArrayList<>();
    ScheduledExecutorService drip;
    Set<Thread> before;

    @BeforeEach
    void start() throws IOException {
        before = new HashSet<>(Thread.getAllStackTraces().keySet());
        dash = LiveDashboard.start(); // the defaults: this is what an application gets
        rec = TestRuns.softmaxSteps(Recorder.builder().build(), 10);
        dash.show("softmax", rec);
        drip = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "flood-drip"));
    }

    @AfterEach
    void stop() throws Exception {
        drip.shutdownNow();
        assertTrue(drip.awaitTermination(5, TimeUnit.SECONDS), "the drip thread stopped");
        for (Socket s : attackers) {
            s.close();
        }
        dash.close();
        rec.close();
        for (Socket s : attackers) {
            assertTrue(s.isClosed());
        }
        // every thread this test started (the dashboard's pool and scheduler, the recorder's worker, the drip) is gone
        List<String> left = List.of();
        for (long t0 = System.nanoTime(); System.nanoTime() - t0 < 5_000_000_000L; Thread.sleep(50)) {
            left = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && !before.contains(t) && t.getThreadGroup() != null && !t.getThreadGroup().getName().equals("system"))
                    .map(Thread::getName).toList();
            if (left.isEmpty()) {
                break;
            }
        }
        assertEquals(List.of(), left, "threads left behind");
    }

    /** A viewer's page load on a connection of its own: the status, or -1 if no whole answer came within {@code timeoutMillis}. */
    private int pageLoad(int timeoutMillis) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), dash.port()), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + dash.port() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return answer.startsWith("HTTP/1.1 ") && answer.contains("/run/softmax/") ? Integer.parseInt(answer.substring(9, 12)) : -1;
        } catch (SocketTimeoutException e) {
            return -1;
        }
    }

    /** Whether the server closed {@code s}: its end of the stream, or a reset, rather than silence. */
    private static boolean closedByServer(Socket s) throws IOException {
        s.setSoTimeout(1);
        try {
            InputStream in = s.getInputStream();
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset: it closed with our dripped bytes unread
        }
    }

    @Test
    void aThousandIdleAndSlowConnectionsNeitherLockViewersOutNorStay() throws Exception {
        // a server that stops accepting leaves the rest of the flood, and the viewers behind it, waiting: a few seconds at most here
        long connectDeadline = System.nanoTime() + 8_000_000_000L;
        for (int i = 0; i < ATTACKERS && System.nanoTime() < connectDeadline; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), dash.port()), 2000);
            } catch (SocketTimeoutException e) {
                s.close();
                continue;
            }
            attackers.add(s);
            if (i % 2 == 1) {
                OutputStream out = s.getOutputStream();
                out.write(("GET /run/softmax/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-" + i + ": ").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                dripping.add(s);
            }
        }
        long attackStarted = System.nanoTime();
        drip.scheduleAtFixedRate(() -> {
            for (Socket s : dripping) {
                try {
                    s.getOutputStream().write('a');
                } catch (IOException e) {
                    dripping.remove(s); // the server closed it
                }
            }
        }, 0, 500, TimeUnit.MILLISECONDS);

        // ten page loads spread over the first three seconds: before, while and after the server sheds
        for (int i = 0; i < 10; i++) {
            long t0 = System.nanoTime();
            int status = pageLoad(1000);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(200, status, "page load " + i + " under attack");
            assertTrue(millis < 1000, "page load " + i + " took " + millis + " ms");
            Thread.sleep(Math.max(0, 300 - millis));
        }

        // the flood is shed: down to the busy threshold at least (in fact all of it, since it all stalled at once)
        int closed = 0;
        for (long deadline = attackStarted + 6_000_000_000L; System.nanoTime() < deadline; Thread.sleep(200)) {
            closed = 0;
            for (Socket s : attackers) {
                closed += closedByServer(s) ? 1 : 0;
            }
            if (closed == ATTACKERS) {
                break;
            }
        }
        assertEquals(ATTACKERS, attackers.size(), "the whole flood was connected");
        assertTrue(closed >= ATTACKERS - 256, "the server closed " + closed + " of " + ATTACKERS + " stalled connections");
        assertEquals(200, pageLoad(1000), "and still answers");
    }
}
