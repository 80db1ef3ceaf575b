package io.nnviz.examples;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.nnviz.NNViz;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.MetricNames;
import io.nnviz.backend.djl.DjlListener;
import io.nnviz.backend.dl4j.Dl4jListener;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.run.RunLog;
import io.nnviz.renderers.report.HtmlReport;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training apps as users write them, one per framework's trainer, each recording the loss every
 * step and train and validation accuracy every epoch, attached again once mid-run: the report's
 * epoch chart, TensorBoard's files and run.json hold the framework's own values.
 */
@Tag("natives")
class TrainingAppsTest {
    private static final int BATCH = 32, TRAIN = 1024, VALIDATION = 512;

    @TempDir
    Path dir;

    private static List<DataSet> batches(Images d, Task task, int from, int n) {
        List<DataSet> out = new ArrayList<>();
        for (int b = from; b + BATCH <= from + n; b += BATCH) {
            out.add(new DataSet(Dl4jExamples.features(task, d, b, BATCH), Nd4j.create(task.targets(d, b, BATCH), new long[] {BATCH, 10}, 'c')));
        }
        return out;
    }

    @Test
    void aDl4jCnnFitOnIteratorsAttachedTwice() throws Exception {
        Images train = Images.load(false, TRAIN), test = Images.load(true, VALIDATION);
        DataSetIterator trainData = new ListDataSetIterator<>(batches(train, Task.cnn, 0, TRAIN), 1);
        DataSetIterator trainEval = new ListDataSetIterator<>(batches(train, Task.cnn, 0, 256), 1); // a slice, as users do
        DataSetIterator validation = new ListDataSetIterator<>(batches(test, Task.cnn, 0, VALIDATION), 1);
        MultiLayerNetwork net = (MultiLayerNetwork) Dl4jExamples.network(Task.cnn);
        List<Double> scores = new ArrayList<>();
        net.addListeners(new BaseTrainingListener() { // the loop's own record of DL4J's score
            @Override
            public void iterationDone(org.deeplearning4j.nn.api.Model m, int iteration, int epoch) {
                scores.add(m.score());
            }
        });
        Recorder rec = Recorder.builder().tensorBoard(dir.resolve("tb")).json(dir.resolve("run.json")).build();
        Map<String, List<Double>> expected = new LinkedHashMap<>();
        expected.put("train", new ArrayList<>());
        expected.put("validation", new ArrayList<>());

        // epoch 1: the native form, DL4J's own listener with the evaluations done at epoch end
        Dl4jListener listener = Dl4jListener.builder(rec).evaluate("train", trainEval).evaluate("validation", validation).build();
        net.addListeners(listener);
        net.fit(trainData, 1);
        listener.close();
        expected.get("train").add(net.evaluate(trainEval).accuracy());
        expected.get("validation").add(net.evaluate(validation).accuracy());

        // epoch 2: attached again with the one idiom; the app evaluates with DL4J and logs the values itself
        try (Attachment a = NNViz.attach(net, rec)) {
            net.fit(trainData, 1);
            int epoch = net.getEpochCount() - 1;
            double t = net.evaluate(trainEval).accuracy(), v = net.evaluate(validation).accuracy();
            rec.epochScalar(MetricNames.train("accuracy"), epoch, t);
            rec.epochScalar(MetricNames.validation("accuracy"), epoch, v);
            expected.get("train").add(t);
            expected.get("validation").add(v);
            assertEquals(0, a.hookErrors());
        }
        assertTrue(expected.get("validation").get(1) > 0.6, "it learned: " + expected);
        verify(rec, net, scores, expected, "accuracy", 1e-6);
    }

