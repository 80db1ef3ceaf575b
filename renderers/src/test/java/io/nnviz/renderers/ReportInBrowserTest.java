package io.nnviz.renderers;

import io.nnviz.api.Histogram;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.renderers.figures.FilterGrid;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.HistogramRidge;
import io.nnviz.renderers.figures.LineChart;
import io.nnviz.renderers.figures.Scatter;
import io.nnviz.renderers.report.HtmlReport;
import io.nnviz.testkit.Chromium;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report opened in a real headless Chromium (Debian's, installed by .ci/install-packages): no
 * console errors (the page's CSP turns any request leaving it into one), every figure drawn with a
 * size, every embedded image decoded, and a screenshot that is not blank.
 */
@Tag("browser")
class ReportInBrowserTest {
    @TempDir
    Path dir;

    @Test
    void theReportRendersInChromiumWithNoErrorsAndNoRequests() throws Exception {
        Random r = new Random(4);
        float[] k = new float[16 * 3 * 5 * 5];
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) r.nextGaussian();
        }
        k[7] = Float.NaN;
        ModelView chain = ArchitectureDiagramTest.chain(12, "layer<&>");
        HistogramRidge ridge = HistogramRidge.titled("fc1 kernel");
        for (int s = 0; s < 10; s++) {
            ridge.add(s * 10, Histogram.of(Tensor.of(k, k.length), 30));
        }
        Path index = HtmlReport.titled("Browser check <script>alert(1)</script>").model(chain)
                .section("Figures")
                .figure("architecture", ArchitectureDiagram.of(chain).build())
                .figure("filters", FilterGrid.of(Tensor.of(k, 16, 3, 5, 5)).build())
                .figure("loss", LineChart.titled("loss").series("train", new double[] {1, 2, 3}, new double[] {3, 2, 1}).build())
                .figure("confusion", Heatmap.confusionMatrix(new long[][] {{5, 1}, {2, 7}}, List.of("a", "b"), true).build())
                .figure("ridge", ridge.build())
                .figure("scatter", Scatter.predictedVsTrue(new double[] {1, 2, 3}, new double[] {1.1, 1.9, 3.2}).build())
                .write(dir.resolve("report"));

        ChromeDriver driver = Chromium.start(dir);
        try {
            driver.get(index.toUri().toString());
            JavascriptExecutor js = driver;
            @SuppressWarnings("unchecked")
            Map<String, Object> state = (Map<String, Object>) js.executeScript("""
                    const svgs = [...document.querySelectorAll('svg')];
                    const sized = svgs.filter(s => { const b = s.getBoundingClientRect(); return b.width > 50 && b.height > 50; });
                    const images = [...document.querySelectorAll('svg image')];
                    return {svgs: svgs.length, sized: sized.length, images: images.length,
                            resources: performance.getEntriesByType('resource').length,
                            title: document.title, scripts: document.querySelectorAll('script').length,
                            alerts: [...document.querySelectorAll('script')].filter(x => x.textContent.includes('alert(1)')).length};
                    """);
            long svgs = (Long) state.get("svgs");
            assertTrue(svgs >= 6, "inline SVG figures: " + state);
            assertEquals(svgs, state.get("sized"), "every figure has a size: " + state);
            assertTrue((Long) state.get("images") >= 2, "embedded raster images: " + state);
            assertEquals(0L, state.get("resources"), "no request leaves the page: " + state);
            assertEquals(1L, state.get("scripts"), "the viewer's script, and no other: " + state);
            assertEquals(0L, state.get("alerts"), "a hostile title did not become a script: " + state);
            assertTrue(((String) state.get("title")).contains("<script>"), "the title is shown as text: " + state);
            List<LogEntry> errors = Chromium.consoleWarnings(driver);
            assertTrue(errors.isEmpty(), "console: " + errors);
            byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
            Files.write(Files.createDirectories(Path.of("target")).resolve("report-in-chromium.png"), png); // kept for a look
            BufferedImage shot = ImageIO.read(new ByteArrayInputStream(png));
            java.util.Set<Integer> colours = new java.util.HashSet<>();
            for (int y = 0; y < shot.getHeight(); y += 7) {
                for (int x = 0; x < shot.getWidth(); x += 7) {
                    colours.add(shot.getRGB(x, y));
                }
            }
            assertTrue(colours.size() > 50, "the screenshot shows figures, not a blank page: " + colours.size() + " colours");
        } finally {
            driver.quit();
        }
    }
}
