package io.nnviz.examples.doctor;

import io.nnviz.analysis.doctor.Doctor;
import io.nnviz.analysis.doctor.Finding;
import io.nnviz.analysis.doctor.Severity;
import io.nnviz.api.hook.TrainingStoppedException;
import io.nnviz.examples.Dl4jExamples;
import io.nnviz.examples.Images;
import io.nnviz.examples.RunReport;
import io.nnviz.examples.Task;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.diagnosis.RunRecord;
import io.nnviz.recording.format.RunJson;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.nio.file.Files;
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
 * The training doctor on DL4J (issue 31): trainings on Fashion-MNIST broken on purpose, each with
 * the finding it must produce and where, checked against what DL4J itself shows (a witness
 * listener, the network's own parameters and outputs); the examples trained as they are, with no
 * finding at warning level; and every run's run.json read back giving the findings seen live.
 */
@Tag("natives")
class DoctorDl4jTest {
    private static final int STEPS = 300;
    static Images train, test;
    static List<DataSet> batches;

    @TempDir
    Path dir;

    @BeforeAll
    static void data() throws IOException {
        train = Images.load(false, STEPS * Dl4jTrainings.BATCH);
        test = Images.load(true, 512);
        batches = Dl4jTrainings.batches(train, Task.mlp, 0, STEPS * Dl4jTrainings.BATCH, false);
    }

    private static Recorder recorder() {
        return Recorder.builder().classNames(Images.CLASSES).build();
    }



    private static MultiLayerNetwork relu(Object updater) {
        return Dl4jTrainings.mlp((org.nd4j.linalg.learning.config.IUpdater) updater, Activation.RELU, WeightInit.XAVIER, null, 128, 64);
    }

    @Test
    void aLearningRateOf100DivergesToNaNAtTheStepAndLayerDl4jShows() throws IOException {
        MultiLayerNetwork net = relu(new Sgd(100));
        Dl4jWitness witness = new Dl4jWitness(net);
        net.addListeners(witness);
        Recorder rec = recorder();
        Dl4jTrainings.fit(net, batches.subList(0, 40), 1, rec, null);
        Finding f = only(liveAndReadBack(rec, dir), "non-finite");
        assertEquals(Severity.ERROR, f.severity());
        long nanStep = witness.firstNaNStep();
        assertTrue(nanStep > 1, "DL4J's score went NaN: " + witness.scores);
        assertEquals(nanStep, f.step(), "the step DL4J's score first was NaN");
        List<String> outputs = witness.badOutputs.getOrDefault(nanStep, List.of()), grads = witness.badGradients.get(nanStep);
        String expected = !outputs.isEmpty() ? outputs.get(0) : grads.get(grads.size() - 1); // first in the forward pass, else deepest in the backward
        assertEquals(List.of(expected), f.layers(), "the layer DL4J shows first holding NaN (outputs " + outputs + ", gradients " + grads + ")");
        assertTrue(f.message().contains("grew"), "it says the loss grew before: " + f.message());
    }

    @Test
    void stopOnErrorEndsFitAtTheFirstNaN() {
        MultiLayerNetwork net = relu(new Sgd(100));
        Dl4jWitness witness = new Dl4jWitness(net);
        net.addListeners(witness);
        List<Finding> told = new ArrayList<>();
        Recorder rec = Recorder.builder().classNames(Images.CLASSES).onFinding(told::add).stopOn(Severity.ERROR).build();
        TrainingStoppedException e = assertThrows(TrainingStoppedException.class, () -> Dl4jTrainings.fit(net, batches, 1, rec, null));
        long nanStep = witness.firstNaNStep();
        assertEquals(nanStep, e.step(), "stopped at the step the loss became NaN");
        assertEquals(nanStep, witness.scores.size(), "DL4J did no step after it");
        assertEquals(nanStep - 1, net.getIterationCount(), "fit ended inside the step (its update applied, not counted)");
        assertTrue(e.getMessage().contains("ERROR non-finite step=" + nanStep), e.getMessage());
        assertEquals(1, told.stream().filter(f -> f.rule().equals("non-finite")).count(), "the listener heard of it once: " + told);
    }

    @Test
    void aDeepSigmoidNetworksGradientsVanishTowardTheInput() throws IOException {
        MultiLayerNetwork net = Dl4jTrainings.mlp(new Sgd(0.1), Activation.SIGMOID, WeightInit.XAVIER, null, 64, 64, 64, 64, 64, 64, 64, 64);
        Recorder rec = recorder();
        Dl4jTrainings.fit(net, batches, 1, rec, null);
        List<Finding> fs = liveAndReadBack(rec, dir);
        Finding f = only(fs, "vanishing-gradients");
        assertEquals("hidden1", f.layers().get(0), "the first layer first: " + f.layers());
        assertTrue(fs.stream().anyMatch(u -> u.rule().equals("update-ratio") && u.severity() == Severity.WARNING
                && u.layers().get(0).equals("hidden1") && u.message().contains("below")), "their updates are too small to learn: " + fs);
        assertFalse(f.layers().contains("out"));
        // DL4J's own gradient on a batch: the first layer's, per parameter, is under 1% of the output layer's
        net.setInput(batches.get(0).getFeatures());
        net.setLabels(batches.get(0).getLabels());
        net.computeGradientAndScore();
        double first = rms(net.gradient().getGradientFor("0_W")), last = rms(net.gradient().getGradientFor("8_W"));
        assertTrue(first < 0.01 * last, "DL4J: hidden1 " + first + ", out " + last);
    }

    @Test
    void reluLayersInitialisedToDieAreNamedWithTheirFraction() throws IOException {
        MultiLayerNetwork net = Dl4jTrainings.mlp(new Adam(1e-3), Activation.RELU, WeightInit.XAVIER, h -> h.biasInit(-10), 128, 64);
        // the captures at their configured intervals: the collapse rule needs three output captures (every 100 steps) in
        // 300 steps, which a budget stretching the intervals on a fast machine would not leave
        Recorder rec = Recorder.builder().classNames(Images.CLASSES).budget(0).build();
        Dl4jTrainings.fit(net, batches, 1, rec, null);
        List<Finding> fs = liveAndReadBack(rec, dir);
        Finding f = only(fs, "dead-units");
        assertEquals(List.of("hidden1", "hidden2"), f.layers());
        assertEquals(1, f.step(), "dead from the first capture");
        assertTrue(f.message().contains("hidden1 (100% since step 1)"), f.message());
        INDArray hidden1 = net.feedForward(batches.get(0).getFeatures(), false).get(1);
        assertEquals(0, hidden1.maxNumber().doubleValue(), "DL4J: every unit of hidden1 outputs 0");
        only(fs, "collapse"); // nothing reaches the output layer but its biases: one answer for every input
        INDArray predicted = net.output(batches.get(1).getFeatures()).argMax(1);
        assertEquals(predicted.minNumber().intValue(), predicted.maxNumber().intValue(), "DL4J: one class for every input");
    }

    @Test
    void aTanhNetworkAtSgd20DivergesAndSaturates() throws IOException {
        MultiLayerNetwork net = Dl4jTrainings.mlp(new Sgd(20), Activation.TANH, WeightInit.XAVIER, null, 128, 64);
        Dl4jWitness witness = new Dl4jWitness(net);
        net.addListeners(witness);
        Recorder rec = recorder();
        Dl4jTrainings.fit(net, batches, 1, rec, null);
        List<Finding> fs = liveAndReadBack(rec, dir);
        Finding d = only(fs, "loss-divergence");
        assertEquals(Severity.ERROR, d.severity(), "it stays up");
        assertTrue(witness.scores.get((int) d.step() - 1) > 4 * witness.scores.get(0), "DL4J's score at step " + d.step() + ": " + witness.scores);
        Finding s = only(fs, "saturated-units");
        assertEquals(List.of("hidden1", "hidden2"), s.layers());
        INDArray hidden1 = net.feedForward(batches.get(0).getFeatures(), false).get(1);
        double saturated = org.nd4j.linalg.ops.transforms.Transforms.abs(hidden1).gte(0.98).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)
                .meanNumber().doubleValue();
        assertTrue(saturated > 0.5, "DL4J: " + saturated + " of hidden1's outputs at the limits");
    }

    /**
     * Squared error has no ceiling: at SGD 0.05 the regressor's output weights grow each step until
     * the loss overflows near step 34. Captured every 2 steps, the explosion shows well before that.
     */
    @Test
    void aTanhRegressorAtSgd005ExplodesInItsOutputLayerBeforeItsLossOverflows() throws IOException {
        MultiLayerNetwork net = Dl4jTrainings.regressor(new Sgd(0.05), Activation.TANH, 128, 64);
        Dl4jWitness witness = new Dl4jWitness(net);
        net.addListeners(witness);
        Recorder rec = Recorder.builder().histogramsEvery(2).build();
        Dl4jTrainings.fit(net, Dl4jTrainings.batches(train, Task.regressor, 0, 60 * Dl4jTrainings.BATCH, false), 1, rec, null);
        List<Finding> fs = liveAndReadBack(rec, dir);
        Finding f = only(fs, "exploding-gradients");
        assertEquals(List.of("out"), f.layers(), f.message());
        long nanStep = witness.firstNaNStep();
        assertTrue(nanStep > 0 && f.step() < nanStep, "found at step " + f.step() + ", before DL4J's loss overflowed at " + nanStep);
        assertEquals(nanStep, only(fs, "non-finite").step());
        List<Double> out = witness.gradientRms.get("2_W"); // DL4J's own gradient of out's weights, each step
        double first = median(out.get(0), out.get(1), out.get(3)); // the steps of the recorder's first three captures: 1, 2, 4
        assertTrue(out.get((int) f.step() - 1) > 100 * first, "DL4J: out's gradient at step " + f.step() + " over 100 times its first: " + out);
        assertTrue(out.get((int) f.step() - 3) <= 100 * first, "and not yet at the capture before: " + out);
    }

    private static double median(double a, double b, double c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    @Test
    void aLearningRateOf0FreezesEveryLayer() throws IOException {
        MultiLayerNetwork net = relu(new Sgd(0));
        INDArray before = net.params().dup();
        Recorder rec = recorder();
        Dl4jTrainings.fit(net, batches, 1, rec, null);
        List<Finding> fs = liveAndReadBack(rec, dir);
        Finding f = only(fs, "frozen-weights");
        assertEquals(List.of("hidden1", "hidden2", "out"), f.layers());
        assertTrue(f.message().startsWith("No layer's weights have changed since step 1") && f.message().contains("the learning rate is 0"),
                f.message());
        assertEquals(before, net.params(), "DL4J: no parameter moved");
        only(fs, "loss-plateau");
    }

    @Test
    void aFrozenLayerIsNamedAlone() throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3))
                .weightInit(WeightInit.XAVIER).list()
                .layer(new FrozenLayerWithBackprop(new DenseLayer.Builder().name("hidden1").nOut(128).activation(Activation.RELU).build()))
                .layer(new DenseLayer.Builder().name("hidden2").nOut(64).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(784)).build());
        net.init();
        INDArray hidden1 = net.getLayer(0).params().dup(), hidden2 = net.getLayer(1).params().dup();
        Recorder rec = recorder();
        Dl4jTrainings.fit(net, batches, 1, rec, null);
        Finding f = only(liveAndReadBack(rec, dir), "frozen-weights");
        assertEquals(List.of(net.getLayer(0).conf().getLayer().getLayerName()), f.layers(), "the wrapped layer, as DL4J names it");
        assertEquals(hidden1, net.getLayer(0).params(), "DL4J: hidden1 did not move");
        assertFalse(hidden2.equals(net.getLayer(1).params()), "DL4J: hidden2 did");
    }

    @Test
    void aTinyTrainingSetOverfitsFromTheEpochAfterItsBestValidationLoss() throws IOException {
        MultiLayerNetwork net = Dl4jTrainings.mlp(new Adam(1e-3), Activation.RELU, WeightInit.XAVIER, null, 256, 128);
        DataSet validation = Dl4jTrainings.merged(Dl4jTrainings.batches(test, Task.mlp, 0, 512, false));
        List<Double> witness = new ArrayList<>();
        net.addListeners(new BaseTrainingListener() {
            @Override
            public void onEpochEnd(org.deeplearning4j.nn.api.Model m) {
                witness.add(net.score(validation));
            }
        });
        Recorder rec = recorder();
        Dl4jTrainings.fit(net, batches.subList(0, 4), 60, rec, validation); // 128 images, 60 epochs
        Finding f = only(liveAndReadBack(rec, dir), "overfitting");
        int best = 0;
        for (int i = 1; i < witness.size(); i++) {
            best = witness.get(i) < witness.get(best) ? i : best;
        }
        assertEquals(best + 1, f.epoch(), "the epoch after DL4J's lowest validation score: " + witness);
        assertTrue(witness.get(witness.size() - 1) > 1.1 * witness.get(best), "DL4J: validation loss rose over 10%");
    }

    @Test
    void shuffledLabelsLeaveTheLossAtChance() throws IOException {
        MultiLayerNetwork net = relu(new Adam(1e-3));
        Recorder rec = recorder();
        Dl4jTrainings.fit(net, Dl4jTrainings.batches(train, Task.mlp, 0, STEPS * Dl4jTrainings.BATCH, true), 1, rec, null);
        Finding f = only(liveAndReadBack(rec, dir), "chance-level");
        assertEquals(Severity.WARNING, f.severity());
        double accuracy = net.evaluate(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(
                Dl4jTrainings.batches(test, Task.mlp, 0, 512, false), 1)).accuracy();
        assertTrue(accuracy < 0.2, "DL4J: it learnt nothing of the real labels, accuracy " + accuracy);
    }

    /** The examples as they are, with their report and run.json: nothing at warning level, and the report's Diagnosis is run.json's. */
    @Test
    void theExamplesTrainedAsTheyAreHaveNoWarning() throws IOException {
        for (Task task : Task.values()) {
            Path out = dir.resolve(task.name());
            RunReport.Result r = Dl4jExamples.run(task, 400, 32, out, s -> { });
            List<Finding> fs = Doctor.defaults().diagnose(RunRecord.of(RunJson.read(out.resolve("run.json"))));
            fs.forEach(f -> System.out.println("  " + task + ": " + f.line()));
            assertEquals(List.of(), fs.stream().filter(f -> f.severity().atLeast(Severity.WARNING)).map(Finding::line).toList(), task.name());
            String html = Files.readString(r.index());
            assertTrue(html.indexOf("<h2>Diagnosis</h2>") < html.indexOf("Model summary</h2>"), "the diagnosis leads the report");
            for (Finding f : fs) {
                assertTrue(html.contains(f.rule() + " " + f.where()), "the report shows " + f.line());
            }
            if (fs.isEmpty()) {
                assertTrue(html.contains("The training doctor found nothing wrong"), task.name());
            }
        }
    }

    private static double rms(INDArray a) {
        return a.norm2Number().doubleValue() / Math.sqrt(a.length());
    }
}
