package io.nnviz.examples.tensorflow;

import io.nnviz.NNViz;
import io.nnviz.analysis.doctor.Finding;
import io.nnviz.backend.tensorflow.TfModel;
import io.nnviz.backend.tensorflow.TfTraining;
import io.nnviz.examples.Images;
import io.nnviz.recording.Recorder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.nnviz.examples.doctor.DoctorChecks.liveAndReadBack;
import static io.nnviz.examples.doctor.DoctorChecks.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The doctor's per-layer rules on TensorFlow Java, trained through {@link TfTraining#run} (which
 * adds the activations and gradients the hooks ask for to the step's own run): a deep sigmoid
 * network's gradients vanish toward the input, ReLU layers whose biases start at -10 are dead,
 * (and the predictions collapse to one class), and a layer left out of the updates is frozen
 * alone; each checked against TensorFlow's own values (the gradients the graph applies, the ReLUs' outputs, the kernels before and after).
 */
@Tag("natives")
class DoctorTfLayersTest {
    static Images train;

    @TempDir
    Path dir;

    @BeforeAll
    static void data() throws java.io.IOException {
        train = Images.load(false, 300 * TfTrainings.BATCH);
    }



    private static double rms(float[] a) {
        double s = 0;
        for (float v : a) {
            s += (double) v * v;
        }
        return Math.sqrt(s / a.length);
    }

    @Test
    void aDeepSigmoidNetworksGradientsVanishTowardTheInput() throws Exception {
        Recorder rec = Recorder.builder().classNames(Images.CLASSES).build();
        double first, last;
        try (TfTrainings net = new TfTrainings((tf, z) -> tf.math.sigmoid(z), 0f, 0.1f, 64, 64, 64, 64, 64, 64, 64, 64);
             TfModel model = (TfModel) NNViz.inspect(net.handle());
             TfTraining training = TfTraining.attach(model, "loss", rec)) {
            net.fit(training, train, 300);
            List<float[]> g = net.values(train, List.of(net.gradients.get(0), net.gradients.get(net.gradients.size() - 2)));
            first = rms(g.get(0));
            last = rms(g.get(1));
        }
        Finding f = only(liveAndReadBack(rec, dir), "vanishing-gradients");
        assertEquals("dense1", f.layers().get(0), "the first layer first: " + f.layers());
        assertFalse(f.layers().contains("logits"), "not the output layer: " + f.layers());
        assertTrue(first < 0.01 * last, "TensorFlow: dense1's kernel gradient " + first + ", the logits' " + last);
    }

    @Test
    void aLayerLeftOutOfTheUpdatesIsNamedAlone() throws Exception {
        Recorder rec = Recorder.builder().classNames(Images.CLASSES).build();
        List<float[]> before, after;
        try (TfTrainings net = new TfTrainings((tf, z) -> tf.nn.relu(z), 0f, 0.05f, java.util.Set.of("dense1"), 128, 64);
             TfModel model = (TfModel) NNViz.inspect(net.handle());
             TfTraining training = TfTraining.attach(model, "loss", rec)) {
            List<String> kernels = List.of("dense1_kernel", "dense2_kernel");
            before = net.values(train, kernels);
            net.fit(training, train, 300);
            after = net.values(train, kernels);
        }
        Finding f = only(liveAndReadBack(rec, dir), "frozen-weights");
        assertEquals(List.of("dense1"), f.layers(), f.message());
        assertTrue(java.util.Arrays.equals(before.get(0), after.get(0)), "TensorFlow: dense1's kernel did not move");
        assertFalse(java.util.Arrays.equals(before.get(1), after.get(1)), "TensorFlow: dense2's kernel did");
    }

