package io.nnviz.recording;

import io.nnviz.api.Tensor;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.view.RunFigures;
import io.nnviz.renderers.Figures;
import io.nnviz.testkit.FashionMnist;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19's probe figures: every probe is drawn (not only the first), a sequence layer's hidden
 * states come with each probe's input on the same time axis, and heatmap axes are ticked.
 */
class ProbeFiguresTest {
    private static List<String> texts(String svg) throws Exception {
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        NodeList ts = d.getElementsByTagName("text");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ts.getLength(); i++) {
            out.add(ts.item(i).getTextContent());
        }
        return out;
    }

    private static String figure(RunLog log, String name) {
        RunFigures.Entry e = RunFigures.of(log).entries().stream().filter(x -> x.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " in " + RunFigures.of(log).entries().stream().map(RunFigures.Entry::name).toList()));
        return Figures.toSvg(e.figure());
    }

    @Test
    void everyProbeIsDrawnAndSequencesComeWithTheirInputs() throws Exception {
        FashionMnist data = FashionMnist.test(4);
        float[] images = new float[4 * 784];
        for (int i = 0; i < 4; i++) {
            System.arraycopy(data.image(i), 0, images, i * 784, 784);
        }
        MutableRunLog log = MutableRunLog.create(RunInfo.named("probes"), 100);
        // four image probes; a conv layer's maps of them (the image itself in 3 channels, the third dead), and the rows
        // of each image read as a sequence [4, 28 steps, 28 features] for a recurrent layer's "hidden states"
        float[] conv = new float[4 * 3 * 784];
        for (int i = 0; i < 4; i++) {
            System.arraycopy(data.image(i), 0, conv, (i * 3) * 784, 784);
            System.arraycopy(data.image(i), 0, conv, (i * 3 + 1) * 784, 784);
        }
        log.probeInputs(Tensor.of(images, 4, 28, 28));
        log.probes(10, Map.of("conv", Tensor.of(conv, 4, 3, 28, 28), "lstm", Tensor.of(images, 4, 28, 28)));
        List<String> grid = texts(figure(log, "probe conv"));
        for (int p = 0; p < 4; p++) {
            assertTrue(grid.contains("p" + (p + 1) + " #0"), "probe " + p + " drawn, counted from 1: " + grid);
        }
        List<String> seq = texts(figure(log, "probe lstm"));
        for (int p = 0; p < 4; p++) {
            assertTrue(seq.contains("probe " + (p + 1) + ": input") && seq.contains("probe " + (p + 1) + ": hidden state"), seq.toString());
        }
        assertTrue(seq.containsAll(List.of("0", "10", "20")), "time steps and units ticked: " + seq);
        assertTrue(seq.contains("time step") && seq.contains("feature") && seq.contains("unit"), seq.toString());
        Path dir = Files.createDirectories(Path.of("target", "probe-figures"));
        for (RunFigures.Entry e : RunFigures.of(log).entries()) { // to look at
            Figures.writePng(e.figure(), dir.resolve(e.id() + ".png"), 1);
        }
    }
}
