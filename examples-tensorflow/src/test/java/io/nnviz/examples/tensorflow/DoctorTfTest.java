package io.nnviz.examples.tensorflow;

import io.nnviz.NNViz;
import io.nnviz.analysis.doctor.Doctor;
import io.nnviz.analysis.doctor.Finding;
import io.nnviz.analysis.doctor.Severity;
import io.nnviz.api.hook.TrainingStoppedException;
import io.nnviz.backend.tensorflow.TfModel;
import io.nnviz.backend.tensorflow.TfTraining;
import io.nnviz.examples.Images;
import io.nnviz.examples.Task;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.diagnosis.RunRecord;
import io.nnviz.recording.format.RunJson;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static io.nnviz.examples.doctor.DoctorChecks.liveAndReadBack;
import static io.nnviz.examples.doctor.DoctorChecks.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training doctor on TensorFlow Java, through its push API: the examples trained as they are
 * have no finding at warning level; an MLP given shuffled labels learns nothing, and a recorder
 * stopping on warnings ends the loop (out of {@code stepEnd}) once the doctor says so; Adam at 1e10
 * goes NaN at the step TensorFlow's loss does (and a stop policy ends the loop there), Adam at 0
 * leaves every layer frozen and the loss flat, and 128 images for 60 epochs overfit from the epoch
 * after TensorFlow's lowest validation loss; run.json read back gives the findings seen live.
 */
@Tag("natives")
class DoctorTfTest {
    @TempDir
    Path dir;

    @Test
    void theExamplesTrainedAsTheyAreHaveNoWarning() throws Exception {
        for (Task task : Task.values()) {
            Path out = dir.resolve(task.name());
            TfExamples.run(task, 400, 32, out, s -> { });
            var log = RunJson.read(out.resolve("run.json"));
            System.out.println("  " + task + " series: " + log.stepSeriesNames().stream().filter(n -> !n.startsWith("update_ratio")).toList());
            List<Finding> fs = Doctor.defaults().diagnose(RunRecord.of(log));
            fs.forEach(f -> System.out.println("  " + task + ": " + f.line()));
            assertEquals(List.of(), fs.stream().filter(f -> f.severity().atLeast(Severity.WARNING)).map(Finding::line).toList(), task.name());
        }
    }



    /**
     * One epoch of the MLP: {@code steps} batches of 32 of {@code d}'s first images, each loss handed
     * to {@code training} and added to {@code losses} as TensorFlow returned it.
     */
    private static void epoch(TfNetworks net, TfTraining training, Images d, int steps, List<Float> losses) {
        epoch(net, training, d, Task.mlp.targets(d, 0, steps * 32), steps, losses);
    }

    /** The same with one-hot {@code targets} for those images, 10 a row. */
    private static void epoch(TfNetworks net, TfTraining training, Images d, float[] targets, int steps, List<Float> losses) {
        for (int s = 0; s < steps; s++) {
            try (TFloat32 x = TfExamples.inputs(Task.mlp, d, s * 32, 32);
                 TFloat32 t = TFloat32.tensorOf(Shape.of(32, 10), DataBuffers.of(java.util.Arrays.copyOfRange(targets, s * 320, s * 320 + 320),
                         true, false));
                 Result res = net.session.runner().feed(net.input, x).feed(net.labels, t).fetch(net.loss).addTarget(net.train).run()) {
                float loss = ((TFloat32) res.get(0)).getFloat();
                losses.add(loss);
                training.stepEnd(loss);
            }
        }
    }

    /** A variable's values as TensorFlow holds them now. */
    private static float[] values(TfNetworks net, String variable) {
        try (Result r = net.session.runner().fetch(variable).run()) {
            TFloat32 t = (TFloat32) r.get(0);
            float[] a = new float[(int) t.size()];
            t.copyTo(DataBuffers.of(a, false, false));
            return a;
        }
    }

    private static long firstNaN(List<Float> losses) {
        for (int i = 0; i < losses.size(); i++) {
            if (!Float.isFinite(losses.get(i))) {
                return i + 1;
            }
        }
        return -1;
    }

