package io.nnviz.dashboard;

import io.nnviz.recording.Recorder;
import io.nnviz.recording.TestRuns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that attack by being slow, on 127.0.0.1: 100 slowloris connections dripping a request
 * header a byte a second, and POSTs announcing a megabyte body they never send. A viewer's page and
 * its state must still be answered, each within a second (before, with the JDK's server, they timed out).
 */
class SlowClientsTest {
    LiveDashboard dash;
    Recorder rec;
    final List<Socket> attackers = new ArrayList<>();
    final ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void start() throws IOException {
        dash = LiveDashboard.start();
        rec = TestRuns.softmaxSteps(Recorder.builder().build(), 10);
        dash.show("softmax", rec);
    }

    @AfterEach
    void stop() throws IOException {
        drip.shutdownNow();
        for (Socket s : attackers) {
            s.close();
        }
        dash.close();
        rec.close();
    }

    private Socket open(String firstBytes) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), dash.port());
        OutputStream out = s.getOutputStream();
        out.write(firstBytes.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        attackers.add(s);
        return s;
    }

    @Test
    void slowlorisAndSilentBodiesLeaveThePageAnsweringWithinASecond() throws Exception {
        for (int i = 0; i < 100; i++) {
            Socket s = open("GET /run/softmax/ HTTP/1.1\r\nHost: localhost\r\nX-Slow-" + i + ": ");
            drip.scheduleAtFixedRate(() -> {
                try {
                    s.getOutputStream().write('a');
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    // the server closed it: fine
                }
            }, 0, 1, TimeUnit.SECONDS);
        }
        for (int i = 0; i < 4; i++) {
            open("POST /run/softmax/state.json HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\n{");
        }
        Thread.sleep(1500); // the attack is under way: two drips each
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        for (String path : List.of("run/softmax/", "run/softmax/state.json", "run/softmax/", "static/dashboard.js")) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(dash.uri().resolve(path)).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), path);
            assertTrue(System.nanoTime() - t0 < 1_000_000_000L, path + " answered within a second under attack");
        }
        // the POSTs were refused without waiting for their bodies
        for (Socket s : attackers.subList(100, 104)) {
            s.setSoTimeout(2000);
            String answer = new String(s.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
            assertEquals("HTTP/1.1 405", answer);
        }
    }
}
