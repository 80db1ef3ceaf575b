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
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training doctor on TensorFlow Java, through its push API: the examples trained as they are
 * have no finding at warning level; an MLP given shuffled labels learns nothing, and a recorder
 * stopping on warnings ends the loop (out of {@code stepEnd}) once the doctor says so.
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

    @Test
    void shuffledLabelsLearnNothingAndAStopPolicyEndsTheLoop() throws Exception {
        Task task = Task.mlp;
        int batch = 32, steps = 400;
        Images train = Images.load(false, steps * batch);
        float[] targets = task.targets(train, 0, steps * batch);
        Random r = new Random(7);
        for (int i = steps * batch - 1; i > 0; i--) { // rows of one-hot labels shuffled among the images
            int j = r.nextInt(i + 1);
            for (int c = 0; c < 10; c++) {
                float t = targets[i * 10 + c];
                targets[i * 10 + c] = targets[j * 10 + c];
                targets[j * 10 + c] = t;
            }
        }
        Recorder rec = Recorder.builder().classNames(Images.CLASSES).stopOn(Severity.WARNING).build();
        int[] done = {0};
        try (TfNetworks net = TfNetworks.of(task); TfModel model = (TfModel) NNViz.inspect(net.handle())) {
            TrainingStoppedException e = assertThrows(TrainingStoppedException.class, () -> {
                try (TfTraining training = TfTraining.attach(model, rec)) {
                    for (int s = 0; s < steps; s++) {
                        float[] y = new float[batch * 10];
                        System.arraycopy(targets, s * batch * 10, y, 0, y.length);
                        try (TFloat32 x = TfExamples.inputs(task, train, s * batch, batch);
                             TFloat32 t = TFloat32.tensorOf(Shape.of(batch, 10), DataBuffers.of(y, true, false));
                             Result res = net.session.runner().feed(net.input, x).feed(net.labels, t).fetch(net.loss).addTarget(net.train).run()) {
                            training.stepEnd(((TFloat32) res.get(0)).getFloat());
                        }
                        done[0]++;
                    }
                }
            });
            System.out.println("  " + e.getMessage());
            assertTrue(e.step() >= 200 && e.step() < steps, "after the rules' 200 steps of evidence: " + e.step());
            assertEquals(e.step() - 1, done[0], "the loop went no further");
            String rule = e.reason().split(" ")[1];
            assertTrue(e.reason().startsWith("WARNING ") && Set.of("chance-level", "loss-plateau").contains(rule), e.reason());
        }
        List<Finding> fs = rec.findings();
        rec.close();
        assertTrue(fs.stream().anyMatch(f -> f.rule().equals("chance-level")), "at chance: " + fs);
    }
}