    @Test
    void aDivergingLearningRateIsFoundAtTheStepTheLossBecameNaNAndStopsThere() throws Exception {
        Images train = Images.load(false, 40 * 32);
        List<Float> losses = new ArrayList<>();
        Recorder rec = Recorder.builder().classNames(Images.CLASSES).build();
        try (TfNetworks net = TfNetworks.of(Task.mlp, 1e10f); TfModel model = (TfModel) NNViz.inspect(net.handle());
             TfTraining training = TfTraining.attach(model, rec)) {
            epoch(net, training, train, 40, losses);
        }
        long nan = firstNaN(losses);
        assertTrue(nan > 1, "TensorFlow's loss went NaN: " + losses);
        Finding f = only(liveAndReadBack(rec, dir), "non-finite");
        assertEquals(Severity.ERROR, f.severity());
        assertEquals(nan, f.step(), "the step TensorFlow's loss first was NaN: " + losses);

        List<Float> again = new ArrayList<>();
        Recorder stopping = Recorder.builder().classNames(Images.CLASSES).stopOn(Severity.ERROR).build();
        try (TfNetworks net = TfNetworks.of(Task.mlp, 1e10f); TfModel model = (TfModel) NNViz.inspect(net.handle())) {
            TrainingStoppedException e = assertThrows(TrainingStoppedException.class, () -> {
                try (TfTraining training = TfTraining.attach(model, stopping)) {
                    epoch(net, training, train, 40, again);
                }
            });
            assertEquals(nan, e.step(), "stopped at the first NaN");
            assertEquals(nan, again.size(), "the loop went no further");
        }
    }

