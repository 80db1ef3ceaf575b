package io.nnviz.recording;

import io.nnviz.api.Histogram;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.ManualTraining;
import io.nnviz.api.hook.Snapshot;
import io.nnviz.api.hook.TrainingEvent;
import io.nnviz.recording.format.RunJson;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.analysis.Curve;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.sink.TensorBoardSink;
import io.nnviz.recording.sink.TensorBoardWriterTest;
import io.nnviz.recording.view.RunFigures;
import io.nnviz.recording.view.RunReport;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.report.HtmlReport;
import io.nnviz.testkit.SvgFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecorderTest {
    @TempDir
    Path dir;

    @Test
    void theBuilderRejectsSettingsThatCannotWork() {
        var e = assertThrows(IllegalArgumentException.class, () -> Recorder.builder().histogramsEvery(0));
        assertTrue(e.getMessage().contains("histogramsEvery"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Recorder.builder().probes(Tensor.of(new float[3], 3)));
        assertThrows(IllegalArgumentException.class, () -> Recorder.builder().maxPoints(1));
        RecorderBuilder b = Recorder.builder();
        b.build();
        assertThrows(IllegalStateException.class, b::build, "configuration is fixed once built");
    }

    @Test
    void weightsAreAskedForOnlyAtHistogramAndFilterSteps() {
        Recorder rec = Recorder.builder().histogramsEvery(10).filtersEvery(25).gradients(true).build();
        List<Long> asked = new ArrayList<>();
        for (long step = 1; step <= 50; step++) {
            if (rec.request(step, 0).weights()) {
                asked.add(step);
            }
        }
        assertEquals(List.of(1L, 10L, 20L, 25L, 30L, 40L, 50L), asked);
        assertTrue(rec.request(10, 0).gradients(), "gradients with the histograms");
        assertTrue(rec.request(10, 0).updates(), "update ratios with the histograms");
        assertFalse(rec.request(25, 0).gradients(), "not at a filter-only step");
    }

    /** Steps 1..n with a 3x3x3x8 kernel whenever the recorder asks for weights; epochs of {@code perEpoch} steps. */
    private static void train(ManualTraining t, Recorder rec, int n, int perEpoch, double[] accuracy) {
        Random r = new Random(2);
        for (int i = 1; i <= n; i++) {
            t.stepEnd(2.0 / (t.stepsSeen() + 1), Map.of("learning_rate/conv1", 0.01), req -> {
                float[] k = new float[8 * 3 * 3 * 3];
                for (int j = 0; j < k.length; j++) {
                    k[j] = (float) r.nextGaussian();
                }
                return new Snapshot(Map.of("conv1", List.of(WeightTensor.of("conv1", "kernel", WeightRole.KERNEL, Tensor.of(k, 8, 3, 3, 3)))),
                        Map.of(), Map.of(), null, null, null);
            });
            if (i % perEpoch == 0) {
                int e = i / perEpoch - 1;
                t.epochEnd(Map.of("train/accuracy", accuracy[2 * e], "validation/accuracy", accuracy[2 * e + 1]));
            }
        }
    }

    @Test
    void aRecorderAttachedAgainContinuesItsStepsAndEpochs() throws Exception {
        Recorder rec = Recorder.builder().histogramsEvery(5).filtersEvery(5).build();
        double[] acc = {0.5, 0.45, 0.7, 0.66, 0.8, 0.71};
        try (ManualTraining first = ManualTraining.start(null, rec)) {
            train(first, rec, 20, 10, acc); // steps 1..20, epochs 0 and 1
        }
        try (ManualTraining second = ManualTraining.start(null, rec)) { // a new loop counts from 1 again
            train(second, rec, 10, 10, new double[] {acc[4], acc[5]});
        }
        RunLog log = rec.log();
        Curve loss = log.stepSeries("loss");
        assertEquals(30, loss.size());
        for (int i = 0; i < 30; i++) {
            assertEquals(i + 1, loss.x(i), "global steps 1..30, never back to 1");
        }
        assertEquals(2.0 / 1, loss.y(20), "the second loop's first step is global step 21");
        Curve val = log.epochSeries("validation/accuracy");
        assertEquals(3, val.size());
        assertEquals(2, val.x(2), "the second loop's epoch 0 is the run's epoch 2");
        assertEquals(0.71, val.y(2));
        assertEquals(30, log.lastStep());
        assertEquals(3, log.epochsEnded());
        Path index = rec.addTo(HtmlReport.titled("run")).write(dir); // the report is not lost
        assertTrue(Files.exists(index));
        rec.close();
    }

    @Test
    void aRecordedRunBecomesAReportWithCurvesOnTheirAxesHistogramsAndFilters() throws Exception {
        Recorder rec = Recorder.builder().histogramsEvery(5).filtersEvery(5).maxPoints(50).bins(20)
                .tensorBoard(dir.resolve("tb")).build();
        try (ManualTraining t = ManualTraining.start(null, rec)) {
            train(t, rec, 40, 20, new double[] {0.6, 0.55, 0.8, 0.7});
        }
        rec.scalar("validation/loss", 40, 0.9);
        Path index = rec.addTo(HtmlReport.titled("run")).write(dir.resolve("report"));
        Path figures = index.getParent().resolve("figures");
        assertTrue(Files.readString(index).contains("Loss"));
        assertTrue(Files.exists(figures.resolve("hist-conv1-kernel.svg")));
        assertTrue(Files.exists(figures.resolve("filters-first.svg")));
        assertTrue(Files.readString(figures.resolve("filters-latest.svg")).contains("step 40"));

        // one chart for the accuracy's two splits, on an epoch axis, with each point's value on hover
        var svg = SvgFiles.parse(figures.resolve("epoch-accuracy.svg"));
        assertEquals(List.of("train", "validation"), SvgFiles.groupTitles(svg, "series"));
        List<String> points = SvgFiles.groupTitles(svg, "point");
        assertEquals(List.of("train at epoch 1: 0.600000", "train at epoch 2: 0.800000",
                "validation at epoch 1: 0.550000", "validation at epoch 2: 0.700000"), points);
        assertTrue(SvgFiles.texts(svg).contains("epoch"), "the x axis is epochs");
        // the step loss and the user's validation loss share the loss chart
        assertEquals(List.of("train", "validation"), SvgFiles.groupTitles(SvgFiles.parse(figures.resolve("loss.svg")), "series"));
        assertEquals(List.of("conv1"), SvgFiles.groupTitles(SvgFiles.parse(figures.resolve("metric-learning-rate.svg")), "series"));

        rec.close();
        List<Event> root = new ArrayList<>(), train = new ArrayList<>(), val = new ArrayList<>();
        for (Path f : ((TensorBoardSink) rec.sinks().get(0)).files().stream().map(Path::of).toList()) {
            List<Event> events = TensorBoardWriterTest.read(Files.readAllBytes(f));
            (f.getParent().getFileName().toString().equals("train") ? train
                    : f.getParent().getFileName().toString().equals("validation") ? val : root).addAll(events);
        }
        assertEquals(40, count(root, "loss"), "every step's loss");
        assertEquals(9, count(root, "conv1/kernel"), "a histogram every 5 steps from step 1");
        assertEquals(9, count(root, "filters/conv1"), "the filter tiles as often");
        assertEquals(List.of(0.6f, 0.8f), values(train, "epoch_accuracy"), "train accuracy by epoch, at steps 0 and 1");
        assertEquals(List.of(0.55f, 0.7f), values(val, "epoch_accuracy"), "validation accuracy under the same tag");
        assertEquals(List.of(0.9f), values(val, "loss"));
        assertEquals(0, rec.sinkErrors());
    }

    static long count(List<Event> events, String tag) {
        return events.stream().filter(e -> e.getSummary().getValueCount() > 0 && e.getSummary().getValue(0).getTag().equals(tag)).count();
    }

    static List<Float> values(List<Event> events, String tag) {
        return events.stream().filter(e -> e.getSummary().getValueCount() > 0 && e.getSummary().getValue(0).getTag().equals(tag))
                .sorted(Comparator.comparingLong(Event::getStep)).map(e -> e.getSummary().getValue(0).getSimpleValue()).toList();
    }

    @Test
    void aRunReadBackFromRunJsonGivesTheSameFiguresAndContinues() throws Exception {
        Recorder rec = Recorder.builder().histogramsEvery(5).filtersEvery(5).maxPoints(16).build();
        try (ManualTraining t = ManualTraining.start(null, rec)) {
            train(t, rec, 40, 20, new double[] {0.6, 0.55, 0.8, 0.7});
        }
        Path json = dir.resolve("run.json");
        rec.writeJson(json);
        RunLog back = RunJson.read(json);
        assertEquals(svgs(rec.log()), svgs(back), "every figure drawn from the file equals the one drawn from the live run");
        assertEquals(rec.log().info(), back.info());

        // continued: the resumed recorder goes on from step 41 and epoch 2, thinning as the uninterrupted run
        Recorder resumed = Recorder.resume(json).histogramsEvery(5).filtersEvery(5).build();
        Recorder straight = Recorder.builder().histogramsEvery(5).filtersEvery(5).maxPoints(16).build();
        try (ManualTraining t = ManualTraining.start(null, straight)) {
            train(t, straight, 40, 20, new double[] {0.6, 0.55, 0.8, 0.7});
        }
        try (ManualTraining t = ManualTraining.start(null, resumed); ManualTraining s = ManualTraining.start(null, straight)) {
            train(t, resumed, 20, 20, new double[] {0.85, 0.75});
            train(s, straight, 20, 20, new double[] {0.85, 0.75});
        }
        assertEquals(60, resumed.log().lastStep());
        assertEquals(straight.log().stepSeries("loss"), resumed.log().stepSeries("loss"));
        assertEquals(straight.log().epochSeries("validation/accuracy"), resumed.log().epochSeries("validation/accuracy"));
        assertEquals(rec.log().info().id(), resumed.log().info().id(), "the same run");
    }

    private static Map<String, String> svgs(RunLog log) {
        Map<String, String> out = new LinkedHashMap<>();
        for (RunFigures.Entry e : RunFigures.of(log).entries()) {
            out.put(e.id(), Figures.toSvg(e.figure()));
        }
        assertTrue(out.size() >= 6, "loss, lr, accuracy, histograms, filters: " + out.keySet());
        return out;
    }

    @Test
    void oneBadSeriesBecomesANoticeAndTheReportKeepsEverythingElse() throws Exception {
        MutableRunLog log = MutableRunLog.create(RunInfo.named("bad"), 100);
        log.scalar("loss", 1, 1.0);
        log.scalar("loss", 2, 0.5);
        log.histogram("fc / kernel", 1, Histogram.of(Tensor.of(new float[] {1, 2, 3}, 3), 4));
        Tensor broken = Tensor.later(Shape.of(4, 1, 3, 3), () -> {
            throw new IllegalStateException("the native copy was freed");
        });
        log.filters(1, WeightTensor.of("conv1", "kernel", WeightRole.KERNEL, broken));
        Path index = RunReport.of(log).addTo(HtmlReport.titled("bad")).write(dir);
        String html = Files.readString(index);
        assertTrue(html.contains("could not be drawn: the native copy was freed"), "the notice says why");
        assertTrue(Files.exists(index.getParent().resolve("figures/loss.svg")));
        assertTrue(Files.exists(index.getParent().resolve("figures/hist-fc-kernel.svg")));
    }

    @Test
    void hostileRunFilesAreRefusedWithTheirNameAndReason() throws Exception {
        Path f = dir.resolve("run.json");
        Files.writeString(f, "{\"format\":\"nnviz-run/2\",\"probes\":{\"inputs\":{\"shape\":[65536,65536,65536],\"data\":\"\"}}}");
        var e = assertThrows(IOException.class, () -> RunJson.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("larger than"), e.getMessage());
        Files.writeString(f, "{\"format\":\"nnviz-run/2\",\"series\":{\"loss\":{\"x\":[1,2],\"values\":[1]}}}");
        e = assertThrows(IOException.class, () -> RunJson.read(f));
        assertTrue(e.getMessage().contains("2 x values and 1 values"), e.getMessage());
        Files.writeString(f, "[".repeat(10_000));
        assertThrows(IOException.class, () -> RunJson.read(f));
        Files.writeString(f, "{\"format\":\"something else\"}");
        e = assertThrows(IOException.class, () -> RunJson.read(f));
        assertTrue(e.getMessage().contains("format"), e.getMessage());
    }

    @Test
    void aRecorderNeverNeedsAModelAndIgnoresTrainingAfterClose() {
        Recorder rec = Recorder.defaults();
        rec.onAttach((ModelView) null);
        rec.onStepEnd(TrainingEvent.of(1, 0, 1.0));
        rec.close();
        rec.onStepEnd(TrainingEvent.of(2, 0, 0.5)); // the framework's calls never break training: warned, not thrown
        assertThrows(IllegalStateException.class, () -> rec.scalar("x", 3, 1)); // the user's own value fails at the call
        assertEquals(1, rec.log().stepSeries("loss").size());
        assertTrue(rec.log().stepSeries("x").isEmpty());
    }
}
