package io.nnviz.dashboard;

import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.testkit.Chromium;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The live comparison page in headless Chromium: the runs table sorts, a run's box hides it from
 * the charts, and both hold while the runs go on logging and the page draws them again.
 */
@Tag("browser")
class LiveComparisonInBrowserTest {
    @TempDir
    Path dir;

    private static MutableRunLog run(String name, double lr, int steps) {
        MutableRunLog log = MutableRunLog.create(RunInfo.named(name).with(Map.of("lr", lr), List.of(), List.of()), 1000);
        for (int s = 1; s <= steps; s++) {
            log.scalar("loss", s, Math.exp(-lr * s));
            log.advance(s, 0);
        }
        return log;
    }

    @Test
    void theLiveRunsTableSortsAndHidesWhileRunsGoOn() throws Exception {
        List<MutableRunLog> runs = new CopyOnWriteArrayList<>(List.of(run("b", 0.01, 40), run("a", 0.1, 40), run("c", 0.001, 40)));
        try (LiveDashboard dash = LiveDashboard.start()) {
            var page = dash.showComparison("compare", () -> List.copyOf(runs));
            ChromeDriver driver = Chromium.start(dir);
            try {
                driver.get(page.toString());
                JavascriptExecutor js = driver;
                String rows = "return [...document.querySelectorAll('#runs-table tbody tr')].map(r => r.dataset.run);";
                String shown = "return [...document.querySelectorAll('#fig-runs-loss g.series')].filter(g => g.style.display !== 'none')"
                        + ".map(g => g.querySelector('title').textContent).sort();";
                waitFor(js, "return document.querySelectorAll('#runs-table tbody tr').length === 3"
                        + " && document.querySelectorAll('#fig-runs-loss g.series').length === 3;");
                WebElement lr = driver.findElements(By.cssSelector("#runs-table th.sortable")).stream()
                        .filter(th -> th.getText().equals("lr")).findFirst().orElseThrow();
                lr.click();
                assertEquals(List.of("c", "b", "a"), js.executeScript(rows), "ascending learning rate");
                driver.findElement(By.cssSelector("#runs-table tr[data-run='a'] input")).click();
                assertEquals(List.of("b", "c"), js.executeScript(shown), "a hidden");

                // the runs go on: a fourth starts, b logs more; the page draws the table and the loss again
                runs.add(run("d", 0.05, 10));
                for (int s = 41; s <= 60; s++) {
                    runs.get(0).scalar("loss", s, Math.exp(-0.01 * s));
                    runs.get(0).advance(s, 0);
                }
                waitFor(js, "return document.querySelectorAll('#runs-table tbody tr').length === 4"
                        + " && document.querySelectorAll('#fig-runs-loss g.series').length === 4;");
                waitFor(js, "const g = [...document.querySelectorAll('#fig-runs-loss g.series')].find(g => g.querySelector('title').textContent === 'b');"
                        + " return g && g.dataset.points.split(';').length === 60;");
                assertEquals(List.of("c", "b", "d", "a"), js.executeScript(rows), "the new table keeps the order by learning rate");
                assertEquals(List.of("b", "c", "d"), js.executeScript(shown), "a stays hidden in the chart drawn again");
                assertEquals(Boolean.FALSE, js.executeScript("return document.querySelector(\"#runs-table tr[data-run='a'] input\").checked;"));
                driver.findElement(By.cssSelector("#runs-table tr[data-run='a'] input")).click();
                assertEquals(List.of("a", "b", "c", "d"), js.executeScript(shown), "shown again");

                // the filter box: words in any cell keep a row, the others leave the table and the charts, across redraws
                String visibleRows = "return [...document.querySelectorAll('#runs-table tbody tr')].filter(r => r.style.display !== 'none')"
                        + ".map(r => r.dataset.run).sort();";
                WebElement filter = driver.findElement(By.cssSelector("input.table-filter"));
                filter.sendKeys("a");
                assertEquals(List.of("a"), js.executeScript(visibleRows));
                assertEquals(List.of("a"), js.executeScript(shown), "only a's series");
                runs.add(run("e", 0.2, 5));
                waitFor(js, "return document.querySelectorAll('#runs-table tbody tr').length === 5;");
                assertEquals(List.of("a"), js.executeScript(visibleRows), "the filter holds when the table is drawn again");
                assertEquals(1, driver.findElements(By.cssSelector("input.table-filter")).size(), "one filter box");
                filter.sendKeys(org.openqa.selenium.Keys.BACK_SPACE);
                assertEquals(List.of("a", "b", "c", "d", "e"), js.executeScript(visibleRows));
                assertEquals(0L, js.executeScript("return performance.getEntriesByType('resource').filter(e => !e.name.startsWith(location.origin)).length;"));
                Files.write(Files.createDirectories(Path.of("target")).resolve("live-comparison.png"),
                        driver.getScreenshotAs(org.openqa.selenium.OutputType.BYTES)); // to look at
                assertTrue(Chromium.consoleWarnings(driver).isEmpty(), "console: " + Chromium.consoleWarnings(driver));
            } finally {
                driver.quit();
            }
        }
    }

    private static void waitFor(JavascriptExecutor js, String condition) throws InterruptedException {
        for (long t0 = System.nanoTime(); System.nanoTime() - t0 < 15_000_000_000L; Thread.sleep(100)) {
            if (Boolean.TRUE.equals(js.executeScript(condition))) {
                return;
            }
        }
        throw new AssertionError("not within 15 s: " + condition);
    }
}