    /**
     * Through {@link TfTraining#run}, which counts each layer's NaN and infinite values in the step's
     * own run: the finding names the layer whose output TensorFlow gives first as not finite, on the
     * step its loss first is (the witness: the three layers' outputs fetched in the same runs and
     * read in Java).
     */
    @Test
    void runNamesTheFirstLayerWhoseOutputTensorFlowGivesAsNotFinite() throws Exception {
        Images train = Images.load(false, 40 * 32);
        List<String> layers = List.of("hidden1", "hidden2", "logits");
        List<String> outputs = List.of("hidden1/Relu", "hidden2/Relu", "logits/Add");
        long nanStep = -1;
        String firstLayer = null;
        Recorder rec = Recorder.builder().classNames(Images.CLASSES).build();
        try (TfNetworks net = TfNetworks.of(Task.mlp, 1e10f); TfModel model = (TfModel) NNViz.inspect(net.handle());
             TfTraining training = TfTraining.attach(model, net.loss, rec)) {
            float[] targets = Task.mlp.targets(train, 0, 40 * 32);
            for (int s = 0; s < 40 && nanStep < 0; s++) {
                try (TFloat32 x = TfExamples.inputs(Task.mlp, train, s * 32, 32);
                     TFloat32 t = TFloat32.tensorOf(Shape.of(32, 10), DataBuffers.of(java.util.Arrays.copyOfRange(targets, s * 320, s * 320 + 320),
                             true, false))) {
                    Session.Runner runner = net.session.runner().feed(net.input, x).feed(net.labels, t).fetch(net.loss).addTarget(net.train);
                    outputs.forEach(runner::fetch);
                    try (Result res = training.run(runner)) {
                        if (!Float.isFinite(((TFloat32) res.get(0)).getFloat())) {
                            nanStep = s + 1;
                            for (int i = 0; i < outputs.size() && firstLayer == null; i++) {
                                TFloat32 a = (TFloat32) res.get(i + 1);
                                float[] v = new float[(int) a.size()];
                                a.copyTo(DataBuffers.of(v, false, false));
                                for (float f : v) {
                                    if (!Float.isFinite(f)) {
                                        firstLayer = layers.get(i);
                                        break;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assertTrue(nanStep > 1, "TensorFlow's loss went NaN");
        assertTrue(firstLayer != null, "some layer's output was not finite at step " + nanStep);
        Finding f = only(liveAndReadBack(rec, dir), "non-finite");
        assertEquals(nanStep, f.step(), "the step TensorFlow's loss first was NaN");
        assertEquals(List.of(firstLayer), f.layers(), f.message());
    }

    @Test
    void aLearningRateOf0FreezesEveryLayerAndTheLossStays() throws Exception {
        Images train = Images.load(false, 300 * 32);
        Recorder rec = Recorder.builder().classNames(Images.CLASSES).build();
        try (TfNetworks net = TfNetworks.of(Task.mlp, 0f); TfModel model = (TfModel) NNViz.inspect(net.handle())) {
            float[] before = values(net, "hidden1_kernel");
            try (TfTraining training = TfTraining.attach(model, rec)) {
                epoch(net, training, train, 300, new ArrayList<>());
            }
            assertTrue(java.util.Arrays.equals(before, values(net, "hidden1_kernel")), "TensorFlow: hidden1's kernel did not move");
        }
        List<Finding> fs = liveAndReadBack(rec, dir);
        Finding f = only(fs, "frozen-weights");
        assertEquals(List.of("hidden1", "hidden2", "logits"), f.layers(), "every layer");
        assertTrue(f.message().startsWith("No layer's weights have changed since step 1"), f.message());
        only(fs, "loss-plateau");
    }

    @Test
    void aTinyTrainingSetOverfitsFromTheEpochAfterItsBestValidationLoss() throws Exception {
        Images train = Images.load(false, 128), test = Images.load(true, 512);
        List<Double> witness = new ArrayList<>();
        Recorder rec = Recorder.builder().classNames(Images.CLASSES).build();
        try (TfNetworks net = TfNetworks.of(Task.mlp); TfModel model = (TfModel) NNViz.inspect(net.handle());
             TFloat32 xv = TfExamples.inputs(Task.mlp, test, 0, 512);
             TFloat32 yv = TFloat32.tensorOf(Shape.of(512, 10), DataBuffers.of(Task.mlp.targets(test, 0, 512), true, false));
             TfTraining training = TfTraining.attach(model, net.loss, rec)) { // the loss op named: nnviz evaluates the validation data
            training.validateOn(List.of(java.util.Map.of(net.input, xv, net.labels, yv)));
            for (int e = 0; e < 60; e++) { // 128 images, 60 epochs
                List<Float> losses = new ArrayList<>();
                epoch(net, training, train, 4, losses);
                try (Result r = net.session.runner().feed(net.input, xv).feed(net.labels, yv).fetch(net.loss).run()) {
                    witness.add((double) ((TFloat32) r.get(0)).getFloat()); // TensorFlow's own loss on the validation images
                }
                training.epochEnd(java.util.Map.of("train/loss", losses.stream().mapToDouble(Float::doubleValue).average().orElseThrow()));
            }
        }
        Finding f = only(liveAndReadBack(rec, dir), "overfitting");
        int best = 0;
        for (int i = 1; i < witness.size(); i++) {
            best = witness.get(i) < witness.get(best) ? i : best;
        }
        assertEquals(best + 1, f.epoch(), "the epoch after TensorFlow's lowest validation loss: " + witness);
        assertTrue(witness.get(witness.size() - 1) > 1.1 * witness.get(best), "TensorFlow: validation loss rose over 10%");
    }

    @Test
    void shuffledLabelsLearnNothingAndAStopPolicyEndsTheLoop() throws Exception {
        int steps = 400;
        Images train = Images.load(false, steps * 32);
        float[] targets = Task.mlp.targets(train, 0, steps * 32);
        Random r = new Random(7);
        for (int i = steps * 32 - 1; i > 0; i--) { // rows of one-hot labels shuffled among the images
            int j = r.nextInt(i + 1);
            for (int c = 0; c < 10; c++) {
                float t = targets[i * 10 + c];
                targets[i * 10 + c] = targets[j * 10 + c];
                targets[j * 10 + c] = t;
            }
        }
        Recorder rec = Recorder.builder().classNames(Images.CLASSES).build();
        try (TfNetworks net = TfNetworks.of(Task.mlp); TfModel model = (TfModel) NNViz.inspect(net.handle());
             TfTraining training = TfTraining.attach(model, rec)) {
            epoch(net, training, train, targets, steps, new ArrayList<>());
        }
        assertEquals(Severity.WARNING, only(liveAndReadBack(rec, dir), "chance-level").severity(), "at chance");

        // stopping on warnings: whichever of chance-level and loss-plateau the background checks find first ends the loop
        Recorder stopping = Recorder.builder().classNames(Images.CLASSES).stopOn(Severity.WARNING).build();
        List<Float> done = new ArrayList<>();
        try (TfNetworks net = TfNetworks.of(Task.mlp); TfModel model = (TfModel) NNViz.inspect(net.handle())) {
            TrainingStoppedException e = assertThrows(TrainingStoppedException.class, () -> {
                try (TfTraining training = TfTraining.attach(model, stopping)) {
                    for (int pass = 0; pass < 5; pass++) { // up to 2,000 steps: the checks run behind a fast loop, on the recorder's worker
                        epoch(net, training, train, targets, steps, done);
                    }
                }
            });
            System.out.println("  " + e.getMessage());
            assertTrue(e.step() >= 200 && e.step() < 5 * steps, "after the rules' 200 steps of evidence: " + e.step());
            assertEquals(e.step(), done.size(), "the loop went no further");
            String rule = e.reason().split(" ")[1];
            assertTrue(e.reason().startsWith("WARNING ") && Set.of("chance-level", "loss-plateau").contains(rule), e.reason());
        }
    }
}
