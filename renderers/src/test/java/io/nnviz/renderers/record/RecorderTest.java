package io.nnviz.renderers.record;

import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.Snapshot;
import io.nnviz.api.hook.TrainingEvent;
import io.nnviz.renderers.report.HtmlReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecorderTest {
    @TempDir
    Path dir;

    @Test
    void seriesStayBoundedAndKeepTheLatestPoint() {
        Recorder.Series s = new Recorder.Series(100);
        for (int step = 1; step <= 20_000; step++) {
            s.add(step, step * 0.5);
        }
        double[][] xy = s.xy();
        assertTrue(xy[0].length <= 101, "points kept: " + xy[0].length);
        assertTrue(xy[0].length >= 50, "points kept: " + xy[0].length);
        assertEquals(20_000, xy[0][xy[0].length - 1], "the latest step is always there");
        assertEquals(1, xy[0][0], "and the first");
        for (int i = 1; i < xy[0].length; i++) {
            assertTrue(xy[0][i] > xy[0][i - 1], "steps increase");
        }
    }

    @Test
    void theBuilderRejectsSettingsThatCannotWork() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Recorder.builder().histogramsEvery(0));
        assertTrue(e.getMessage().contains("histogramsEvery"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Recorder.builder().probes(Tensor.of(new float[3], 3)));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Recorder.builder().maxPoints(1));
    }

    @Test
    void weightsAreAskedForOnlyAtHistogramAndFilterSteps() {
        Recorder rec = Recorder.builder().histogramsEvery(10).filtersEvery(25).gradients(true).build();
        List<Long> asked = new java.util.ArrayList<>();
        for (long step = 1; step <= 50; step++) {
            if (rec.request(step, 0).weights()) {
                asked.add(step);
            }
        }
        assertEquals(List.of(1L, 10L, 20L, 25L, 30L, 40L, 50L), asked);
        assertTrue(rec.request(10, 0).gradients(), "gradients with the histograms");
        assertTrue(!rec.request(25, 0).gradients(), "not at a filter-only step");
    }

    @Test
    void aRecordedRunBecomesAReportWithCurvesHistogramsAndFilters() throws Exception {
        Recorder rec = Recorder.builder().histogramsEvery(5).filtersEvery(5).maxPoints(50).bins(20).build().tensorBoard(dir.resolve("tb"));
        java.util.Random r = new java.util.Random(2);
        for (int step = 1; step <= 40; step++) {
            Snapshot snap = Snapshot.EMPTY;
            if (rec.request(step, 0).weights()) {
                float[] k = new float[8 * 3 * 3 * 3];
                for (int i = 0; i < k.length; i++) {
                    k[i] = (float) (r.nextGaussian() * (1 + step / 10.0));
                }
                snap = new Snapshot(Map.of("conv1", List.of(WeightTensor.of("conv1", "kernel", WeightRole.KERNEL, Tensor.of(k, 8, 3, 3, 3)))),
                        Map.of(), Map.of(), null, null, null);
            }
            rec.onStepEnd(new TrainingEvent(step, 0, 2.0 / step, Map.of(), snap));
        }
        Path index = rec.addTo(HtmlReport.titled("run")).write(dir);
        String html = Files.readString(index);
        assertTrue(html.contains("Training loss"));
        assertTrue(Files.exists(dir.resolve("figures/hist-conv1-kernel.svg")));
        assertTrue(Files.exists(dir.resolve("figures/filters-first.svg")));
        assertTrue(Files.readString(dir.resolve("figures/filters-last.svg")).contains("step 40"));
        assertEquals(40, rec.lossPoints());
        assertEquals(0, rec.dropped());
        Path json = dir.resolve("run.json");
        rec.writeJson(json);
        try (com.fasterxml.jackson.core.JsonParser p = new com.fasterxml.jackson.core.JsonFactory().createParser(json.toFile())) {
            int numbers = 0;
            boolean sawHistogram = false;
            for (var t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT || t == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_FLOAT) {
                    numbers++;
                }
                sawHistogram |= t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME && p.currentName().equals("conv1 / kernel");
            }
            assertTrue(sawHistogram, "histograms by weight");
            assertTrue(numbers > 80 + 9 * 20, "40 steps and losses, 9 histograms of 20 bins: " + numbers + " numbers");
        }
        assertTrue(Files.readString(json).contains("\"format\" : \"nnviz-run/1\""));
        assertEquals(0, rec.tensorBoardErrors());
        var events = TensorBoardWriterTest.read(Files.readAllBytes(rec.tensorBoardFile().orElseThrow()));
        // the file version, 40 losses, a histogram every 5 steps from step 1, and the filters as an image as often
        assertEquals(1 + 40 + 9 + 9, events.size());
        var image = events.stream().filter(e -> e.getSummary().getValueCount() > 0 && e.getSummary().getValue(0).hasImage())
                .reduce((a, b) -> b).orElseThrow();
        assertEquals("filters/conv1", image.getSummary().getValue(0).getTag());
        assertEquals(40, image.getStep());
        var png = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(image.getSummary().getValue(0).getImage()
                .getEncodedImageString().toByteArray()));
        assertEquals(image.getSummary().getValue(0).getImage().getWidth(), png.getWidth(), "a PNG of the declared size");
        assertEquals(1L, events.stream().filter(e -> e.getSummary().getValueCount() > 0
                && e.getSummary().getValue(0).getTag().equals("loss") && e.getStep() == 40).count());
    }
}
