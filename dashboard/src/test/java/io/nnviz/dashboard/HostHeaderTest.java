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
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DNS rebinding, on 127.0.0.1: a page whose own name was made to resolve to this machine sends
 * {@code Host: evil.example}; it must get 421 and nothing of the run, on every route, while the
 * dashboard's own addresses and the names the application listed are answered.
 */
class HostHeaderTest {
    LiveDashboard dash;
    Recorder rec;

    @BeforeEach
    void start() throws IOException {
        dash = LiveDashboard.builder().allowedHosts("Dash.Example").start();
        rec = TestRuns.softmaxSteps(Recorder.builder().name("rebinding-target").build(), 10);
        dash.show("softmax", rec);
    }

    @AfterEach
    void stop() {
        dash.close();
        rec.close();
    }

    /** The whole answer (status line, headers, body) to raw request bytes. */
    static String raw(int port, String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1); // every request here says Connection: close or is HTTP/1.0
        }
    }

    private String get(String path, String host) throws IOException {
        return raw(dash.port(), "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    }

    static int status(String response) {
        assertTrue(response.startsWith("HTTP/1.1 "), "an HTTP answer: " + response.lines().findFirst().orElse("(nothing)"));
        return Integer.parseInt(response.substring(9, 12));
    }

    static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    @Test
    void aForeignHostGets421AndNoRunDataOnEveryRoute() throws Exception {
        int port = dash.port();
        for (String path : List.of("/", "/run/softmax/", "/run/softmax/state.json", "/run/softmax/figure/loss.svg",
                "/static/dashboard.js", "/no/such/route")) {
            for (String host : List.of("evil.example", "evil.example:" + port, "EVIL.example", "localhost.evil.example",
                    "127.0.0.1.evil.example:" + port, "dash.example.evil.example", "localhost2")) {
                String r = get(path, host);
                assertEquals(421, status(r), host + " " + path);
                String body = body(r);
                assertTrue(body.startsWith("misdirected request") && body.length() < 120, "a short plain refusal: " + body);
                assertTrue(r.contains("Content-Type: text/plain"), r);
                for (String leak : List.of("softmax", "rebinding-target", "\"step\"", "<svg", "<html", "use strict", "loss")) {
                    assertFalse(r.contains(leak), "nothing of the dashboard (" + leak + ") for " + host + " " + path);
                }
            }
        }
        // refused before the method is even looked at, and for an absolute request target without a Host header too
        assertEquals(421, status(raw(port, "POST /run/softmax/state.json HTTP/1.1\r\nHost: evil.example\r\nContent-Length: 0\r\n"
                + "Connection: close\r\n\r\n")));
        assertEquals(421, status(raw(port, "GET http://evil.example/run/softmax/state.json HTTP/1.0\r\n\r\n")));
    }

    @Test
    void itsOwnAddressesLocalhostAndListedNamesAreAnswered() throws Exception {
        int port = dash.port();
        for (String host : List.of("127.0.0.1:" + port, "127.0.0.1", "localhost:" + port, "LocalHost:" + port, "localhost",
                "[::1]:" + port, "[::1]", "dash.example", "DASH.EXAMPLE:" + port, "dash.example.", "localhost:8080")) {
            String r = get("/run/softmax/state.json", host);
            assertEquals(200, status(r), host);
            assertTrue(body(r).contains("\"step\":10"), host + ": the run's state");
        }
        assertEquals(200, status(get("/run/softmax/figure/loss.svg", "localhost:" + port)));
        assertTrue(get("/", "127.0.0.1:" + port).contains("/run/softmax/"), "the index");
        // HTTP/1.0 without a Host header, on a loopback bind: no doubt which server it meant
        String old = raw(port, "GET /run/softmax/state.json HTTP/1.0\r\n\r\n");
        assertEquals(200, status(old));
        assertTrue(body(old).contains("\"step\":10"));
    }

    @Test
    void aNameIsAllowedOnlyWhenListed() throws Exception {
        try (LiveDashboard other = LiveDashboard.start()) {
            other.show("softmax", rec);
            assertEquals(421, status(raw(other.port(), "GET /run/softmax/state.json HTTP/1.1\r\nHost: dash.example\r\nConnection: close\r\n\r\n")));
            assertEquals(200, status(raw(other.port(), "GET /run/softmax/state.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")));
        }
        for (String bad : new String[] {"dash.example:80", "*.example", "", "http://dash.example", "a b", null}) {
            var e = assertThrows(IllegalArgumentException.class, () -> LiveDashboard.builder().allowedHosts(bad), String.valueOf(bad));
            assertTrue(e.getMessage().contains("allowed host"), e.getMessage());
        }
    }

    @Test
    void onAWildcardBindARequestWithoutHostIsRefused() throws Exception {
        // nothing shown on it: bound to every interface for the few milliseconds of the test
        try (LiveDashboard any = LiveDashboard.builder().bindAddress(InetAddress.getByName("0.0.0.0")).start()) {
            assertEquals(421, status(raw(any.port(), "GET / HTTP/1.0\r\n\r\n")), "which of the machine's addresses did it mean?");
            assertEquals(200, status(raw(any.port(), "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + any.port() + "\r\nConnection: close\r\n\r\n")));
            assertEquals(200, status(raw(any.port(), "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")));
            assertEquals(421, status(raw(any.port(), "GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")));
        }
    }
}
