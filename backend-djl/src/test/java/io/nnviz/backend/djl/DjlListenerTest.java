package io.nnviz.backend.djl;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
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
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.MetricNames;
import io.nnviz.api.hook.TrainingEvent;
import io.nnviz.testkit.FashionMnist;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DJL's own evaluators reach the hooks each epoch, however the listeners are ordered; attach and detach as users do. */
@Tag("natives")
class DjlListenerTest {
    private static final int TRAIN = 512, VALIDATION = 256, BATCH = 32;

    /** Keeps every epoch event. */
    private static final class Epochs implements Hook {
        final List<TrainingEvent> events = new ArrayList<>();
        final List<Long> steps = new ArrayList<>();

        @Override
        public void onStepEnd(TrainingEvent e) {
            steps.add(e.step());
        }

        @Override
        public void onEpochEnd(TrainingEvent e) {
            events.add(e);
        }
    }

    private static ArrayDataset data(NDManager m, FashionMnist d, int from, int n) {
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = d.label(from + i);
        }
        return new ArrayDataset.Builder().setData(m.create(d.batch(from, from + n), new Shape(n, 784)))
                .optLabels(m.create(y, new Shape(n))).setSampling(BATCH, false).build();
    }

    private static SequentialBlock mlp() {
        return new SequentialBlock().add(Linear.builder().setUnits(32).build()).add(Activation.reluBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    /** Two epochs of an MLP with EasyTrain; {@code order} says where DJL's evaluator listener goes. */
    private static Map<String, Float> fit(String order, Epochs hook, List<Map<String, Double>> seen) throws Exception {
        FashionMnist d = FashionMnist.trainCached(1024);
        Engine.getInstance().setRandomSeed(7);
        try (Model model = Model.newInstance("mlp"); NDManager m = NDManager.newBaseManager()) {
            model.setBlock(mlp());
            DefaultTrainingConfig config = SmallNets.config(1e-2f).addEvaluator(new Accuracy());
            Attachment a = null;
            if (order.equals("djl first")) {
                config.addTrainingListeners(TrainingListener.Defaults.basic());
            } else if (order.equals("validateOn")) {
                config.addTrainingListeners(TrainingListener.Defaults.basic());
                a = NNViz.attach(config, hook).validateOn(data(m, d, TRAIN, VALIDATION));
            } else {
                a = NNViz.attach(config, hook);
                if (order.equals("nnviz first")) {
                    config.addTrainingListeners(TrainingListener.Defaults.basic()); // DJL's own evaluator listener after nnviz
                }
            }
            try (Trainer trainer = model.newTrainer(config)) {
                if (a == null) {
                    a = NNViz.attach(trainer, hook); // a trainer that exists: nnviz joins its listeners, after DJL's
                }
                trainer.initialize(new Shape(BATCH, 784));
                EasyTrain.fit(trainer, 2, data(m, d, 0, TRAIN), data(m, d, TRAIN, VALIDATION));
                for (TrainingEvent e : hook.events) {
                    seen.add(e.metrics());
                }
                a.close();
                assertFalse(config.getTrainingListeners().contains(a), "close takes the listener out of the list it joined");
                return trainer.getTrainingResult().getEvaluations();
            }
        }
    }

    @Test
    void theEvaluatorsOfEachEpochArriveWhereverDjlsEvaluatorListenerRuns() throws Exception {
        for (String order : List.of("djl first", "nnviz first")) {
            Epochs hook = new Epochs();
            List<Map<String, Double>> seen = new ArrayList<>();
            Map<String, Float> djl = fit(order, hook, seen);
            assertEquals(2, seen.size(), order);
            Map<String, Double> last = seen.get(1);
            assertEquals(djl.get("validate_Accuracy"), last.get(MetricNames.validation("accuracy")), 1e-6, order + ": DJL's own value");
            assertEquals(djl.get("train_Accuracy"), last.get(MetricNames.train("accuracy")), 1e-6, order);
            assertEquals(djl.get("validate_loss"), last.get(MetricNames.validation("loss")), 1e-6, order);
            assertEquals(djl.get("train_loss"), last.get(MetricNames.train("loss")), 1e-6, order);
            assertTrue(last.get(MetricNames.validation("accuracy")) > 0.5, order + ": it learned");
            assertEquals(32, hook.steps.size(), "16 batches an epoch");
        }
    }

    @Test
    void validateOnEvaluatesWithTheTrainersOwnEvaluatorsUnderCanonicalNames() throws Exception {
        Epochs hook = new Epochs();
        List<Map<String, Double>> seen = new ArrayList<>();
        Map<String, Float> djl = fit("validateOn", hook, seen);
        assertEquals(2, seen.size());
        Map<String, Double> last = seen.get(1);
        // the same data and weights as EasyTrain's validation pass just before the epoch's end
        assertEquals(djl.get("validate_Accuracy"), last.get(MetricNames.validation("accuracy")), 1e-6, "DJL's own Accuracy");
        assertEquals(djl.get("validate_loss"), last.get(MetricNames.validation("loss")), 1e-5, "DJL's own loss");
        assertFalse(last.containsKey("validation/Accuracy"), "one name per metric: " + last.keySet());
        assertTrue(last.containsKey(MetricNames.train("accuracy")), last.keySet().toString());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> DjlListener.of(hook).validateOn(List.of()));
        assertTrue(wrong.getMessage().contains("Dataset"), wrong.getMessage());
    }

    @Test
    void withoutDjlsEvaluatorListenerNnvizCountsTheSameValuesItself() throws Exception {
        List<Map<String, Double>> withDjl = new ArrayList<>(), alone = new ArrayList<>();
        fit("djl first", new Epochs(), withDjl);
        fit("config", new Epochs(), alone);
        for (int e = 0; e < 2; e++) {
            for (String k : List.of(MetricNames.train("accuracy"), MetricNames.validation("accuracy"), MetricNames.validation("loss"))) {
                assertEquals(withDjl.get(e).get(k), alone.get(e).get(k), 1e-6, "epoch " + e + " " + k + ": the same seeded run");
            }
            // nnviz averages the training loss from each step's value instead of DJL's evaluator: the same mean of batch losses
            assertEquals(withDjl.get(e).get(MetricNames.train("loss")), alone.get(e).get(MetricNames.train("loss")), 1e-5,
                    "epoch " + e + " train/loss");
        }
    }

    /**
     * Each step's loss is DJL's own evaluation of the trainer's loss on that batch, whichever way
     * nnviz reads it: from DJL's evaluator listener when it runs first (no native call), computed
     * from the predictions when nnviz runs first or alone. The reference is a listener of the test's
     * own, last in the list, evaluating DJL's loss on each batch.
     */
    @Test
    void everyStepsLossIsDjlsWhereverItsEvaluatorListenerRuns() throws Exception {
        for (String order : List.of("djl first", "nnviz first", "alone")) {
            assertLossesAreDjls(order, Loss.softmaxCrossEntropyLoss(), mlp(), 1, true);
        }
    }

    /**
     * Without DJL's listeners nnviz computes the loss itself where it can (softmax cross-entropy on
     * class indices, over any leading axes, and L2) and asks DJL again where it cannot (one-hot
     * labels, a weight, L1): the same values every step, whichever.
     */
    @Test
    void everyStepsLossIsDjlsForLossesNnvizComputesAndForOthers() throws Exception {
        assertLossesAreDjls("alone", Loss.l2Loss(), mlp(), 0, true);
        assertLossesAreDjls("alone", Loss.softmaxCrossEntropyLoss("one-hot", 1, -1, false, true), mlp(), 0, false);
        assertLossesAreDjls("alone", Loss.softmaxCrossEntropyLoss("weighted", 0.5f, -1, true, true), mlp(), 1, false);
        assertLossesAreDjls("alone", Loss.l1Loss(), mlp(), 0, false);
        SequentialBlock twoHeads = new SequentialBlock().add(Linear.builder().setUnits(32).build()).add(Activation.reluBlock())
                .add(Linear.builder().setUnits(20).build()).add(new LambdaBlock(x -> new NDList(x.singletonOrThrow().reshape(-1, 2, 10))));
        assertLossesAreDjls("alone", Loss.softmaxCrossEntropyLoss(), twoHeads, 2, true);
    }

    /**
     * One epoch of {@code block} under {@code loss}, with DJL's evaluator listener where {@code order}
     * says; the loss nnviz gives at each step must be DJL's evaluation of that step. Labels: the
     * classes (per sample, or {@code heads} per sample: the class and the next), or one-hot (0).
     * {@code inJava}: whether nnviz's own computation gives DJL's value (else it must not be used).
     */
    private static void assertLossesAreDjls(String order, Loss loss, SequentialBlock block, int heads, boolean inJava) throws Exception {
        FashionMnist d = FashionMnist.trainCached(1024);
        String what = order + ", " + loss.getName();
        List<Double> ours = new ArrayList<>(), djls = new ArrayList<>(), own = new ArrayList<>();
        Engine.getInstance().setRandomSeed(7);
        try (Model model = Model.newInstance("mlp"); NDManager m = NDManager.newBaseManager()) {
            model.setBlock(block);
            DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-2f)).build()).optDevices(new Device[] {Device.cpu()});
            if (order.equals("djl first")) {
                config.addTrainingListeners(TrainingListener.Defaults.basic());
            }
            Attachment a = NNViz.attach(config, new Hook() {
                @Override
                public void onStepEnd(TrainingEvent e) {
                    ours.add(e.loss());
                }
            });
            if (order.equals("nnviz first")) {
                config.addTrainingListeners(TrainingListener.Defaults.basic());
            }
            config.addTrainingListeners(new TrainingListenerAdapter() {
                @Override
                public void onTrainingBatch(Trainer trainer, BatchData batch) {
                    NDList labels = batch.getLabels().values().iterator().next(), preds = batch.getPredictions().values().iterator().next();
                    try (NDArray l = trainer.getLoss().evaluate(labels, preds)) {
                        djls.add((double) l.getFloat());
                    }
                    own.add(DjlStepLoss.inJava(trainer.getLoss(), labels, preds));
                }
            });
            float[] y = new float[TRAIN * Math.max(heads, 10)];
            for (int i = 0; i < TRAIN; i++) {
                int c = d.label(i);
                if (heads == 0) {
                    y[i * 10 + c] = 1;
                } else {
                    for (int h = 0; h < heads; h++) {
                        y[i * heads + h] = (c + h) % 10;
                    }
                }
            }
            Shape labels = heads == 0 ? new Shape(TRAIN, 10) : heads == 1 ? new Shape(TRAIN) : new Shape(TRAIN, heads, 1);
            ArrayDataset data = new ArrayDataset.Builder().setData(m.create(d.batch(0, TRAIN), new Shape(TRAIN, 784)))
                    .optLabels(m.create(java.util.Arrays.copyOf(y, (int) labels.size()), labels)).setSampling(BATCH, false).build();
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(BATCH, 784));
                EasyTrain.fit(trainer, 1, data, null);
            }
            a.close();
        }
        assertEquals(TRAIN / BATCH, djls.size(), what);
        assertEquals(djls.size(), ours.size(), what);
        for (int i = 0; i < djls.size(); i++) {
            assertEquals(djls.get(i), ours.get(i), 1e-5 * Math.max(1, djls.get(i)), what + ", step " + (i + 1));
        }
        assertTrue(djls.get(0) > djls.get(djls.size() - 1), what + ": a loss that falls, so the steps differ: " + djls);
        for (int i = 0; i < djls.size(); i++) {
            boolean agrees = Math.abs(own.get(i) - djls.get(i)) <= 1e-4 * Math.max(1, djls.get(i));
            assertEquals(inJava, agrees, what + ", step " + (i + 1) + ": nnviz's own computation " + own.get(i) + ", DJL's " + djls.get(i));
        }
    }
}
