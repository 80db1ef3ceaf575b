package io.nnviz.examples.doctor;

import io.nnviz.NNViz;
import io.nnviz.analysis.doctor.Doctor;
import io.nnviz.api.hook.Attachment;
import io.nnviz.examples.Dl4jExamples;
import io.nnviz.examples.Images;
import io.nnviz.examples.Task;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.diagnosis.RunRecord;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the doctor costs on the training thread: the examples' CNN trained 400 steps with the
 * recorder's defaults, with and without the doctor (its captures and its non-finite check), the
 * time inside nnviz measured where it happens (Attachment.timeInNnvizNanos) against the wall time
 * of the steps; and what one diagnosis of the whole run costs the recorder's background thread.
 * Printed for docs/recording.md; the bounds asserted are loose, the machine being shared.
 */
@Tag("natives")
class DoctorCostTest {
    @Test
    void theDoctorsCapturesStayWithinTheBudgetAndADiagnosisTakesMilliseconds() throws Exception {
        Images train = Images.load(false, 400 * Dl4jTrainings.BATCH);
        List<DataSet> batches = Dl4jTrainings.batches(train, Task.cnn, 0, 400 * Dl4jTrainings.BATCH, false);
        double[] share = new double[2];
        for (int round = 0; round < 2; round++) {
            for (boolean diagnose : new boolean[] {false, true}) {
                MultiLayerNetwork net = (MultiLayerNetwork) Dl4jExamples.network(Task.cnn);
                Recorder rec = Recorder.builder().classNames(Images.CLASSES).diagnose(diagnose).build();
                long t0 = System.nanoTime(), inside;
                try (Attachment a = NNViz.attach(net, rec)) {
                    for (DataSet b : batches) {
                        net.fit(b);
                    }
                    inside = a.timeInNnvizNanos();
                }
                long wall = System.nanoTime() - t0;
                rec.flush();
                long d0 = System.nanoTime();
                int findings = Doctor.defaults().diagnose(RunRecord.of(rec.log())).size();
                double diagnosisMs = (System.nanoTime() - d0) / 1e6;
                share[diagnose ? 1 : 0] = (double) inside / wall;
                System.out.printf(Locale.ROOT, "CNN, 400 steps, doctor %s: %.1f s, inside nnviz %.1f ms (%.2f%%), capture stretch %d,"
                                + " %d series; one diagnosis %.1f ms, %d findings%n", diagnose ? "on " : "off", wall / 1e9, inside / 1e6,
                        100.0 * inside / wall, rec.captureStretch(), rec.log().stepSeriesNames().size(), diagnosisMs, findings);
                assertTrue(diagnosisMs < 200, "a diagnosis of a whole run takes milliseconds: " + diagnosisMs);
                rec.close();
            }
        }
        assertTrue(share[1] < 0.04, "with the doctor, nnviz's share of the training thread stays small: " + share[1]);
    }
}