    /**
     * Issue 19: the recorder keeps the weights of the run's first step, and the report shows how far
     * each layer moved since, the norms those of DL4J's own parameters copied after that step.
     */
    @Test
    void theReportShowsHowFarEachLayerMovedSinceTheFirstStep() throws Exception {
        Images train = Images.load(false, TRAIN);
        MultiLayerNetwork net = (MultiLayerNetwork) Dl4jExamples.network(Task.cnn);
        List<Map<String, org.nd4j.linalg.api.ndarray.INDArray>> first = new ArrayList<>();
        net.addListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(org.deeplearning4j.nn.api.Model m, int iteration, int epoch) {
                if (first.isEmpty()) {
                    for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
                        Map<String, org.nd4j.linalg.api.ndarray.INDArray> copy = new LinkedHashMap<>();
                        l.paramTable().forEach((k, v) -> copy.put(k, v.dup()));
                        first.add(copy);
                    }
                }
            }
        });
        Recorder rec = Recorder.builder().keepInitialWeights(true).gradients(true).build();
        try (Attachment a = NNViz.attach(net, rec)) {
            net.fit(new ListDataSetIterator<>(batches(train, Task.cnn, 0, 512), 1), 1);
        }
        var kept = rec.initialWeights().orElseThrow();
        assertEquals(1, kept.step(), "the first step's weights");
        try (io.nnviz.api.ModelView m = NNViz.inspect(net)) {
            java.util.List<String> weighted = m.layers().stream().filter(l -> l.parameterCount() > 0).map(io.nnviz.api.LayerInfo::id).toList();
            int k = 0;
            for (int i = 0; i < net.getnLayers(); i++) {
                if (first.get(i).isEmpty()) {
                    continue;
                }
                double diff = 0, norm = 0;
                for (var e : net.getLayer(i).paramTable().entrySet()) {
                    var was = first.get(i).get(e.getKey());
                    diff += Math.pow(e.getValue().sub(was).norm2Number().doubleValue(), 2);
                    norm += Math.pow(was.norm2Number().doubleValue(), 2);
                }
                String id = weighted.get(k++);
                double want = Math.sqrt(diff / norm);
                double got = io.nnviz.api.diff.ModelDiff.relativeChange(kept.value().get(id), m.weights(id));
                assertEquals(want, got, 1e-4 * want, id);
                assertTrue(got > 0, id + " moved");
            }
            Path index = rec.addTo(HtmlReport.titled("moved").model(m)).write(dir.resolve("moved"));
            String html = java.nio.file.Files.readString(index);
            assertTrue(html.contains("Weight change since step 1, by layer"), "the figure is in the report");
            assertTrue(html.contains("||W - W_first|| / ||W_first||"), "with its legend");
            rec.flush();
            var norms = rec.log().latestGradientNorms().orElseThrow().value();
            assertEquals(new java.util.HashSet<>(weighted), norms.keySet(), "a gradient norm per layer with parameters");
            norms.forEach((id, v) -> assertTrue(v > 0 && Double.isFinite(v), id + ": " + v));
            assertTrue(html.contains("Gradient norm per layer at step"), "the gradient overlay is in the report");
        }
    }

    @Test
    void aDjlMlpOnEasyTrainWithTwoTrainers() throws Exception {
        Images train = Images.load(false, TRAIN), test = Images.load(true, VALIDATION);
        Engine.getInstance().setRandomSeed(3);
        Recorder rec = Recorder.builder().tensorBoard(dir.resolve("tb")).json(dir.resolve("run.json")).build();
        Map<String, List<Double>> expected = new LinkedHashMap<>();
        expected.put("train", new ArrayList<>());
        expected.put("validation", new ArrayList<>());
        List<Double> losses = new ArrayList<>();
        try (ai.djl.Model model = ai.djl.Model.newInstance("mlp"); NDManager m = NDManager.newBaseManager()) {
            model.setBlock(DjlExamples.network(Task.mlp));
            ArrayDataset trainSet = dataset(m, train, TRAIN), validationSet = dataset(m, test, VALIDATION);
            for (int round = 0; round < 2; round++) {
                DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                        .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build())
                        .optDevices(new Device[] {Device.cpu()}).addEvaluator(new Accuracy())
                        .addTrainingListeners(TrainingListener.Defaults.basic()).addTrainingListeners(lossesOf(losses));
                Attachment a = null;
                if (round == 1) {
                    config.addTrainingListeners(DjlListener.of(rec)); // the native form, on the second trainer's config
                }
                try (Trainer trainer = model.newTrainer(config)) {
                    if (round == 0) {
                        a = NNViz.attach(trainer, rec); // the one idiom, on a trainer that exists
                    }
                    trainer.initialize(new Shape(BATCH, 784));
                    EasyTrain.fit(trainer, 1, trainSet, validationSet);
                    Map<String, Float> djl = trainer.getTrainingResult().getEvaluations();
                    expected.get("train").add((double) djl.get("train_Accuracy"));
                    expected.get("validation").add((double) djl.get("validate_Accuracy"));
                }
                if (a != null) {
                    a.close();
                }
            }
        }
        assertTrue(expected.get("validation").get(1) > 0.6, "it learned: " + expected);
        verify(rec, null, losses, expected, "accuracy", 1e-5); // DJL's Accuracy under its one name
    }

    private static ArrayDataset dataset(NDManager m, Images d, int n) {
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = d.labels()[i];
        }
        return new ArrayDataset.Builder().setData(m.create(Task.mlp.inputs(d, 0, n), new Shape(n, 784)))
                .optLabels(m.create(y, new Shape(n))).setSampling(BATCH, false).build();
    }

    /** DJL's own loss of every training batch, as the trainer's loss evaluates it. */
    private static TrainingListener lossesOf(List<Double> into) {
        return new TrainingListenerAdapter() {
            @Override
            public void onTrainingBatch(Trainer trainer, BatchData batchData) {
                var labels = batchData.getLabels().values().iterator().next();
                var preds = batchData.getPredictions().values().iterator().next();
                try (var l = trainer.getLoss().evaluate(labels, preds)) {
                    into.add((double) l.getFloat());
                }
            }
        };
    }

    /** The report, TensorBoard and run.json of a finished app run hold what the framework computed. */
    private void verify(Recorder rec, Object model, List<Double> losses, Map<String, List<Double>> expected, String metric,
                        double tolerance) throws Exception {
        RunLog log = rec.log();
        RunChecks.assertLossEveryStep(log, losses, tolerance);
        Path report = rec.addTo(model == null ? HtmlReport.titled("app") : HtmlReport.titled("app").model(NNViz.inspect(model)))
                .write(dir.resolve("report")).getParent();
        RunChecks.assertEpochChart(report, metric, expected);
        rec.close();
        RunChecks.assertTensorBoard(dir.resolve("tb"), log, metric);
        RunLog back = RunChecks.assertRunJsonGivesTheSameFigures(dir.resolve("run.json"), log);
        assertEquals(2, back.epochsEnded());
        // and it continues: a recorder resumed from run.json takes the next step after the last
        Recorder resumed = Recorder.resume(dir.resolve("run.json")).build();
        try (var t = io.nnviz.api.hook.ManualTraining.start(null, resumed)) {
            t.stepEnd(0.25, r -> io.nnviz.api.hook.Snapshot.EMPTY);
        }
        assertEquals(losses.size() + 1, resumed.log().lastStep());
        assertEquals(0.25, resumed.log().stepSeries("loss").last());
        assertEquals(log.epochSeries(MetricNames.validation(metric)), resumed.log().epochSeries(MetricNames.validation(metric)));
    }
}