    /**
     * A square root after the ReLU: finite forward (the root of 0 is 0), but its gradient at 0 is
     * infinite and the ReLU's gradient multiplies it by 0, so dense1's gradients hold NaN on step 1
     * behind a finite loss. The per-step count is gated on the loss (a gate on gradients costs more
     * than the hook may spend) and runs at step 2, where the NaN weights make the loss NaN; but
     * the recorder captured step 1's weights, after the update that applied those gradients, and
     * they name the step and the layer.
     */
    @Test
    void aNaNBornInBackpropagationIsFoundAtItsStepInTheLayerItWasAppliedTo() throws Exception {
        Recorder rec = Recorder.builder().classNames(Images.CLASSES).build();
        List<List<float[]>> steps;
        try (TfTrainings net = new TfTrainings((tf, z) -> tf.math.sqrt(tf.nn.relu(z)), 0f, 0.05f, 128);
             TfModel model = (TfModel) NNViz.inspect(net.handle());
             TfTraining training = TfTraining.attach(model, "loss", rec)) {
            steps = net.fit(training, train, 5, List.of("loss", "dense1/Sqrt", "grad_dense1_kernel", "grad_logits_kernel"));
        }
        Finding f = only(liveAndReadBack(rec, dir), "non-finite");
        List<float[]> first = steps.get(0), second = steps.get(1);
        assertTrue(!nonFinite(first.get(0)) && !nonFinite(first.get(1)) && nonFinite(first.get(2)) && !nonFinite(first.get(3)),
                "TensorFlow, step 1: loss and dense1's output finite, dense1's applied gradient not, the logits' finite");
        assertTrue(nonFinite(second.get(0)) && nonFinite(second.get(1)), "TensorFlow, step 2: the loss and dense1's output are not finite");
        assertEquals(1, f.step(), "the step TensorFlow's applied gradient first held NaN: " + f.message());
        assertEquals(List.of("dense1"), f.layers(), f.message());
        assertTrue(f.message().contains("before the loss did (NaN at step 2); the first layer whose captured weights hold them is dense1"
                + " (step 1)"), f.message());
    }

    private static boolean nonFinite(float[] a) {
        for (float v : a) {
            if (!Float.isFinite(v)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void reluLayersWhoseBiasesStartAtMinus10AreNamedWithTheirFraction() throws Exception {
        // the captures at their configured intervals: the collapse rule needs three output captures (every 100 steps) in
        // 300 steps, which a budget stretching the intervals on a fast machine would not leave
        Recorder rec = Recorder.builder().classNames(Images.CLASSES).budget(0).build();
        List<float[]> outputs;
        float[] logits;
        try (TfTrainings net = new TfTrainings((tf, z) -> tf.nn.relu(z), -10f, 1e-3f, 128, 64);
             TfModel model = (TfModel) NNViz.inspect(net.handle());
             TfTraining training = TfTraining.attach(model, "loss", rec)) {
            net.fit(training, train, 300);
            outputs = net.values(train, net.activations);
            logits = net.values(train, List.of("logits/Add")).get(0);
        }
        List<Finding> fs = liveAndReadBack(rec, dir);
        Finding f = only(fs, "dead-units");
        assertEquals(List.of("dense1", "dense2"), f.layers(), "the two ReLU layers");
        for (String relu : f.layers()) {
            assertTrue(f.message().contains(relu + " (100% since step " + f.step() + ")"), f.message());
        }
        for (int i = 0; i < outputs.size(); i++) {
            for (float v : outputs.get(i)) {
                assertEquals(0f, v, "TensorFlow: every output of dense" + (i + 1) + "'s ReLU is 0");
            }
        }
        only(fs, "collapse"); // nothing reaches the logits but their biases: one answer for every input
        java.util.Set<Integer> predicted = new java.util.HashSet<>();
        for (int i = 0; i < logits.length / 10; i++) {
            int best = 0;
            for (int c = 1; c < 10; c++) {
                best = logits[i * 10 + c] > logits[i * 10 + best] ? c : best;
            }
            predicted.add(best);
        }
        assertEquals(1, predicted.size(), "TensorFlow: one class for every input of the batch " + predicted);
    }
}
