package io.nnviz.dashboard;

import io.nnviz.recording.Recorder;
import io.nnviz.recording.TestRuns;
import io.nnviz.recording.run.RunLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.nnviz.dashboard.HostHeaderTest.raw;
import static io.nnviz.dashboard.HostHeaderTest.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every answer, whatever its route and status (200, 404, 405, 421, 503, and Jetty's own 400, 431
 * and 505), carries the restrictive Content-Security-Policy and {@code X-Content-Type-Options: nosniff}:
 * a browser must never run or sniff anything the dashboard sends, an error page included.
 */
class SecurityHeadersTest {
    LiveDashboard dash, busy;
    Recorder rec;
    final CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        dash = LiveDashboard.start();
        busy = LiveDashboard.builder().maxConcurrentRequests(1).start(); // one request at a time: a second one meanwhile gets 503
        rec = TestRuns.softmaxSteps(Recorder.builder().build(), 10);
        dash.show("softmax", rec);
        dash.showComparison("compare", () -> List.of(rec.log()));
        busy.show("softmax", rec);
        busy.showComparison("stuck", () -> { // holds the only request slot until released
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.<RunLog>of();
        });
    }

    @AfterEach
    void stop() {
        release.countDown();
        dash.close();
        busy.close();
        rec.close();
    }

    private String request(String line, String... headers) throws IOException {
        return request(dash, line, headers);
    }

    private static String request(LiveDashboard to, String line, String... headers) throws IOException {
        return raw(to.port(), line + "\r\n" + String.join("", headers) + "Connection: close\r\n\r\n");
    }

    /** The answer's header fields, names in lower case. */
    private static Map<String, String> headers(String response) {
        Map<String, String> h = new LinkedHashMap<>();
        for (String line : response.substring(0, response.indexOf("\r\n\r\n")).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                h.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        return h;
    }

    private static void assertHardened(String what, int expected, String response) {
        assertEquals(expected, status(response), what);
        Map<String, String> h = headers(response);
        assertEquals("nosniff", h.get("x-content-type-options"), what);
        String csp = h.get("content-security-policy");
        assertTrue(csp != null && csp.contains("default-src 'self'") && csp.contains("script-src 'self'")
                && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-eval"), what + ": " + csp);
    }

    @Test
    void everyAnswerCarriesTheContentSecurityPolicyAndNosniff() throws Exception {
        String host = "Host: 127.0.0.1:" + dash.port() + "\r\n";
        Map<String, Integer> routes = new LinkedHashMap<>();
        for (String ok : List.of("/", "/run/softmax/", "/run/softmax/state.json", "/run/softmax/figure/loss.svg", "/static/dashboard.js",
                "/static/viewer.js", "/static/dashboard.css", "/run/compare/", "/run/compare/table.html")) {
            routes.put(ok, 200);
        }
        routes.put("/run/softmax/table.html", 404);
        routes.put("/run/nosuchrun/state.json", 404);
        for (Map.Entry<String, Integer> r : routes.entrySet()) {
            assertHardened("GET " + r.getKey(), r.getValue(), request("GET " + r.getKey() + " HTTP/1.1", host));
        }
        assertHardened("HEAD", 200, request("HEAD /run/softmax/state.json HTTP/1.1", host));
        assertHardened("POST", 405, request("POST /run/softmax/state.json HTTP/1.1", host, "Content-Length: 0\r\n"));
        assertHardened("foreign host", 421, request("GET /run/softmax/ HTTP/1.1", "Host: evil.example\r\n"));
        // Jetty's own refusals, before any route is matched
        assertHardened("huge header", 431, request("GET / HTTP/1.1", host, "X-Big: " + "a".repeat(64 * 1024) + "\r\n"));
        assertHardened("no Host in HTTP/1.1", 400, request("GET / HTTP/1.1"));
        assertHardened("HTTP/9.9", 505, request("GET / HTTP/9.9", host));

        // 503: the only request slot of the other dashboard is held by a look at "stuck"
        String busyHost = "Host: 127.0.0.1:" + busy.port() + "\r\n";
        Thread holder = new Thread(() -> {
            try {
                request(busy, "GET /run/stuck/state.json HTTP/1.1", busyHost);
            } catch (IOException e) {
                // the assertion below shows whether the slot was held
            }
        }, "slot-holder");
        holder.start();
        try {
            assertTrue(entered.await(10, TimeUnit.SECONDS), "the slot is held");
            assertHardened("busy", 503, request(busy, "GET /run/softmax/state.json HTTP/1.1", busyHost));
        } finally {
            release.countDown();
            holder.join(10_000);
        }
        assertFalse(holder.isAlive());
    }
}
