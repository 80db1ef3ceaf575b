package io.nnviz.backend.dl4j;

import io.nnviz.NNViz;
import io.nnviz.api.Tensor;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.LayerSelector;
import io.nnviz.api.hook.MetricNames;
import io.nnviz.api.hook.TrainingEvent;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The public DL4J listener: DL4J's own metrics, epoch evaluations, and attaching and detaching as users do. */
class Dl4jListenerTest {

    /** A hook that asks for update ratios every step and keeps every event. */
    private static final class Keeper implements Hook {
        final List<TrainingEvent> steps = new ArrayList<>(), epochs = new ArrayList<>();
        int attached;

        @Override
        public void onAttach(io.nnviz.api.ModelView model) {
            attached++;
        }

        @Override
        public CaptureRequest request(long step, int epoch) {
            return new CaptureRequest(false, false, false, false, true, LayerSelector.all(), 0);
        }

        @Override
        public void onStepEnd(TrainingEvent e) {
            steps.add(e);
        }

        @Override
        public void onEpochEnd(TrainingEvent e) {
            epochs.add(e);
        }
    }

    @Test
    void updateRatiosAreTheLog10OfTheAppliedUpdateOverTheWeights() {
        MultiLayerNetwork net = Nets.mlpClassifier();
        Keeper k = new Keeper();
        try (Attachment a = NNViz.attach(net, k)) {
            for (int i = 0; i < 3; i++) {
                INDArray before = net.getLayer(0).getParam("W").dup();
                net.fit(Nets.flatBatch(i));
                INDArray after = net.getLayer(0).getParam("W");
                double expected = Math.log10(before.sub(after).norm1Number().doubleValue() / after.norm1Number().doubleValue());
                double reported = k.steps.get(i).metrics().get(MetricNames.updateRatio("hidden1", "W"));
                assertEquals(expected, reported, 1e-5, "step " + (i + 1) + ": the change the step made to hidden1's W");
                assertTrue(reported < -1 && reported > -6, "Adam at 1e-3 moves weights by about a thousandth: " + reported);
            }
            assertEquals(1e-3, k.steps.get(0).metrics().get(MetricNames.learningRate("out")), 1e-12, "the configured Adam rate");
            assertTrue(k.steps.get(0).metrics().containsKey(MetricNames.updateRatio("out", "b")));
        }
    }

