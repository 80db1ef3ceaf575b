package io.nnviz.dashboard;

import io.nnviz.api.hook.ManualTraining;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.SoftmaxRegression;
import io.nnviz.testkit.Chromium;
import io.nnviz.testkit.FashionMnist;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Headless Chromium watches a real training loop (softmax regression on Fashion-MNIST, SGD in Java)
 * on the dashboard and sees the page change while it runs.
 */
@Tag("browser")
class LiveDashboardInBrowserTest {
    @TempDir
    Path dir;

    private static final String READ = """
            const loss = document.querySelector('#fig-loss svg');
            const d = loss ? [...loss.querySelectorAll('path')].map(p => (p.getAttribute('d') || '').length).reduce((a, b) => a + b, 0) : 0;
            return {step: Number(document.getElementById('step').textContent) || 0,
                    epoch: document.getElementById('epoch').textContent,
                    points: Number(document.getElementById('counters').dataset.lossPoints || 0),
                    curve: d, figures: document.querySelectorAll('#figures figure svg').length,
                    status: document.getElementById('status').textContent,
                    foreign: performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin)).length};
            """;

    @Test
    void aRunInProgressUpdatesInTheBrowser() throws Exception {
        Recorder live = Recorder.builder().histogramsEvery(20).maxPoints(100_000).build();
        Recorder other = Recorder.defaults();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong trained = new AtomicLong();
        FashionMnist data = FashionMnist.trainCached(1024);
        Thread training = new Thread(() -> {
            SoftmaxRegression net = new SoftmaxRegression(data, 8);
            try (ManualTraining run = ManualTraining.start(SoftmaxRegression.model(), live)) {
                for (int s = 0; !stop.get(); s++) {
                    double loss = net.step(s);
                    run.stepEnd(loss, r -> net.snapshot());
                    trained.set(s + 1);
                    Thread.sleep(2); // a slower network's pace, so the test sees steps between reads
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "training");
        try (LiveDashboard dash = LiveDashboard.start();
             ManualTraining done = ManualTraining.start(SoftmaxRegression.model(), other)) {
            done.stepEnd(2.3, r -> new SoftmaxRegression(data, 8).snapshot());
            var page = dash.show("softmax", live);
            dash.show("finished", other);
            training.start();
            ChromeDriver driver = Chromium.start(dir);
            try {
                driver.get(page.toString());
                Map<String, Object> first = waitFor(driver, s -> ((Number) s.get("step")).longValue() > 0
                        && ((Number) s.get("figures")).longValue() >= 3);
                Thread.sleep(3000);
                Map<String, Object> second = waitFor(driver, s -> ((Number) s.get("step")).longValue()
                        > ((Number) first.get("step")).longValue());
                assertTrue(((Number) second.get("points")).longValue() > ((Number) first.get("points")).longValue(),
                        "more loss points: " + first + " -> " + second);
                assertTrue(((Number) second.get("curve")).longValue() > ((Number) first.get("curve")).longValue(),
                        "the drawn curve grew: " + first + " -> " + second);
                assertEquals("live", second.get("status"));
                assertEquals(0L, ((Number) second.get("foreign")).longValue(), "no request leaves the dashboard");
                assertTrue(Chromium.consoleWarnings(driver).isEmpty(), "console: " + Chromium.consoleWarnings(driver));
                // the report's viewer on the live figures: the loss chart tells the value under the pointer
                for (int attempt = 0; ; attempt++) { // the live chart is replaced as training goes on: find it again if it went
                    try {
                        org.openqa.selenium.WebElement chart = driver.findElement(org.openqa.selenium.By.cssSelector("#fig-loss svg"));
                        new org.openqa.selenium.interactions.Actions(driver).scrollToElement(chart).moveToElement(chart, 0, 0).perform();
                        break;
                    } catch (org.openqa.selenium.StaleElementReferenceException gone) {
                        if (attempt == 10) {
                            throw gone;
                        }
                    }
                }
                org.openqa.selenium.WebElement tip = driver.findElement(org.openqa.selenium.By.id("nnviz-tip"));
                assertTrue(tip.isDisplayed() && tip.getText().contains(" at "), "the readout: " + tip.getText());
                // the architecture, and a click on its dense layer opens the viewer's panel with that layer's histograms
                waitFor(driver, st -> (Boolean) driver.executeScript("return !!document.querySelector(\"#fig-architecture g.node[data-layer='dense']\")"));
                org.openqa.selenium.WebElement dense = driver.findElement(org.openqa.selenium.By.cssSelector("#fig-architecture g.node[data-layer='dense']"));
                new org.openqa.selenium.interactions.Actions(driver).scrollToElement(dense).perform();
                dense.click();
                org.openqa.selenium.WebElement panel = driver.findElement(org.openqa.selenium.By.id("nnviz-details"));
                assertTrue(panel.isDisplayed(), "the layer panel opens");
                assertTrue(panel.findElements(org.openqa.selenium.By.cssSelector(".figures figure svg")).size() >= 1,
                        "the dense layer's histograms in it: " + panel.getText());
                panel.findElement(org.openqa.selenium.By.cssSelector(".close")).click();
                // issue 26: each panel is as tall as its figure, the loss chart not stretched to the architecture's height beside it
                Map<?, ?> boxes = (Map<?, ?>) driver.executeScript("const h = id => { const f = document.getElementById(id);"
                        + " return {box: f.getBoundingClientRect().height, content: f.querySelector('.svg').getBoundingClientRect().height"
                        + " + f.querySelector('figcaption').getBoundingClientRect().height, top: f.getBoundingClientRect().top}; };"
                        + " return {loss: h('fig-loss'), arch: h('fig-architecture')};");
                assertEquals(((Map<?, ?>) boxes.get("loss")).get("top"), ((Map<?, ?>) boxes.get("arch")).get("top"), "side by side: " + boxes);
                for (Object b : boxes.values()) { // the shorter of the two is not stretched to the taller's height
                    Map<?, ?> box = (Map<?, ?>) b;
                    assertTrue(((Number) box.get("box")).doubleValue() < ((Number) box.get("content")).doubleValue() + 30, "a panel wraps its figure: " + boxes);
                }
                Files.write(Files.createDirectories(Path.of("target")).resolve("dashboard-in-chromium.png"),
                        driver.getScreenshotAs(OutputType.BYTES)); // kept for a look
                // the other run has its own page, and the index lists both
                driver.get(dash.uri().resolve("run/finished/").toString());
                Map<String, Object> fin = waitFor(driver, s -> ((Number) s.get("step")).longValue() == 1);
                assertEquals(1L, ((Number) fin.get("step")).longValue());
                assertEquals("live", fin.get("status"), "its recorder is open");
                other.close(); // training over: the page says so, not "live" forever
                assertEquals("finished", waitFor(driver, s -> s.get("status").equals("finished")).get("status"));
                driver.get(dash.uri().toString());
                List<?> links = (List<?>) driver.executeScript("return [...document.querySelectorAll('#runs a')].map(a => a.textContent)");
                assertEquals(List.of("finished", "softmax"), links);
            } finally {
                driver.quit();
                stop.set(true);
                training.join(10_000);
            }
        }
        assertTrue(trained.get() > 100, "training ran alongside: " + trained.get() + " steps");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> waitFor(ChromeDriver driver, java.util.function.Predicate<Map<String, Object>> ok)
            throws InterruptedException {
        Map<String, Object> s = null;
        for (int i = 0; i < 100; i++) {
            s = (Map<String, Object>) driver.executeScript(READ);
            if (ok.test(s)) {
                return s;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the page never reached the expected state: " + s);
    }
}
