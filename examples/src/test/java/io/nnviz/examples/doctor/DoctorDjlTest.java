package io.nnviz.examples.doctor;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
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

import static io.nnviz.examples.doctor.DoctorChecks.liveAndReadBack;
import static io.nnviz.examples.doctor.DoctorChecks.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training doctor on DJL (PyTorch engine), through the same listener as every DJL app: the
 * examples trained as they are have no finding at warning level; a learning rate that diverges to
 * NaN is found at the step DJL's own loss first is NaN, and a stop policy ends training there;
 * the rest of the broken trainings of issue 31 (a deep sigmoid network, ReLUs initialised to die,
 * a learning rate of 0, a frozen layer, a tiny training set for many epochs, shuffled labels), each
 * with its finding and where, checked against what DJL itself shows; run.json read back gives the
 * findings seen live.
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
        sgd(lr, rec, losses, new ArrayList<>());
    }

    /**
     * The same, adding to {@code firstNonFinite}, on the first step whose loss DJL gives as not
     * finite, the index of the first child of the MLP whose output holds a NaN or an infinity when
     * DJL runs that batch through the children one by one (read into Java and checked there).
     */
    private static void sgd(float lr, Recorder rec, List<Double> losses, List<Integer> firstNonFinite) {
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
                        if (!Double.isFinite(losses.get(losses.size() - 1)) && firstNonFinite.isEmpty()) {
                            firstNonFinite.add(firstNonFiniteChild(trainer, batchData.getBatch().getData()));
                        }
                    }
                });
        // the same initial weights every run: at a diverging rate, which step first overflows depends on them (an unseeded
        // run at 1e6 once bounced between 1e5 and 1e35 for 300 steps without a NaN)
        Engine.getInstance().setRandomSeed(5);
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

    private static int firstNonFiniteChild(Trainer trainer, NDList x) {
        SequentialBlock mlp = (SequentialBlock) ((TapBlock) trainer.getModel().getBlock()).inner();
        try (NDManager sub = trainer.getManager().newSubManager()) {
            var store = new ai.djl.training.ParameterStore(sub, false);
            for (int i = 0; i < mlp.getChildren().size(); i++) {
                x = mlp.getChildren().get(i).getValue().forward(store, x, false);
                for (float v : x.singletonOrThrow().toFloatArray()) {
                    if (!Float.isFinite(v)) {
                        return i;
                    }
                }
            }
        }
        return -1;
    }

    private static long firstNaN(List<Double> losses) {
        for (int i = 0; i < losses.size(); i++) {
            if (!Double.isFinite(losses.get(i))) {
                return i + 1;
            }
        }
        return -1;
    }

    /** A learning rate at which plain SGD overflows the MLP's weights within a few steps (the first step's loss is finite). */
    private static final float DIVERGING = 1e9f;

    @Test
    void aDivergingLearningRateIsFoundAtTheStepDjlsLossBecameNaNAndStopsThere() throws IOException {
        List<Double> losses = new ArrayList<>();
        List<Integer> firstChild = new ArrayList<>();
        Recorder rec = Recorder.builder().classNames(Images.CLASSES).build();
        sgd(DIVERGING, rec, losses, firstChild);
        List<Finding> live = rec.findings();
        live.forEach(f -> System.out.println("  " + f.line()));
        long nan = firstNaN(losses);
        assertTrue(nan > 1, "DJL's loss went NaN after the first step: " + losses.subList(0, Math.min(20, losses.size())));
        Finding f = live.stream().filter(x -> x.rule().equals("non-finite")).findFirst().orElseThrow(() -> new AssertionError(live));
        assertEquals(Severity.ERROR, f.severity());
        assertEquals(nan, f.step(), "the step DJL's loss first was NaN");
        assertTrue(firstChild.get(0) >= 0, "DJL's forward of that batch holds NaN or infinity in some layer's output");
        assertEquals(List.of(ids(DjlExamples.network(Task.mlp)).get(firstChild.get(0))), f.layers(),
                "the first layer whose output DJL gives as not finite on that step: " + f.message());
        rec.writeJson(dir.resolve("run.json"));
        assertEquals(live, Doctor.defaults().diagnose(RunRecord.of(RunJson.read(dir.resolve("run.json")))), "read back: the same");

        List<Double> again = new ArrayList<>();
        Recorder stopping = Recorder.builder().classNames(Images.CLASSES).stopOn(Severity.ERROR).build();
        TrainingStoppedException e = assertThrows(TrainingStoppedException.class, () -> sgd(DIVERGING, stopping, again));
        assertEquals(nan, e.step(), "stopped at the first NaN");
        assertEquals(nan, again.size(), "DJL trained no step after it");
    }



    private static Recorder recorder() {
        return Recorder.builder().classNames(Images.CLASSES).build();
    }

    /** The layer ids nnviz gives the children of {@code block} (DJL's keys, a ReLU lambda called ReLU), in order. */
    private static List<String> ids(SequentialBlock block) {
        return block.getChildren().stream().map(c -> c.getValue() instanceof ai.djl.nn.LambdaBlock l && c.getKey().endsWith("LambdaBlock")
                ? c.getKey().replace("LambdaBlock", l.getName()) : c.getKey()).toList();
    }

    private static NDArray weight(SequentialBlock block, int child, String name) {
        return block.getChildren().get(child).getValue().getParameters().get(name).getArray();
    }

    @Test
    void aDeepSigmoidNetworksGradientsVanishTowardTheInput() throws IOException {
        SequentialBlock block = DjlTrainings.mlp(ai.djl.nn.Activation::sigmoidBlock, 64, 64, 64, 64, 64, 64, 64, 64);
        List<String> ids = ids(block);
        double[] rms = new double[2];
        Recorder rec = recorder();
        DjlTrainings.fit(block, DjlTrainings.sgd(0.1f), train, DjlTrainings.labels(train, 300 * 32, false), 300, rec, null, trainer -> {
            // DJL's own gradient on a batch: the first Linear's, per parameter, against the last one's
            try (NDManager m = trainer.getManager().newSubManager(); var collector = trainer.newGradientCollector()) {
                NDArray x = m.create(Task.mlp.inputs(train, 0, 32), new Shape(32, 784));
                NDArray y = m.create(java.util.Arrays.copyOf(DjlTrainings.labels(train, 32, false), 32));
                NDArray loss = trainer.getLoss().evaluate(new NDList(y), trainer.forward(new NDList(x)));
                collector.backward(loss);
                rms[0] = rms(weight(block, 0, "weight").getGradient());
                rms[1] = rms(weight(block, ids.size() - 1, "weight").getGradient());
            }
        });
        List<Finding> fs = liveAndReadBack(rec, dir);
        Finding f = only(fs, "vanishing-gradients");
        assertEquals(ids.get(0), f.layers().get(0), "the first layer first: " + f.layers());
        assertFalse(f.layers().contains(ids.get(ids.size() - 1)), "not the output layer: " + f.layers());
        assertTrue(rms[0] < 0.01 * rms[1], "DJL: the first Linear's gradient " + rms[0] + ", the last's " + rms[1]);
    }

    @Test
    void reluLayersInitialisedToDieAreNamedWithTheirFraction() throws IOException {
        SequentialBlock block = DjlTrainings.mlp(ai.djl.nn.Activation::reluBlock, 128, 64);
        List<String> ids = ids(block);
        DefaultTrainingConfig config = DjlTrainings.adam(1e-3f)
                .optInitializer(new ai.djl.training.initializer.ConstantInitializer(-10f), ai.djl.nn.Parameter.Type.BIAS);
        float[] max = new float[1];
        long[] classes = new long[2];
        // the captures at their configured intervals: the collapse rule needs three output captures (every 100 steps) in
        // 300 steps, which a budget stretching the intervals on a fast machine would not leave
        Recorder rec = Recorder.builder().classNames(Images.CLASSES).budget(0).build();
        DjlTrainings.fit(block, config, train, DjlTrainings.labels(train, 300 * 32, false), 300, rec, null, trainer -> {
            try (NDManager m = trainer.getManager().newSubManager()) { // DJL's first Linear on a batch, by its own parameters
                NDArray x = m.create(Task.mlp.inputs(train, 0, 32), new Shape(32, 784));
                max[0] = x.matMul(weight(block, 0, "weight").transpose()).add(weight(block, 0, "bias")).max().getFloat();
                NDArray predicted = trainer.evaluate(new ai.djl.ndarray.NDList(x)).singletonOrThrow().argMax(1); // DJL's own answers
                classes[0] = predicted.min().getLong();
                classes[1] = predicted.max().getLong();
            }
        });
        List<Finding> fs = liveAndReadBack(rec, dir);
        Finding f = only(fs, "dead-units");
        assertEquals(List.of(ids.get(1), ids.get(3)), f.layers(), "the two ReLUs");
        for (String relu : f.layers()) { // from the first capture (DJL's listener: step 10), every unit
            assertTrue(f.message().contains(relu + " (100% since step " + f.step() + ")"), f.message());
        }
        assertTrue(max[0] <= 0, "DJL: every unit of the first ReLU gets a negative input, at most " + max[0]);
        only(fs, "collapse"); // the batch's predictions, captured every 100 steps: nothing reaches the last Linear but its bias
        assertEquals(classes[0], classes[1], "DJL: one class for every input of the batch");
    }

    @Test
    void aLearningRateOf0FreezesEveryLayer() throws IOException {
        SequentialBlock block = DjlTrainings.mlp(ai.djl.nn.Activation::reluBlock, 128, 64);
        List<String> ids = ids(block);
        List<NDArray> before = new ArrayList<>();
        boolean[] same = new boolean[1];
        Recorder rec = recorder();
        DjlTrainings.fit(block, DjlTrainings.sgd(0f), train, DjlTrainings.labels(train, 300 * 32, false), 300, rec,
                trainer -> block.getParameters().values().forEach(p -> before.add(p.getArray().duplicate())),
                trainer -> {
                    List<NDArray> after = block.getParameters().values().stream().map(p -> p.getArray()).toList();
                    same[0] = true;
                    for (int i = 0; i < after.size(); i++) {
                        same[0] &= before.get(i).contentEquals(after.get(i));
                    }
                });
        List<Finding> fs = liveAndReadBack(rec, dir);
        Finding f = only(fs, "frozen-weights");
        assertEquals(List.of(ids.get(0), ids.get(2), ids.get(4)), f.layers(), "every Linear");
        assertTrue(f.message().startsWith("No layer's weights have changed since step 1"), f.message());
        assertTrue(same[0], "DJL: no parameter moved");
        only(fs, "loss-plateau");
    }

    @Test
    void aFrozenLayerIsNamedAlone() throws IOException {
        SequentialBlock block = DjlTrainings.mlp(ai.djl.nn.Activation::reluBlock, 128, 64);
        List<String> ids = ids(block);
        List<NDArray> before = new ArrayList<>();
        boolean[] moved = new boolean[2];
        Recorder rec = recorder();
        DjlTrainings.fit(block, DjlTrainings.adam(1e-3f), train, DjlTrainings.labels(train, 300 * 32, false), 300, rec,
                trainer -> {
                    block.getChildren().get(0).getValue().freezeParameters(true); // the first Linear, frozen by mistake
                    before.add(weight(block, 0, "weight").duplicate());
                    before.add(weight(block, 2, "weight").duplicate());
                },
                trainer -> {
                    moved[0] = !before.get(0).contentEquals(weight(block, 0, "weight"));
                    moved[1] = !before.get(1).contentEquals(weight(block, 2, "weight"));
                });
        Finding f = only(liveAndReadBack(rec, dir), "frozen-weights");
        assertEquals(List.of(ids.get(0)), f.layers(), "the frozen Linear alone");
        assertFalse(moved[0], "DJL: the first Linear did not move");
        assertTrue(moved[1], "DJL: the second did");
    }

    @Test
    void aTinyTrainingSetOverfitsFromTheEpochAfterItsBestValidationLoss() throws IOException {
        Images validation = Images.load(true, 512);
        List<Double> witness = new ArrayList<>();
        Recorder rec = recorder();
        DjlTrainings.fitEpochs(DjlTrainings.mlp(ai.djl.nn.Activation::reluBlock, 256, 128), DjlTrainings.adam(1e-3f), train, 128,
                validation, 60, rec, new TrainingListenerAdapter() { // 128 images, 60 epochs; DJL's own loss on the validation images
                    @Override
                    public void onEpoch(Trainer trainer) {
                        try (NDManager m = trainer.getManager().newSubManager()) {
                            NDArray x = m.create(Task.mlp.inputs(validation, 0, 512), new Shape(512, 784));
                            NDArray y = m.create(DjlTrainings.labels(validation, 512, false));
                            witness.add((double) trainer.getLoss().evaluate(new NDList(y), trainer.evaluate(new NDList(x))).getFloat());
                        }
                    }
                });
        Finding f = only(liveAndReadBack(rec, dir), "overfitting");
        int best = 0;
        for (int i = 1; i < witness.size(); i++) {
            best = witness.get(i) < witness.get(best) ? i : best;
        }
        assertEquals(best + 1, f.epoch(), "the epoch after DJL's lowest validation loss: " + witness);
        assertTrue(witness.get(witness.size() - 1) > 1.1 * witness.get(best), "DJL: validation loss rose over 10%");
    }

    @Test
    void shuffledLabelsLeaveTheLossAtChance() throws IOException {
        Images test = Images.load(true, 512);
        double[] accuracy = new double[1];
        Recorder rec = recorder();
        DjlTrainings.fit(DjlTrainings.mlp(ai.djl.nn.Activation::reluBlock, 128, 64), DjlTrainings.adam(1e-3f), train,
                DjlTrainings.labels(train, 300 * 32, true), 300, rec, null, trainer -> {
                    try (NDManager m = trainer.getManager().newSubManager()) {
                        NDArray x = m.create(Task.mlp.inputs(test, 0, 512), new Shape(512, 784));
                        NDArray y = m.create(DjlTrainings.labels(test, 512, false));
                        NDArray predicted = trainer.evaluate(new NDList(x)).singletonOrThrow().argMax(1).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
                        accuracy[0] = predicted.eq(y).sum().getLong() / 512.0;
                    }
                });
        List<Finding> fs = liveAndReadBack(rec, dir);
        Finding f = only(fs, "chance-level");
        assertEquals(Severity.WARNING, f.severity());
        assertTrue(accuracy[0] < 0.2, "DJL: it learnt nothing of the real labels, accuracy " + accuracy[0]);
    }

    private static double rms(NDArray a) {
        return Math.sqrt(a.square().mean().getFloat());
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
