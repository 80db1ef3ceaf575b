package io.nnviz.examples;

import io.nnviz.recording.format.RunJson;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The main job end to end, with fewer steps: it trains, learns, and writes a report whose figures parse. */
@Tag("natives")
class MainJobTest {
    @TempDir
    Path dir;

    @Test
    void theCnnExampleTrainsAndWritesItsReport() throws Exception {
        AtomicLong last = new AtomicLong();
        RunReport.Result r = Dl4jExamples.run(Task.cnn, 150, 32, dir.resolve("report"), last::set);
        assertEquals(150, last.get(), "progress reached the last step");
        assertReport(r, "fc1 / kernel", "hist-fc1-kernel.svg", "probe-conv1.svg");
    }

    @Test
    void theDjlCnnExampleTrainsAndWritesTheSameReport() throws Exception {
        AtomicLong last = new AtomicLong();
        RunReport.Result r = DjlExamples.run(Task.cnn, 150, 32, dir.resolve("report"), last::set);
        assertEquals(150, last.get(), "progress reached the last step");
        assertReport(r, "08Linear / weight", "hist-08linear-weight.svg", "probe-04conv2d.svg");
    }

    private void assertReport(RunReport.Result r, String jsonHistogram, String histogramFigure, String activationFigure) throws Exception {
        assertEquals(0, r.hookErrors());
        // ten classes: chance is 10%; 150 steps of a working CNN reach well over 60% on held-out images
        assertTrue(r.accuracy() > 0.6, "accuracy " + r.accuracy());
        String html = Files.readString(r.index());
        assertTrue(html.contains("LeNet-style CNN classifying Fashion-MNIST"), "title");
        assertTrue(html.contains("Model summary"), "model summary table");
        Path figures = dir.resolve("report/figures");
        List<String> svgs;
        try (Stream<Path> s = Files.list(figures)) {
            svgs = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".svg")).sorted().toList();
        }
        for (String must : List.of("architecture.svg", "loss.svg", "confusion.svg", "saliency.svg", "grad-cam.svg",
                "filters-first.svg", "filters-latest.svg", activationFigure, activationFigure.replace(".svg", "-first.svg"), histogramFigure)) {
            assertTrue(svgs.contains(must), must + " in " + svgs);
        }
        var f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        for (String svg : svgs) {
            var doc = f.newDocumentBuilder().parse(figures.resolve(svg).toFile());
            assertEquals("svg", doc.getDocumentElement().getLocalName(), svg);
            String png = svg.replace(".svg", ".png");
            if (svg.startsWith("architecture-")) { // a view not shown first: the page draws its PNG when asked
                assertFalse(Files.exists(figures.resolve(png)), "no PNG file of " + svg);
                assertTrue(html.contains("data-file=\"" + png + "\""), "a button that draws " + png);
            } else {
                assertTrue(Files.size(figures.resolve(png)) > 1000, "PNG copy of " + svg);
            }
        }
        try (Stream<Path> tb = Files.list(dir.resolve("report/tensorboard"))) {
            Path events = tb.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).findFirst().orElseThrow();
            assertTrue(Files.size(events) > 150 * 20, "an event per step and the histograms: " + Files.size(events) + " bytes");
        }
        var run = RunJson.read(dir.resolve("report/run.json"));
        assertTrue(run.histogramKeys().contains(jsonHistogram), "the run as JSON: " + run.histogramKeys());
        assertEquals(150, run.stepSeries("loss").size(), "every step's loss");
        String saliency = f.newDocumentBuilder().parse(figures.resolve("saliency.svg").toFile()).getDocumentElement().getTextContent();
        assertTrue(Images.CLASSES.stream().anyMatch(saliency::contains), "the saliency names the predicted class: " + saliency);
        var confusion = f.newDocumentBuilder().parse(figures.resolve("confusion.svg").toFile());
        assertTrue(confusion.getDocumentElement().getTextContent().contains(String.format("%.1f%%", r.accuracy() * 100)),
                "the confusion matrix states the accuracy");
    }
}
