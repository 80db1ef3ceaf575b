package io.nnviz.renderers;

import io.nnviz.api.Group;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.spi.ModelBuilder;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.renderers.figures.FilterGrid;
import io.nnviz.renderers.figures.LineChart;
import io.nnviz.renderers.report.HtmlReport;
import io.nnviz.testkit.Chromium;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.interactions.WheelInput;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19's interactive report, driven in a real headless Chromium from {@code file://}: the
 * architecture opens a block by a click, a click on a layer shows its details and its figures,
 * a line chart tells a value on hover, and the page logs no error and makes no request.
 */
@Tag("browser")
class InteractiveReportTest {
    @TempDir
    Path dir;

    /** input -> 3 stages of 2 identical blocks (conv, norm, relu) -> dense: groups two deep. */
    static ModelView staged() {
        return staged(3, 2);
    }

    /**
     * input -> {@code stages} stages of {@code blocks} blocks (conv, norm, relu) -> dense: groups two
     * deep; a stage's blocks are identical but for the very first, whose conv reads the 3 channels.
     */
    static ModelView staged(int stages, int blocks) {
        ModelBuilder b = ModelBuilder.of("staged");
        b.layer(LayerInfo.builder("input", LayerKind.INPUT).outputShape(Shape.of(-1, 3, 32, 32)).build());
        String prev = "input";
        for (int s = 0; s < stages; s++) {
            for (int k = 0; k < blocks; k++) {
                String block = "stage" + s + "/block" + k;
                List<String> members = new ArrayList<>();
                for (String part : new String[] {"conv", "norm", "relu"}) {
                    String id = block + "/" + part;
                    LayerKind kind = part.equals("conv") ? LayerKind.CONV : part.equals("norm") ? LayerKind.NORM : LayerKind.ACTIVATION;
                    LayerInfo.Builder l = LayerInfo.builder(id, kind).outputShape(Shape.of(-1, 8, 32, 32)).group(block);
                    if (kind == LayerKind.CONV) {
                        l.weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(8, s == 0 && k == 0 ? 3 : 8, 3, 3)));
                    }
                    b.layer(l.build()).edge(prev, id);
                    prev = id;
                    members.add(id);
                }
                b.group(new Group(block, "block" + k, "Block", "stage" + s, members));
            }
            b.group(new Group("stage" + s, "stage" + s, "Stage", null, List.of()));
        }
        b.layer(LayerInfo.builder("fc", LayerKind.DENSE).outputShape(Shape.of(-1, 10)).weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(10, 8))).build());
        return b.edge(prev, "fc").build();
    }

    @Test
    void aBlockOpensALayerShowsItsFiguresAndChartsTellValues() throws Exception {
        Random r = new Random(1);
        float[] k = new float[8 * 3 * 3 * 3];
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) r.nextGaussian();
        }
        ModelView m = staged();
        Path index = HtmlReport.titled("interactive").section("Architecture").architecture(m)
                .section("Filters").layerFigure("stage0/block0/conv", "filters", FilterGrid.of(Tensor.of(k, 8, 3, 3, 3)).title("Filters of the first conv").build())
                .section("Training").figure("loss", LineChart.titled("loss").series("train", new double[] {1, 2, 3, 4}, new double[] {4, 3, 2.5, 2}).build())
                .write(dir.resolve("report"));
        ChromeDriver driver = Chromium.start(dir);
        try {
            driver.get(index.toUri().toString());
            JavascriptExecutor js = driver;
            // the view first shown is the deepest that fits a screen: for 20 layers, every layer; then one level up twice
            assertEquals("every layer", driver.findElement(By.cssSelector(".nnviz-viewer .depth")).getText());
            driver.findElement(By.cssSelector(".nnviz-viewer .less")).click();
            assertEquals("depth 2 of 2", driver.findElement(By.cssSelector(".nnviz-viewer .depth")).getText());
            assertTrue(visible(driver, "g.node[data-group='stage1/block0']").getText().contains("block0 \u00d72"),
                    "at depth 2 a stage's two identical blocks are one box");
            driver.findElement(By.cssSelector(".nnviz-viewer .less")).click();
            assertEquals("depth 1 of 2", driver.findElement(By.cssSelector(".nnviz-viewer .depth")).getText());
            // a click on a collapsed stage opens the next depth with that stage's frame marked
            WebElement stage = visible(driver, "g.node[data-group='stage1']");
            stage.click();
            assertEquals("depth 2 of 2", driver.findElement(By.cssSelector(".nnviz-viewer .depth")).getText());
            assertEquals(1L, js.executeScript("return [...document.querySelectorAll('.view:not([hidden]) g.focus')]"
                    + ".filter(g => g.dataset.group === 'stage1').length;"));
            driver.findElement(By.cssSelector(".nnviz-viewer .more")).click();
            assertEquals("every layer", driver.findElement(By.cssSelector(".nnviz-viewer .depth")).getText());
            // a click on a layer: its details and its figure in the panel
            visible(driver, "g.node[data-layer='stage0/block0/conv']").click();
            WebElement panel = driver.findElement(By.id("nnviz-details"));
            assertTrue(panel.isDisplayed(), "the details panel opens");
            assertEquals("stage0/block0/conv", panel.findElement(By.cssSelector(".name")).getText());
            String facts = panel.findElement(By.cssSelector(".facts")).getText();
            assertTrue(facts.contains("kind: conv") && facts.contains("parameters: 216"), facts);
            assertEquals(1, panel.findElements(By.cssSelector(".figures figure svg")).size(), "the layer's filter grid");
            assertTrue(panel.getText().contains("Filters of the first conv"), panel.getText());
            java.nio.file.Files.write(java.nio.file.Files.createDirectories(Path.of("target")).resolve("interactive-report.png"),
                    ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(org.openqa.selenium.OutputType.BYTES)); // to look at
            panel.findElement(By.cssSelector(".close")).click();
            assertFalse(panel.isDisplayed());
            visible(driver, "g.node[data-layer='fc']").click();
            assertTrue(panel.getText().contains("No figure of this layer"), panel.getText());
            // a row of the model summary: its layer outlined in the middle of the view that draws it, and its details
            driver.findElement(By.cssSelector(".nnviz-viewer .less")).click();
            row(driver, "stage1/block1/norm").click();
            assertEquals("every layer", driver.findElement(By.cssSelector(".nnviz-viewer .depth")).getText(), "the view drawing it on its own");
            assertEquals(List.of("stage1/block1/norm"), js.executeScript("return [...document.querySelectorAll('g.focus')].map(g => g.dataset.layer);"));
            assertEquals("stage1/block1/norm", panel.findElement(By.cssSelector(".name")).getText());
            assertCentred(js);
            // hover over the chart: the nearest point's value
            WebElement chart = driver.findElement(By.cssSelector("#fig-loss svg"));
            new Actions(driver).scrollToElement(chart).moveToElement(chart, 0, 0).perform();
            WebElement tip = driver.findElement(By.id("nnviz-tip"));
            assertTrue(tip.isDisplayed(), "the readout shows");
            assertTrue(tip.getText().startsWith("train: "), tip.getText());
            assertEquals(0L, js.executeScript("return performance.getEntriesByType('resource').length;"), "no request leaves the page");
            assertTrue(Chromium.consoleWarnings(driver).isEmpty(), "console: " + Chromium.consoleWarnings(driver));
        } finally {
            driver.quit();
        }
    }

    /**
     * A model over 1,000 layers gets no view of every layer: its deepest view is the last, and there a
     * click on a block lists the block's layers (a folded run's first block's), each opening its
     * details and figures in the panel, as a click on a layer of the view of every layer would.
     */
    @Test
    void aBlockOfTheDeepestViewListsItsLayersWhenEveryLayerIsNotDrawn() throws Exception {
        ModelView m = staged(3, 120); // 1,082 layers
        Random r = new Random(2);
        float[] k = new float[8 * 8 * 3 * 3];
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) r.nextGaussian();
        }
        Path index = HtmlReport.titled("big").section("Architecture").architecture(m)
                .section("Filters").layerFigure("stage1/block0/conv", "filters", FilterGrid.of(Tensor.of(k, 8, 8, 3, 3)).title("Filters of stage 1's conv").build())
                .write(dir.resolve("report"));
        ChromeDriver driver = Chromium.start(dir);
        try {
            driver.get(index.toUri().toString());
            JavascriptExecutor js = driver;
            assertEquals(List.of("depth 1 of 2", "depth 2 of 2"), js.executeScript(
                    "return [...document.querySelectorAll('.nnviz-viewer .view')].map(v => v.dataset.label);"), "no view of every layer");
            assertEquals("depth 2 of 2", driver.findElement(By.cssSelector(".nnviz-viewer .depth")).getText());
            assertFalse(driver.findElement(By.cssSelector(".nnviz-viewer .more")).isEnabled(), "nothing deeper");
            // a block lists its layers on its box up to 64 of them: the deepest view's blocks do, the stages of 360 do not
            assertEquals(List.of(3L, 3L, 3L, 3L), js.executeScript("return [...document.querySelectorAll("
                    + "'.view:not([hidden]) g.node[data-group]')].map(g => g.dataset.layers.split('\\n').length);"));
            assertEquals(0L, js.executeScript("return document.querySelectorAll('.view[hidden] g.node[data-layers]').length;"));
            WebElement panel = driver.findElement(By.id("nnviz-details"));
            // a block on its own: its three layers
            visible(driver, "g.node[data-group='stage0/block0']").click();
            assertTrue(panel.isDisplayed(), "a block of the last view opens the panel");
            assertEquals("stage0/block0", panel.findElement(By.cssSelector(".name")).getText());
            assertEquals(List.of("stage0/block0"), js.executeScript(
                    "return [...document.querySelectorAll('g.focus')].map(g => g.dataset.group);"), "what was clicked is outlined, alone");
            assertTrue(panel.getText().contains("Its 3 layers"), panel.getText());
            // a run of 120 identical blocks folded into one box: its first block's layers, named as the summary names them
            visible(driver, "g.node[data-group='stage1/block0']").click();
            assertTrue(panel.findElement(By.cssSelector(".facts")).getText().contains("\u00d7120"), panel.getText());
            assertTrue(panel.getText().contains("The first block's 3 layers"), panel.getText());
            List<WebElement> members = panel.findElements(By.cssSelector("ul.members button"));
            assertEquals(List.of("stage1/block0/conv", "stage1/block0/norm", "stage1/block0/relu"),
                    members.stream().map(b -> b.getAttribute("title")).toList());
            assertTrue(members.get(0).getText().contains("conv") && members.get(0).getText().contains("[?, 8, 32, 32]"), members.get(0).getText());
            java.nio.file.Files.write(java.nio.file.Files.createDirectories(Path.of("target")).resolve("interactive-report-block.png"),
                    ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(org.openqa.selenium.OutputType.BYTES)); // to look at
            members.get(0).click();
            assertEquals("stage1/block0/conv", panel.findElement(By.cssSelector(".name")).getText());
            assertTrue(panel.findElement(By.cssSelector(".facts")).getText().contains("kind: conv"), panel.getText());
            assertTrue(panel.getText().contains("Filters of stage 1's conv"), "the layer's figure: " + panel.getText());
            java.nio.file.Files.write(java.nio.file.Files.createDirectories(Path.of("target")).resolve("interactive-report-member.png"),
                    ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(org.openqa.selenium.OutputType.BYTES)); // to look at
            // back to the block's list, then Esc closes the panel
            WebElement back = panel.findElement(By.cssSelector("button.back"));
            assertEquals("\u2190 the layers of stage1/block0", back.getText());
            back.click();
            assertEquals("stage1/block0", panel.findElement(By.cssSelector(".name")).getText());
            assertEquals(3, panel.findElements(By.cssSelector("ul.members button")).size());
            assertTrue(panel.findElements(By.cssSelector("button.back")).isEmpty(), "the list has no way back of its own");
            new Actions(driver).sendKeys(org.openqa.selenium.Keys.ESCAPE).perform();
            assertFalse(panel.isDisplayed(), "Esc closes the panel");
            // a row of a layer no view draws on its own: the block that lists it is outlined; one folded away, none
            row(driver, "stage2/block0/norm").click();
            assertEquals(List.of("stage2/block0"), js.executeScript("return [...document.querySelectorAll('g.focus')].map(g => g.dataset.group);"));
            assertEquals("stage2/block0/norm", panel.findElement(By.cssSelector(".name")).getText());
            assertCentred(js);
            row(driver, "stage2/block7/norm").click();
            assertEquals(0L, js.executeScript("return document.querySelectorAll('g.focus').length;"));
            assertEquals("stage2/block7/norm", panel.findElement(By.cssSelector(".name")).getText());
            // a view above the deepest still opens the next depth at the block, the block in the middle of the view
            driver.findElement(By.cssSelector(".nnviz-viewer .less")).click();
            visible(driver, "g.node[data-group='stage0']").click();
            assertEquals("depth 2 of 2", driver.findElement(By.cssSelector(".nnviz-viewer .depth")).getText());
            assertCentred(js);
            assertTrue(Chromium.consoleWarnings(driver).isEmpty(), "console: " + Chromium.consoleWarnings(driver));
        } finally {
            driver.quit();
        }
    }

    /**
     * A drag pans a view as far across as down (one scale both ways, whatever the box's proportions);
     * a view far taller than its box (a chain of 998 layers in 249 frames) opens at its top, across
     * its whole width, rather than fitted whole as a hairline, and a double click comes back there.
     */
    @Test
    void aViewPansAsFarAcrossAsDownAndATallOneOpensAtItsTop() throws Exception {
        Path small = HtmlReport.titled("small").section("Architecture").architecture(staged()).write(dir.resolve("small"));
        Path index = HtmlReport.titled("tall").section("Architecture").architecture(ArchitectureDiagramTest.blocks(249)).write(dir.resolve("tall"));
        ChromeDriver driver = Chromium.start(dir);
        try {
            JavascriptExecutor js = driver;
            String box = "const s = document.querySelector('.view:not([hidden]) svg'), r = s.getBoundingClientRect(),"
                    + " v = s.viewBox.baseVal, w = s.nnvizWhole; return [v.x, v.y, v.width, v.height, w[0], w[1], w[2], w[3], r.width, r.height];";
            // 20 layers, every one drawn, fitted whole in a box of other proportions: a drag moves it as many units across as down
            driver.get(small.toUri().toString());
            double[] f = numbers(js.executeScript(box));
            assertTrue(Math.abs(f[2] / f[8] - f[3] / f[9]) > 0.1 * Math.max(f[2] / f[8], f[3] / f[9]), "letterboxed: " + Arrays.toString(f));
            new Actions(driver).moveToElement(visible(driver, ".view svg")).clickAndHold().moveByOffset(-60, -60).release().perform();
            double[] g = numbers(js.executeScript(box));
            assertTrue(g[1] - f[1] > 10, "moved: " + Arrays.toString(g));
            assertEquals(g[1] - f[1], g[0] - f[0], 1e-6 * (g[1] - f[1]), "as far across as down: " + Arrays.toString(g));
            driver.get(index.toUri().toString());
            assertEquals("depth 1 of 1", driver.findElement(By.cssSelector(".nnviz-viewer .depth")).getText());
            driver.findElement(By.cssSelector(".nnviz-viewer .more")).click();
            assertEquals("every layer", driver.findElement(By.cssSelector(".nnviz-viewer .depth")).getText());
            WebElement svg = visible(driver, ".view svg");
            double[] v = numbers(js.executeScript(box));
            assertTrue(v[7] / v[6] > 20, "the drawing is tall: " + Arrays.toString(v));
            assertEquals(v[4], v[0], 1e-6, "its left edge");
            assertEquals(v[5], v[1], 1e-6, "its top");
            assertEquals(v[6], v[2], 1e-6, "its whole width");
            assertEquals(v[6] * v[9] / v[8], v[3], 1, "as tall as the box allows at that width: " + Arrays.toString(v));
            new Actions(driver).moveToElement(svg).clickAndHold().moveByOffset(0, -100).release().perform();
            assertTrue(numbers(js.executeScript(box))[1] > v[1] + 50, "a drag goes down the drawing");
            new Actions(driver).doubleClick(svg).perform();
            assertEquals(v[1], numbers(js.executeScript(box))[1], 1e-6, "a double click is back at the top");
            assertTrue(Chromium.consoleWarnings(driver).isEmpty(), "console: " + Chromium.consoleWarnings(driver));
        } finally {
            driver.quit();
        }
    }

    /**
     * Only the view shown first gets a PNG file; any other view's PNG is drawn by the page from its
     * SVG when its button is pressed, and saved as a download. That PNG has the size the report
     * would have drawn (scale 2) and shows what Java2D draws for the same view: the two compared
     * in 8 x 8 pixel blocks, text rasterised by two engines differing only at glyph edges.
     */
    @Test
    void aViewsPngIsDrawnByThePageAsJavaWouldDrawIt() throws Exception {
        ModelView m = staged();
        Path index = HtmlReport.titled("views").section("Architecture").architecture(m).write(dir.resolve("report"));
        Path figures = index.getParent().resolve("figures");
        assertTrue(Files.exists(figures.resolve("architecture.png")), "the first view's PNG is a file");
        for (String other : List.of("architecture-depth-1-of-2", "architecture-depth-2-of-2")) {
            assertTrue(Files.exists(figures.resolve(other + ".svg")), other);
            assertFalse(Files.exists(figures.resolve(other + ".png")), "no PNG file for " + other);
        }
        ChromeDriver driver = Chromium.start(dir);
        try {
            driver.get(index.toUri().toString());
            driver.findElement(By.cssSelector(".nnviz-viewer .less")).click();
            assertEquals("depth 2 of 2", driver.findElement(By.cssSelector(".nnviz-viewer .depth")).getText());
            // zoomed in first: the PNG is still the whole view
            WebElement svg = visible(driver, ".view svg");
            String home = svg.getDomAttribute("viewBox");
            new Actions(driver).scrollFromOrigin(WheelInput.ScrollOrigin.fromElement(svg), 0, -300).perform();
            assertFalse(home.equals(svg.getDomAttribute("viewBox")), "zoomed: " + home);
            WebElement button = visible(driver, "button.png");
            WebElement link = button.findElement(By.xpath("preceding-sibling::a[1]"));
            assertEquals(link.getCssValue("color"), button.getCssValue("color"), "the button reads as the SVG link beside it");
            assertEquals(link.getCssValue("font-size"), button.getCssValue("font-size"));
            button.click();
            Path saved = Chromium.downloads(dir).resolve("architecture-depth-2-of-2.png");
            long until = System.nanoTime() + 20_000_000_000L;
            while (!Files.exists(saved) && System.nanoTime() < until) {
                Thread.sleep(100);
            }
            assertTrue(Files.exists(saved), "the download: " + Arrays.toString(Chromium.downloads(dir).toFile().list()));
            assertEquals("PNG", button.getText(), "the button says so while it draws, then is itself again");
            Files.write(Path.of("target/view-png-caption.png"), button.findElement(By.xpath("..")).getScreenshotAs(org.openqa.selenium.OutputType.BYTES)); // to look at
            BufferedImage browser = ImageIO.read(saved.toFile());
            BufferedImage drawn = Figures.toImage(ArchitectureDiagram.of(m).depth(2).build(), 2);
            assertEquals(drawn.getWidth() + "x" + drawn.getHeight(), browser.getWidth() + "x" + browser.getHeight(), "the report's size");
            Files.copy(saved, Path.of("target/view-png-from-browser.png"), StandardCopyOption.REPLACE_EXISTING); // to look at
            double[] d = blockDifference(drawn, browser, 8);
            assertTrue(d[0] < 6 && d[1] < 0.02, "mean block difference " + d[0] + " of 255, share of blocks over 40: " + d[1]);
            double[] other = blockDifference(drawn, Figures.toImage(ArchitectureDiagram.of(m).depth(1).build(), 2), 8);
            assertTrue(other[0] > 3 * d[0], "another view differs more: " + other[0] + " against " + d[0]);
            assertTrue(Chromium.consoleWarnings(driver).isEmpty(), "console: " + Chromium.consoleWarnings(driver));
        } finally {
            driver.quit();
        }
    }

    /** Mean absolute difference of 8 x 8 block means (grey, 0-255) over the first image's area, and the share of blocks differing by over 40. */
    private static double[] blockDifference(BufferedImage a, BufferedImage b, int n) {
        int bw = a.getWidth() / n, bh = a.getHeight() / n;
        double sum = 0;
        int far = 0;
        for (int by = 0; by < bh; by++) {
            for (int bx = 0; bx < bw; bx++) {
                double x = blockMean(a, bx * n, by * n, n), y = blockMean(b, bx * n, by * n, n);
                sum += Math.abs(x - y);
                far += Math.abs(x - y) > 40 ? 1 : 0;
            }
        }
        return new double[] {sum / (bw * bh), (double) far / (bw * bh)};
    }

    private static double blockMean(BufferedImage img, int x0, int y0, int n) {
        double s = 0;
        int k = 0;
        for (int y = y0; y < y0 + n; y++) {
            for (int x = x0; x < x0 + n; x++) {
                int rgb = x < img.getWidth() && y < img.getHeight() ? img.getRGB(x, y) : 0xffffff;
                s += ((rgb >> 16 & 255) + (rgb >> 8 & 255) + (rgb & 255)) / 3.0;
                k++;
            }
        }
        return s / k;
    }

    /**
     * On the screen, the outlined box is in the middle of its drawing's box, or of the part of it the
     * open details panel leaves uncovered (where the panel covers less than three quarters), to 2 pixels.
     */
    private static void assertCentred(JavascriptExecutor js) {
        double[] c = numbers(js.executeScript("const g = document.querySelector('.view:not([hidden]) g.focus'), e = g.getBoundingClientRect(),"
                + " s = g.ownerSVGElement.getBoundingClientRect(), p = document.getElementById('nnviz-details'),"
                + " pl = p.hidden ? Infinity : p.getBoundingClientRect().left, right = pl > s.left + s.width / 4 && pl < s.right ? pl : s.right;"
                + " return [e.x + e.width / 2, e.y + e.height / 2, (s.left + right) / 2, s.top + s.height / 2, right - s.left];"));
        assertEquals(c[2], c[0], 2, "centred across: " + Arrays.toString(c));
        assertEquals(c[3], c[1], 2, "and down: " + Arrays.toString(c));
    }

    /** The model summary's row of a layer, scrolled to as a reader would. */
    private static WebElement row(ChromeDriver driver, String layer) {
        WebElement r = driver.findElement(By.cssSelector("table.layers tr[data-layer='" + layer + "']"));
        new Actions(driver).scrollToElement(r).perform();
        return r;
    }

    /** A list of numbers the page returned. */
    private static double[] numbers(Object list) {
        return ((List<?>) list).stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
    }

    private static WebElement visible(ChromeDriver driver, String css) {
        for (WebElement e : driver.findElements(By.cssSelector(css))) {
            if (e.isDisplayed()) {
                return e;
            }
        }
        throw new AssertionError("no visible " + css);
    }
}
