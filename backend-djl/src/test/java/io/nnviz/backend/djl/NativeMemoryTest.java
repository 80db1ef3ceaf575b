package io.nnviz.backend.djl;

import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import io.nnviz.NNViz;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.LayerSelector;
import io.nnviz.testkit.FashionMnist;
import io.nnviz.testkit.Hooks;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 500 training steps with the hook copying every weight and gradient each step: native memory stays flat. */
@Tag("natives")
class NativeMemoryTest {
    /**
     * Resident memory outside the JVM's own heaps, in kB: VmRSS minus the committed Java heap and
     * non-heap, after a GC. The hook copies into Java arrays, which grow the Java heap; a leak of
     * native (PyTorch) arrays shows here.
     */
    static long nativeKb() throws Exception {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(30);
        }
        var mem = java.lang.management.ManagementFactory.getMemoryMXBean();
        long jvm = mem.getHeapMemoryUsage().getCommitted() + mem.getNonHeapMemoryUsage().getCommitted();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) - jvm / 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    @Test
    void fiveHundredHookedStepsDoNotGrowResidentMemory() throws Exception {
        FashionMnist d = FashionMnist.trainCached(1024);
        long[] steps = {0};
        // every step, so that leaking a native copy of the 46k-parameter model per capture
        // (about 0.2 MB each for weights and gradients) would add about 75 MB between steps 300 and 500
        Hook h = Hooks.asking(step -> CaptureRequest.weights(LayerSelector.all()).withGradients(), e -> steps[0]++);
        DefaultTrainingConfig config = SmallNets.config(1e-3f);
        Attachment a = NNViz.attach(config, h);
        try (ai.djl.Model m = ai.djl.Model.newInstance("cnn")) {
            m.setBlock(SmallNets.cnn());
            try (Trainer t = m.newTrainer(config)) {
                t.initialize(new ai.djl.ndarray.types.Shape(32, 1, 28, 28));
                float[] labels = new float[1024];
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = d.label(i);
                }
                ArrayDataset ds = new ArrayDataset.Builder()
                        .setData(t.getManager().create(d.batch(0, 1024), new ai.djl.ndarray.types.Shape(1024, 1, 28, 28)))
                        .optLabels(t.getManager().create(labels)).setSampling(32, false).build();
                long at300 = 0;
                int arraysAt300 = 0;
                int step = 0;
                while (step < 500) {
                    for (Batch b : t.iterateDataset(ds)) {
                        EasyTrain.trainBatch(t, b);
                        t.step();
                        b.close();
                        if (++step == 300) {
                            at300 = nativeKb();
                            arraysAt300 = m.getNDManager().getManagedArrays().size();
                        }
                        if (step == 500) {
                            break;
                        }
                    }
                }
                long at500 = nativeKb();
                int arraysAt500 = m.getNDManager().getManagedArrays().size();
                // the leak DJL makes easy: captures attached to the trainer's manager, never closed (a native
                // copy of the 46k-parameter model per capture). Counted exactly: the live arrays under the model's manager.
                assertEquals(arraysAt300, arraysAt500, "NDArrays still open under the model's manager at steps 300 and 500");
                // and the process as a whole: resident memory outside the Java heaps swings by tens of MB as the
                // allocator and the GC's commitments move, so this bound catches only gross native leaks (200 more
                // captures leaking their native copies would add about 75 MB)
                assertTrue(at500 - at300 < 150_000, "native resident memory grew by " + (at500 - at300) / 1024 + " MB between steps 300 and 500");
            }
        }
        a.close();
        assertEquals(500, steps[0]);
        assertEquals(0, a.hookErrors());
    }
}