    @Test
    void outputsAreTheOutputLayerOnTheTrainingForwardPassAndEqualDl4jsOwnOutput() {
        // at a learning rate of 0 and with no dropout or batch norm, the training forward pass is DL4J's inference (Adam
        // still moves the weights by about a millionth: the tolerance; another sample's output is off by far more)
        for (MultiLayerNetwork net : List.of(Nets.mlpClassifier(), Nets.gapCnn(), Nets.mlpRegressor())) {
            boolean regressor = net.getnLayers() == 2;
            net.setLearningRate(0);
            List<TrainingEvent> events = new ArrayList<>();
            Hook h = new Hook() {
                @Override
                public CaptureRequest request(long step, int epoch) {
                    return step == 2 ? CaptureRequest.NONE.withOutputs(4) : CaptureRequest.NONE;
                }

                @Override
                public void onStepEnd(TrainingEvent e) {
                    events.add(e);
                }
            };
            try (Attachment a = NNViz.attach(net, h)) {
                for (int i = 0; i < 3; i++) {
                    net.fit(regressor ? Nets.halvesBatch(i) : Nets.flatBatch(i));
                }
            }
            INDArray x = (regressor ? Nets.halvesBatch(1) : Nets.flatBatch(1)).getFeatures()
                    .get(NDArrayIndex.interval(0, 4), NDArrayIndex.all());
            Tensor expected = Dl4jTensors.copy(net.output(x, false));
            Tensor outputs = events.get(1).snapshot().outputs();
            assertEquals(expected.shape(), outputs.shape(), net.getLayer(0).conf().getLayer().getLayerName());
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.getFlat(i), outputs.getFlat(i), 2e-4 * Math.max(1, Math.abs(expected.getFlat(i))), "output value " + i);
            }
        }
    }

    @Test
    void eachEpochEvaluatesItsDataWithDl4jsOwnEvaluation() {
        MultiLayerNetwork net = Nets.mlpClassifier();
        List<DataSet> train = new ArrayList<>(), validation = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            train.add(Nets.flatBatch(i));
        }
        for (int i = 20; i < 24; i++) {
            validation.add(Nets.flatBatch(i));
        }
        var validationData = new ListDataSetIterator<>(validation, 1); // one 32-image DataSet per batch
        Keeper k = new Keeper();
        Dl4jListener l = Dl4jListener.builder(k).evaluate("validation", validationData).build();
        net.addListeners(l); // the native form: nnviz learns the network at its first callback
        net.fit(new ListDataSetIterator<>(train, 1), 2);
        assertEquals(1, k.attached);
        assertEquals(16, k.steps.size());
        assertEquals(2, k.epochs.size());
        assertEquals(List.of(0, 1), k.epochs.stream().map(TrainingEvent::epoch).toList());
        double acc = k.epochs.get(1).metrics().get(MetricNames.validation("accuracy"));
        assertEquals(net.evaluate(validationData).accuracy(), acc, 1e-12, "DL4J's own evaluation of the same network");
        double loss = k.epochs.get(1).metrics().get(MetricNames.validation("loss"));
        double score = 0;
        for (DataSet d : validation) {
            score += net.score(d, false) / validation.size();
        }
        assertEquals(score, loss, 1e-6);
        l.close();
        assertFalse(net.getListeners().contains(l), "close removes it from the network it listened to");
        net.fit(Nets.flatBatch(30));
        assertEquals(16, k.steps.size());
    }

    @Test
    void validateOnIsTheOneIdiomAndTakesAnIteratorOrADataSet() {
        MultiLayerNetwork net = Nets.mlpClassifier();
        List<DataSet> train = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            train.add(Nets.flatBatch(i));
        }
        DataSet held = DataSet.merge(List.of(Nets.flatBatch(20), Nets.flatBatch(21)));
        Keeper k = new Keeper();
        try (Attachment a = NNViz.attach(net, k).validateOn(held)) {
            net.fit(new ListDataSetIterator<>(train, 1), 2);
        }
        assertEquals(2, k.epochs.size());
        for (TrainingEvent e : k.epochs) {
            assertTrue(e.metrics().containsKey(MetricNames.validation("loss")), "epoch " + e.epoch() + ": " + e.metrics());
        }
        assertEquals(net.evaluate(new org.nd4j.linalg.dataset.ViewIterator(held, 256)).accuracy(),
                k.epochs.get(1).metrics().get(MetricNames.validation("accuracy")), 1e-12, "DL4J's own evaluation after the last epoch");
        assertEquals(net.score(held, false), k.epochs.get(1).metrics().get(MetricNames.validation("loss")), 1e-6);
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> Dl4jListener.of(k).validateOn("data"));
        assertTrue(wrong.getMessage().contains("DataSetIterator or a DataSet"), wrong.getMessage());
    }

    @Test
    void attachedAgainTheNetworkContinuesItsOwnStepCount() {
        MultiLayerNetwork net = Nets.mlpClassifier();
        Keeper k = new Keeper();
        try (Attachment a = NNViz.attach(net, k)) {
            net.fit(Nets.flatBatch(0));
            net.fit(Nets.flatBatch(1));
        }
        assertTrue(net.getListeners().isEmpty(), "nothing left installed");
        try (Attachment a = NNViz.attach(net, k)) {
            net.fit(Nets.flatBatch(2));
            ((Dl4jListener) a).epochEnd();
        }
        assertEquals(List.of(1L, 2L, 3L), k.steps.stream().map(TrainingEvent::step).toList());
        assertEquals(2, k.attached);
        assertEquals(1, net.getEpochCount(), "epochEnd counts the epoch as fit(iterator) does");
        // no evaluations asked for: the epoch has only the mean of its steps' scores (one step since this attach)
        assertEquals(Map.of(MetricNames.train("loss"), k.steps.get(2).loss()), k.epochs.get(0).metrics());
    }
}
