package io.nnviz.recording;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.ModelBuilder;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.recording.view.RunFigures;
import io.nnviz.recording.view.RunReport;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.report.HtmlReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue 26: a report's filter grids over time read step 1, 314, 200; they come in step order. */
class ReportOrderTest {
    @TempDir
    Path dir;

    private static WeightTensor kernel(float v) {
        float[] w = new float[4 * 1 * 3 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = v * (i % 7 - 3);
        }
        return WeightTensor.of("conv", "W", WeightRole.KERNEL, Tensor.of(w, 4, 1, 3, 3));
    }

    @Test
    void filterGridsOverTimeAreInStepOrder() throws Exception {
        MutableRunLog log = MutableRunLog.create(RunInfo.named("cnn"), 100);
        log.filters(1, kernel(1));
        log.filters(200, kernel(2));
        log.scalar("loss", 314, 0.1);
        log.advance(314, 0); // trained on after the last snapshot: the report adds the filters as trained, read from the model
        ModelView model = ModelBuilder.of("cnn")
                .layer(LayerInfo.builder("in", LayerKind.INPUT).outputShape(Shape.of(-1, 1, 8, 8)).build())
                .layer(LayerInfo.builder("conv", LayerKind.CONV).outputShape(Shape.of(-1, 4, 6, 6))
                        .weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(4, 1, 3, 3))).build())
                .chain("in", "conv").weights("conv", kernel(3)).build();
        Path index = RunReport.of(log, model).addTo(HtmlReport.titled("cnn")).write(dir.resolve("report"));
        String html = Files.readString(index);
        Matcher m = Pattern.compile("<figcaption>Filters of conv at step (\\d+)").matcher(html);
        List<Long> steps = new ArrayList<>();
        while (m.find()) {
            steps.add(Long.parseLong(m.group(1)));
        }
        assertEquals(List.of(1L, 200L, 314L), steps, "first, latest snapshot, then as trained");
    }

    /** The y axis's title of a figure: its rotated text. */
    private static String yTitle(Figure f) throws Exception {
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(
                new ByteArrayInputStream(Figures.toSvg(f).getBytes(StandardCharsets.UTF_8)));
        NodeList texts = d.getElementsByTagName("text");
        for (int i = 0; i < texts.getLength(); i++) {
            Element t = (Element) texts.item(i);
            if (t.getAttribute("transform").startsWith("rotate(-90")) {
                return t.getTextContent();
            }
        }
        return null;
    }

    /** Issue 26: the per-epoch chart had no y axis title; every chart of a run is titled by its metric on y. */
    @Test
    void everyChartSaysWhatItsYIs() throws Exception {
        MutableRunLog log = MutableRunLog.create(RunInfo.named("cnn"), 100);
        for (int s = 1; s <= 3; s++) {
            log.scalar("loss", s, 1.0 / s);
            log.scalar("learning_rate/conv", s, 0.01);
        }
        log.epochScalar("validation/accuracy", 0, 0.7);
        log.epochScalar("train/accuracy", 0, 0.8);
        log.epochScalar("f1", 0, 0.6);
        Map<String, String> y = new LinkedHashMap<>();
        for (RunFigures.Entry e : RunFigures.of(log).entries()) {
            y.put(e.title(), yTitle(e.figure()));
        }
        assertEquals(Map.of("Training loss", "loss", "Learning rate by layer", "learning rate", "Accuracy per epoch", "accuracy",
                "F1 per epoch", "f1"), y);
    }
}
