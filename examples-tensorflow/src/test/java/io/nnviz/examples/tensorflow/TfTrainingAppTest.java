package io.nnviz.examples.tensorflow;

import io.nnviz.NNViz;
import io.nnviz.api.hook.MetricNames;
import io.nnviz.backend.tensorflow.TfModel;
import io.nnviz.backend.tensorflow.TfTraining;
import io.nnviz.examples.Images;
import io.nnviz.examples.RunChecks;
import io.nnviz.examples.Task;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.run.RunLog;
import io.nnviz.renderers.report.HtmlReport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.Event;
import org.tensorflow.types.TFloat32;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TensorFlow Java training loop of the user's own, as the README shows it: the loop runs each
 * step and hands over the loss it fetched, evaluates train and validation accuracy with the
 * session at each epoch's end and hands those over too; attached again (to the bare session) for
 * the second epoch. The report's epoch chart, TensorBoard's files and run.json hold those values.
 */
@Tag("natives")
class TfTrainingAppTest {
    private static final int BATCH = 32, TRAIN = 1024, VALIDATION = 512;

    @TempDir
    Path dir;

    @Test
    void aLoopOfItsOwnPushingItsStepsAttachedTwice() throws Exception {
        Images train = Images.load(false, TRAIN), test = Images.load(true, VALIDATION);
        Recorder rec = Recorder.builder().tensorBoard(dir.resolve("tb")).json(dir.resolve("run.json")).build();
        List<Double> losses = new ArrayList<>();
        Map<String, List<Double>> expected = new LinkedHashMap<>();
        expected.put("train", new ArrayList<>());
        expected.put("validation", new ArrayList<>());
        try (TfNetworks net = TfNetworks.of(Task.cnn); TfModel model = (TfModel) NNViz.inspect(net.handle())) {
            for (int epoch = 0; epoch < 2; epoch++) {
                TfTraining training = epoch == 0 ? TfTraining.attach(model, rec) : (TfTraining) NNViz.attach(net.session, rec);
                for (int from = 0; from + BATCH <= TRAIN; from += BATCH) {
                    try (TFloat32 x = TfExamples.inputs(Task.cnn, train, from, BATCH);
                         TFloat32 y = TFloat32.tensorOf(Shape.of(BATCH, 10), DataBuffers.of(Task.cnn.targets(train, from, BATCH), true, false));
                         Result r = net.session.runner().feed(net.input, x).feed(net.labels, y).fetch(net.loss).addTarget(net.train).run()) {
                        double loss = ((TFloat32) r.get(0)).getFloat();
                        losses.add(loss);
                        training.stepEnd(loss);
                    }
                }
                double t = accuracy(net, train, 256), v = accuracy(net, test, VALIDATION);
                expected.get("train").add(t);
                expected.get("validation").add(v);
                training.epochEnd(Map.of(MetricNames.train("accuracy"), t, MetricNames.validation("accuracy"), v));
                training.close();
                assertEquals(0, training.hookErrors());
            }
            assertTrue(expected.get("validation").get(1) > 0.6, "it learned: " + expected);
            RunLog log = rec.log();
            RunChecks.assertLossEveryStep(log, losses, 1e-6);
            Path report = rec.addTo(HtmlReport.titled("tf app").model(model)).write(dir.resolve("report")).getParent();
            RunChecks.assertEpochChart(report, "accuracy", expected);
            rec.close();
            RunChecks.assertTensorBoard(dir.resolve("tb"), log, "accuracy");
            assertEquals(2 * TRAIN / BATCH + 1, events(dir.resolve("tb")), "TensorFlow's own Event parser reads every record");
            RunChecks.assertRunJsonGivesTheSameFigures(dir.resolve("run.json"), log);
        }
    }

    /** The network's accuracy on the first {@code n} images, from the session's own outputs. */
    private static double accuracy(TfNetworks net, Images d, int n) {
        int correct = 0;
        try (TFloat32 x = TfExamples.inputs(Task.cnn, d, 0, n); Result r = net.session.runner().feed(net.input, x).fetch(net.output).run()) {
            TFloat32 out = (TFloat32) r.get(0);
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int k = 1; k < 10; k++) {
                    if (out.getFloat(i, k) > out.getFloat(i, best)) {
                        best = k;
                    }
                }
                correct += best == d.labels()[i] ? 1 : 0;
            }
        }
        return correct / (double) n;
    }

    /** Records of the top folder's event files, parsed with TensorFlow's own Event class. */
    private static int events(Path tb) throws Exception {
        int n = 0;
        try (var files = Files.list(tb)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("events")).toList()) {
                var b = java.nio.ByteBuffer.wrap(Files.readAllBytes(f)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                while (b.remaining() >= 12) {
                    byte[] data = new byte[(int) b.getLong()];
                    b.getInt();
                    b.get(data);
                    b.getInt();
                    Event e = Event.parseFrom(data);
                    n += e.hasSummary() && e.getSummary().getValue(0).getTag().equals("loss") || e.hasFileVersion() ? 1 : 0;
                }
            }
        }
        return n;
    }
}
