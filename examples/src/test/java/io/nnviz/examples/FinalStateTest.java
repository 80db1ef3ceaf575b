package io.nnviz.examples;

import io.nnviz.NNViz;
import io.nnviz.api.Histogram;
import io.nnviz.api.Tensor;
import io.nnviz.api.hook.Attachment;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.run.Stamped;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 26: a run whose last step falls between capture intervals still ends with the trained
 * network: histograms, filters and probes at the last step, the histograms those of the network's
 * own final weights.
 */
@Tag("natives")
class FinalStateTest {
    private static final int STEPS = 23, BATCH = 32;

    @Test
    void theLastStepIsCapturedWhateverTheIntervals() throws Exception {
        Images train = Images.load(false, STEPS * BATCH), test = Images.load(true, 4);
        MultiLayerNetwork net = (MultiLayerNetwork) Dl4jExamples.network(Task.cnn);
        Recorder rec = Recorder.builder().histogramsEvery(7).filtersEvery(50).probesEvery(200)
                .probes(Tensor.of(Task.cnn.inputs(test, 0, 4), 4, 1, Task.SIDE, Task.SIDE)).build();
        try (Attachment a = NNViz.attach(net, rec)) {
            for (int s = 0; s < STEPS; s++) {
                net.fit(new DataSet(Dl4jExamples.features(Task.cnn, train, s * BATCH, BATCH),
                        Nd4j.create(Task.cnn.targets(train, s * BATCH, BATCH), new long[] {BATCH, 10}, 'c')));
            }
        }
        RunLog log = rec.log();
        rec.close();
        assertEquals(STEPS, log.lastStep());
        List<Stamped<Histogram>> h = log.histograms("conv1 / kernel");
        assertEquals(List.of(1L, 7L, 14L, 21L, (long) STEPS), h.stream().map(Stamped::step).toList(), "every 7 steps, and the last");
        Histogram expected = Histogram.of(Tensor.of(net.getLayer("conv1").getParam("W").dup().data().asFloat(), 16 * 25),
                h.get(0).value().counts().length);
        assertArrayEquals(expected.counts(), h.get(h.size() - 1).value().counts(), "the network's own final weights");
        assertEquals(STEPS, log.latestFilters().orElseThrow().step(), "filters every 50 would have ended at step 1");
        assertEquals(STEPS, log.latestProbes().orElseThrow().step(), "probes every 200 would have ended at step 1");
        assertTrue(log.notes().getOrDefault("final state", "").contains("step " + STEPS), log.notes().toString());
    }
}
