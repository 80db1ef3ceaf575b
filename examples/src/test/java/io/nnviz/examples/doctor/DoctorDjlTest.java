package io.nnviz.examples.doctor;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import io.nnviz.NNViz;
import io.nnviz.analysis.doctor.Doctor;
import io.nnviz.analysis.doctor.Finding;
import io.nnviz.analysis.doctor.Severity;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.TrainingStoppedException;
import io.nnviz.backend.djl.TapBlock;
import io.nnviz.examples.DjlExamples;
import io.nnviz.examples.Images;
import io.nnviz.examples.Task;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.diagnosis.RunRecord;
import io.nnviz.recording.format.RunJson;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training doctor on DJL (PyTorch engine), through the same listener as every DJL app: the
 * examples trained as they are have no finding at warning level; a learning rate that diverges to
 * NaN is found at the step DJL's own loss first is NaN, and a stop policy ends training there;
 * run.json read back gives the findings seen live.
 */
@Tag("natives")
class DoctorDjlTest {
    static Images train;

    @TempDir
    Path dir;

    @BeforeAll
    static void data() throws IOException {
        train = Images.load(false, 300 * 32);
    }

    /** DJL's MLP trained with plain SGD at {@code lr} for up to 300 steps, {@code rec} attached; DJL's loss of each step into {@code losses}. */
    private static void sgd(float lr, Recorder rec, List<Double> losses) {
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(lr)).build()).optDevices(new Device[] {Device.cpu()})
                .addTrainingListeners(new TrainingListenerAdapter() {
                    @Override
                    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
                        var labels = batchData.getLabels().values().iterator().next();
                        var preds = batchData.getPredictions().values().iterator().next();
                        try (var l = trainer.getLoss().evaluate(labels, preds)) {
                            losses.add((double) l.getFloat());
                        }
                    }
                });
        try (Attachment a = NNViz.attach(config, rec); Model model = Model.newInstance("mlp")) {
            model.setBlock(TapBlock.wrap(DjlExamples.network(Task.mlp)));
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(32, 784));
                for (int s = 0; s < 300; s++) {
                    NDManager sub = trainer.getManager().newSubManager();
                    float[] y = new float[32];
                    for (int i = 0; i < 32; i++) {
                        y[i] = train.labels()[s * 32 + i];
                    }
                    NDArray x = sub.create(Task.mlp.inputs(train, s * 32, 32), new Shape(32, 784));
                    try (Batch b = new Batch(sub, new NDList(x), new NDList(sub.create(y)), 32, Batchifier.STACK, Batchifier.STACK, s, 300)) {
                        EasyTrain.trainBatch(trainer, b);
                        trainer.step();
                    }
                }
            }
        }
    }

    private static long firstNaN(List<Double> losses) {
        for (int i = 0; i < losses.size(); i++) {
            if (!Double.isFinite(losses.get(i))) {
                return i + 1;
            }
        }
        return -1;
    }

    @Test
    void aDivergingLearningRateIsFoundAtTheStepDjlsLossBecameNaNAndStopsThere() throws IOException {
        List<Double> losses = new ArrayList<>();
        Recorder rec = Recorder.builder().classNames(Images.CLASSES).build();
        sgd(1e6f, rec, losses);
        List<Finding> live = rec.findings();
        live.forEach(f -> System.out.println("  " + f.line()));
        long nan = firstNaN(losses);
        assertTrue(nan > 1, "DJL's loss went NaN: " + losses.subList(0, Math.min(20, losses.size())));
        Finding f = live.stream().filter(x -> x.rule().equals("non-finite")).findFirst().orElseThrow(() -> new AssertionError(live));
        assertEquals(Severity.ERROR, f.severity());
        assertEquals(nan, f.step(), "the step DJL's loss first was NaN");
        rec.writeJson(dir.resolve("run.json"));
        assertEquals(live, Doctor.defaults().diagnose(RunRecord.of(RunJson.read(dir.resolve("run.json")))), "read back: the same");

        List<Double> again = new ArrayList<>();
        Recorder stopping = Recorder.builder().classNames(Images.CLASSES).stopOn(Severity.ERROR).build();
        TrainingStoppedException e = assertThrows(TrainingStoppedException.class, () -> sgd(1e6f, stopping, again));
        assertEquals(nan, e.step(), "stopped at the first NaN");
        assertEquals(nan, again.size(), "DJL trained no step after it");
    }

    /** The examples as they are: nothing at warning level. */
    @Test
    void theExamplesTrainedAsTheyAreHaveNoWarning() throws IOException {
        for (Task task : Task.values()) {
            Path out = dir.resolve(task.name());
            DjlExamples.run(task, 400, 32, out, s -> { });
            var log = RunJson.read(out.resolve("run.json"));
            System.out.println("  " + task + " series: " + log.stepSeriesNames().stream().filter(n -> !n.startsWith("update_ratio")).toList());
            List<Finding> fs = Doctor.defaults().diagnose(RunRecord.of(log));
            fs.forEach(f -> System.out.println("  " + task + ": " + f.line()));
            assertEquals(List.of(), fs.stream().filter(f -> f.severity().atLeast(Severity.WARNING)).map(Finding::line).toList(), task.name());
        }
    }
}
