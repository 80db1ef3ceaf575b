package io.nnviz.dashboard;

import io.nnviz.analysis.doctor.Finding;
import io.nnviz.api.hook.ManualTraining;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.SoftmaxRegression;
import io.nnviz.testkit.Chromium;
import io.nnviz.testkit.FashionMnist;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.chrome.ChromeDriver;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 31: the training doctor's banner atop the live dashboard, in headless Chromium. A real
 * training loop (softmax regression on Fashion-MNIST) whose learning rate overflows its weights
 * until the loss is NaN: the banner appears while the page is open, says the error, its rule, its
 * step and layer, and links to the loss chart; the same run's log shown without its recorder has
 * the same banner; a healthy run's page has none.
 */
@Tag("browser")
class DiagnosisBannerInBrowserTest {
    @TempDir
    Path dir;

    private static final String READ = """
            const b = document.getElementById('diagnosis');
            return {hidden: b.hidden, step: Number(document.getElementById('step').textContent) || 0,
                    findings: [...b.querySelectorAll('.finding')].map(f => ({cls: f.className, head: f.querySelector('b').textContent,
                        text: f.textContent, links: [...f.querySelectorAll('a.evidence')].map(a => a.getAttribute('href'))})),
                    linked: [...b.querySelectorAll('a.evidence')].every(a => !!document.querySelector(a.getAttribute('href')))};
            """;

    @Test
    void theBannerShowsTheFindingsOfARunWhoseLossWentNaNAndNothingForAHealthyRun() throws Exception {
        FashionMnist data = FashionMnist.trainCached(512);
        Recorder broken = Recorder.builder().histogramsEvery(10).build();
        Recorder healthy = Recorder.builder().histogramsEvery(10).build();
        CountDownLatch pageOpen = new CountDownLatch(1);
        Thread training = new Thread(() -> {
            try {
                pageOpen.await(60, TimeUnit.SECONDS);
                train(broken, new SoftmaxRegression(data, 16, 1e36f), 60); // weights overflow: the loss goes NaN
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "broken training");
        train(healthy, new SoftmaxRegression(data, 16), 120);
        try (LiveDashboard dash = LiveDashboard.start()) {
            var brokenPage = dash.show("broken", broken);
            var healthyPage = dash.show("healthy", healthy);
            training.start();
            ChromeDriver driver = Chromium.start(dir);
            try {
                driver.get(brokenPage.toString());
                Map<String, Object> before = read(driver);
                pageOpen.countDown(); // the page is up before the loss goes NaN: the banner appears while it is open
                Map<String, Object> live = waitFor(driver, s -> !((List<?>) s.get("findings")).isEmpty());
                training.join(60_000);
                List<Finding> findings = broken.latestFindings();
                assertFalse(findings.isEmpty(), "the recorder found it");
                Finding nan = findings.get(0);
                assertEquals("non-finite", nan.rule(), findings.toString());
                Map<String, Object> shown = waitFor(driver, s -> ((List<?>) s.get("findings")).size() == findings.size());
                assertEquals(Boolean.TRUE, before.get("hidden"), "no banner before any finding: " + before);
                assertEquals(Boolean.FALSE, shown.get("hidden"));
                Map<?, ?> first = (Map<?, ?>) ((List<?>) shown.get("findings")).get(0);
                String head = "ERROR non-finite " + nan.where() + (nan.layers().isEmpty() ? "" : " layer=" + String.join(",", nan.layers()));
                assertEquals(head, first.get("head"), "severity, rule, step, layer: " + shown);
                assertTrue(((String) first.get("text")).contains(nan.message()), "the message: " + first);
                assertTrue(((String) first.get("cls")).contains("error"), "coloured as an error: " + first);
                assertTrue(((List<?>) first.get("links")).contains("#fig-loss"), "linked to the loss chart: " + first);
                assertEquals(Boolean.TRUE, shown.get("linked"), "every link leads to a figure on the page: " + shown);
                assertTrue(((Number) live.get("step")).longValue() > 0, "shown while the page was live: " + live);
                assertTrue(Chromium.consoleWarnings(driver).isEmpty(), "console: " + Chromium.consoleWarnings(driver));
                // the same run's log without its recorder: the doctor's defaults over it, the same banner
                driver.get(dash.show("broken-log", broken.log()).toString());
                Map<String, Object> logged = waitFor(driver, s -> !((List<?>) s.get("findings")).isEmpty());
                assertEquals(head, ((Map<?, ?>) ((List<?>) logged.get("findings")).get(0)).get("head"), "read back: " + logged);
                // a healthy run: no banner
                assertTrue(healthy.findings().isEmpty(), "the healthy run has no finding: " + healthy.findings());
                driver.get(healthyPage.toString());
                Map<String, Object> fine = waitFor(driver, s -> ((Number) s.get("step")).longValue() == 120);
                Thread.sleep(1500); // a poll or two more
                fine = read(driver);
                assertEquals(Boolean.TRUE, fine.get("hidden"), "no banner: " + fine);
                assertEquals(List.of(), fine.get("findings"));
            } finally {
                driver.quit();
                training.interrupt();
                training.join(10_000);
            }
        }
    }

    private static void train(Recorder rec, SoftmaxRegression net, int steps) throws InterruptedException {
        try (ManualTraining run = ManualTraining.start(SoftmaxRegression.model(), rec)) {
            for (int s = 0; s < steps; s++) {
                double loss = net.step(s);
                run.stepEnd(loss, r -> net.snapshot());
                Thread.sleep(5); // a slower network's pace, so the page polls while it trains
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> read(ChromeDriver driver) {
        return (Map<String, Object>) driver.executeScript(READ);
    }

    private static Map<String, Object> waitFor(ChromeDriver driver, Predicate<Map<String, Object>> ok) throws InterruptedException {
        Map<String, Object> s = null;
        for (int i = 0; i < 150; i++) {
            s = read(driver);
            if (ok.test(s)) {
                return s;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the page never reached the expected state: " + s);
    }
}
