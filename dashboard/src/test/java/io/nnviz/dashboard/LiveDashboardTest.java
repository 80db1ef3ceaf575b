package io.nnviz.dashboard;

import io.nnviz.api.hook.ManualTraining;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.SoftmaxRegression;
import io.nnviz.testkit.FashionMnist;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dashboard's server: what it serves, what it refuses, how many it serves at once, and that close frees the port. */
class LiveDashboardTest {
    LiveDashboard dash;
    Recorder rec;

    @BeforeEach
    void start() throws IOException {
        dash = LiveDashboard.start();
        rec = Recorder.builder().histogramsEvery(5).build();
        try (ManualTraining run = ManualTraining.start(SoftmaxRegression.model(), rec)) {
            SoftmaxRegression net = new SoftmaxRegression(FashionMnist.trainCached(256), 8);
            for (int s = 0; s < 30; s++) {
                double loss = net.step(s);
                run.stepEnd(loss, r -> net.snapshot());
            }
        }
        dash.show("softmax", rec);
    }

    @AfterEach
    void stop() {
        dash.close();
        rec.close();
    }

    /** A raw request, bytes as given (no client normalises the path); returns the status line and body. */
    private String raw(String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), dash.port())) {
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    got.write(buf, 0, n);
                }
            } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
                // keep-alive: the server waits for the next request; or it reset a hostile one
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static int status(String response) {
        assertTrue(response.startsWith("HTTP/1.1 "), "an HTTP answer: " + response.lines().findFirst().orElse("(nothing)"));
        return Integer.parseInt(response.substring(9, 12));
    }

    private String get(String rawPath) throws IOException {
        return raw("GET " + rawPath + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    }

    @Test
    void itListensOnLoopbackOnlyAndServesTheRunPageStateAndFigures() throws Exception {
        assertTrue(InetAddress.getByName(dash.uri().getHost()).isLoopbackAddress(), dash.uri().toString());
        String page = get("/run/softmax/");
        assertEquals(200, status(page));
        assertTrue(page.contains("/static/dashboard.js") && !page.contains("http://") && !page.contains("https://"),
                "the page loads only its own script");
        String state = get("/run/softmax/state.json");
        assertEquals(200, status(state));
        String json = state.substring(state.indexOf("\r\n\r\n") + 4);
        var tree = new com.fasterxml.jackson.core.JsonFactory().createParser(json);
        int figures = 0;
        long step = -1;
        for (var t = tree.nextToken(); t != null; t = tree.nextToken()) {
            if (t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME && tree.currentName().equals("step")) {
                tree.nextToken();
                step = tree.getLongValue();
            }
            if (t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME && tree.currentName().equals("id")) {
                figures++;
            }
        }
        assertEquals(30, step);
        assertTrue(figures >= 3, "loss and two weight histograms: " + json);
        String loss = get("/run/softmax/figure/loss.svg");
        assertEquals(200, status(loss));
        assertTrue(loss.contains("image/svg+xml") && loss.contains("<svg"), "an SVG");
        assertEquals(200, status(get("/static/dashboard.css")));
        assertEquals(200, status(get("/")));
        assertTrue(get("/").contains("/run/softmax/"), "the index lists the run");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/../../../../etc/passwd", "/static/../../../etc/passwd", "/run/softmax/../../../../etc/passwd",
            "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd", "/run/%2e%2e/state.json",
            "/run/softmax/figure/..%2f..%2fpom.xml.svg", "/static/dashboard.js/../../pom.xml", "//etc/passwd",
            "/static/..\\..\\etc\\passwd", "/run/softmax/figure/loss.svg%00.html", "/static/%252e%252e/etc/passwd",
            "/io/nnviz/renderers/live/dashboard.js", "/run/nosuchrun/state.json", "/static/DASHBOARD.JS"})
    void traversalAndUnknownPathsAre404WithoutLeakingFiles(String path) throws Exception {
        String r = get(path);
        int code = status(r);
        assertTrue(code == 404 || code == 400, path + " -> " + code);
        assertFalse(r.contains("root:") || r.contains("<project") || r.contains("use strict"), "nothing leaked for " + path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"})
    void onlyGetAndHeadAreAnswered(String method) throws Exception {
        String r = raw(method + " /run/softmax/state.json HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        int code = status(r);
        assertTrue(code == 405 || code == 400 || code == 501, method + " -> " + code);
        String head = raw("HEAD /run/softmax/state.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertEquals(200, status(head));
        assertFalse(head.contains("\"step\""), "HEAD has no body");
    }

    @Test
    void hugeHeadersAndMalformedRequestsGet4xxAndTheServerGoesOn() throws Exception {
        String big = "X-Big: " + "a".repeat(64 * 1024) + "\r\n";
        int code = status(raw("GET /run/softmax/state.json HTTP/1.1\r\nHost: localhost\r\n" + big + "Connection: close\r\n\r\n"));
        assertTrue(code >= 400 && code < 500, "huge header -> " + code);
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            many.append("X-H").append(i).append(": v\r\n");
        }
        // many small headers are bounded by the same byte budget: 500 of them (about 5 KB) are within it, 2,000 are not
        String r500 = raw("GET /run/softmax/state.json HTTP/1.1\r\nHost: localhost\r\n" + many + "Connection: close\r\n\r\n");
        assertEquals(200, status(r500), "500 headers in 5 KB");
        for (int i = 500; i < 2000; i++) {
            many.append("X-H").append(i).append(": v\r\n");
        }
        String r2000 = raw("GET /run/softmax/state.json HTTP/1.1\r\nHost: localhost\r\n" + many + "Connection: close\r\n\r\n");
        assertEquals(431, status(r2000), "2,000 headers in 24 KB");
        for (String bad : List.of("GARBAGE\r\n\r\n", "GET\r\n\r\n", "GET /run/softmax/ HTTP/9.9\r\nHost: x\r\n\r\n",
                "GET relative/path HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) {
            String r = raw(bad);
            if (!r.isEmpty()) { // a server may also just close a connection it cannot parse
                int c = status(r);
                // 4xx, or 505 HTTP Version Not Supported for HTTP/9.9
                assertTrue(c >= 400 && c < 500 || c == 505 && bad.contains("HTTP/9.9"), bad.trim() + " -> " + c);
            }
        }
        assertEquals(200, status(get("/run/softmax/state.json")), "still serving");
    }

    @Test
    void fiftyConcurrentClientsAreServed() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            // each its own client: 50 connections, not one multiplexed
            HttpClient c = i == 0 ? client : HttpClient.newHttpClient();
            String path = i % 2 == 0 ? "run/softmax/state.json" : "run/softmax/figure/loss.svg";
            all.add(c.sendAsync(HttpRequest.newBuilder(dash.uri().resolve(path)).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : all) {
            HttpResponse<String> r = f.get();
            assertEquals(200, r.statusCode(), r.uri().toString());
            assertTrue(r.body().contains("\"step\"") || r.body().contains("<svg"), r.uri().toString());
        }
    }

    @Test
    void closeStopsTheServerAndFreesThePort() throws Exception {
        int port = dash.port();
        URI page = dash.uri().resolve("run/softmax/");
        dash.close();
        assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(page).build(),
                HttpResponse.BodyHandlers.ofString()));
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(port, again.getLocalPort(), "the port is free again");
        }
        assertThrows(IllegalStateException.class, () -> dash.show("late", rec));
    }

    @Test
    void runNamesThatCouldBreakOutAreRefused() {
        for (String bad : new String[] {"../x", "a/b", "", "x".repeat(65), "<script>", "a b", "%2e"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> dash.show(bad, rec), bad);
            assertTrue(e.getMessage().contains("run name"), e.getMessage());
        }
        assertEquals(dash.uri().resolve("run/second-run_2.0/"), dash.show("second-run_2.0", rec));
    }
}
