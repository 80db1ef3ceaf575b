package io.nnviz.recording.view;

import io.nnviz.recording.Runs;
import io.nnviz.renderers.report.HtmlReport;
import io.nnviz.testkit.Chromium;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 20's comparison page in headless Chromium: sort the runs table by a column, hide a run from every chart, no console errors. */
@Tag("browser")
class RunComparisonInBrowserTest {
    @TempDir
    Path dir;

    @Test
    void theRunsTableSortsAndHidesARunFromTheCharts() throws Exception {
        Path root = dir.resolve("runs");
        RunsTest.sweep(root);
        Path index = RunComparison.of(Runs.open(root).logs()).addTo(HtmlReport.titled("sweep")).write(dir.resolve("report"));
        ChromeDriver driver = Chromium.start(dir);
        try {
            driver.get(index.toUri().toString());
            JavascriptExecutor js = driver;
            String rows = "return [...document.querySelectorAll('#tab-runs tbody tr')].map(r => r.dataset.run);";
            WebElement lr = driver.findElements(By.cssSelector("#tab-runs th.sortable")).stream()
                    .filter(th -> th.getText().startsWith("lr")).findFirst().orElseThrow();
            lr.click();
            assertEquals(List.of("lr 0.001", "lr 0.01", "lr 0.1"), js.executeScript(rows), "ascending learning rate");
            lr.click();
            assertEquals(List.of("lr 0.1", "lr 0.01", "lr 0.001"), js.executeScript(rows), "descending");
            // hide the largest rate: its loss series is gone from the chart, the others stay
            driver.findElement(By.cssSelector("#tab-runs tr[data-run='lr 0.1'] input")).click();
            String shown = "return [...document.querySelectorAll('#fig-runs-loss g.series')].filter(g => g.style.display !== 'none')"
                    + ".map(g => g.querySelector('title').textContent);";
            assertEquals(List.of("lr 0.001", "lr 0.01"), js.executeScript(shown));
            driver.findElement(By.cssSelector("#tab-runs tr[data-run='lr 0.1'] input")).click();
            assertEquals(3, ((List<?>) js.executeScript(shown)).size(), "shown again");
            // the filter box keeps the rows with every word in some cell, and only their series
            driver.findElement(By.cssSelector("input.table-filter")).sendKeys("lr 0.001");
            assertEquals(List.of("lr 0.001"), js.executeScript("return [...document.querySelectorAll('#tab-runs tbody tr')]"
                    + ".filter(r => r.style.display !== 'none').map(r => r.dataset.run);"));
            assertEquals(List.of("lr 0.001"), js.executeScript(shown));
            assertEquals(0L, js.executeScript("return performance.getEntriesByType('resource').length;"));
            // issue 26: the table stays within the page, however many metric columns, and its key columns (box, colour, run) stay
            // in view when it scrolls to its last column; each run's swatch is its colour in the charts
            driver.manage().window().setSize(new Dimension(900, 900));
            assertTrue((Boolean) js.executeScript("var w = document.querySelector('#tab-runs').closest('.table-wrap');"
                    + "return w.getBoundingClientRect().right <= document.documentElement.clientWidth;"), "the table fits the page's width");
            js.executeScript("var w = document.querySelector('#tab-runs').closest('.table-wrap'); w.scrollLeft = w.scrollWidth;");
            assertTrue((Boolean) js.executeScript("var w = document.querySelector('#tab-runs').closest('.table-wrap');"
                    + "return w.scrollLeft > 0;"), "the metric columns are wider than the page: the table scrolls");
            assertTrue((Boolean) js.executeScript("var w = document.querySelector('#tab-runs').closest('.table-wrap').getBoundingClientRect();"
                    + "var run = document.querySelector('#tab-runs tr[data-run=\\'lr 0.001\\'] td:nth-child(2)').getBoundingClientRect();"
                    + "var box = document.querySelector('#tab-runs tr[data-run=\\'lr 0.001\\'] td:first-child').getBoundingClientRect();"
                    + "return box.left >= w.left - 1 && run.left >= box.right - 1 && run.right <= w.right;"), "the key columns stay in view");
            assertEquals(js.executeScript("return [...document.querySelectorAll('#fig-runs-loss g.legend')].map(g => g.querySelector('line')"
                            + ".getAttribute('stroke'));"),
                    js.executeScript("return [...document.querySelectorAll('#tab-runs tbody tr')].sort((a, b) => a.dataset.run.localeCompare(b.dataset.run))"
                            + ".map(r => { var c = getComputedStyle(r.querySelector('.swatch')).backgroundColor.match(/\\d+/g);"
                            + " return '#' + c.slice(0, 3).map(v => (+v).toString(16).padStart(2, '0')).join(''); });"),
                    "each row's swatch is its run's colour in the loss chart (the runs in the order they were added)");
            Files.write(Files.createDirectories(Path.of("target")).resolve("runs-comparison.png"),
                    driver.getScreenshotAs(OutputType.BYTES)); // to look at
            assertTrue(Chromium.consoleWarnings(driver).isEmpty(), "console: " + Chromium.consoleWarnings(driver));
        } finally {
            driver.quit();
        }
    }
}
