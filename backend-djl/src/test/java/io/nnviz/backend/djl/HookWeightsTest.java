package io.nnviz.backend.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.translate.Batchifier;
import ai.djl.util.Pair;
import io.nnviz.NNViz;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.LayerSelector;
import io.nnviz.api.hook.TrainingEvent;
import io.nnviz.testkit.FashionMnist;
import io.nnviz.testkit.Hooks;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The weights a hook gets are the parameters of its step (after the backward pass, before the
 * optimizer's update), whenever and on whichever thread the hook reads them: the engine's copies
 * are read into Java at the first read, and made to exist before the next sampled step.
 */
@Tag("natives")
class HookWeightsTest {
    @Test
    void capturedWeightsAreTheirStepsParametersReadLaterOnAnotherThread() throws Exception {
        FashionMnist d = FashionMnist.trainCached(1024);
        List<TrainingEvent> events = new ArrayList<>();
        Hook h = Hooks.asking(step -> step == 2 || step == 4 ? CaptureRequest.weights(LayerSelector.all()) : CaptureRequest.NONE,
                events::add);
        DefaultTrainingConfig config = SmallNets.config(1e-2f);
        Attachment a = NNViz.attach(config, h);
        List<float[]> at2 = null, at4 = null;
        try (ai.djl.Model m = ai.djl.Model.newInstance("cnn")) {
            SequentialBlock block = SmallNets.cnn();
            m.setBlock(block);
            ExecutorService reader = Executors.newSingleThreadExecutor();
            try (Trainer t = m.newTrainer(config)) {
                t.initialize(new ai.djl.ndarray.types.Shape(32, 1, 28, 28));
                for (int step = 1; step <= 6; step++) {
                    NDManager sub = t.getManager().newSubManager();
                    float[] y = new float[32];
                    for (int k = 0; k < 32; k++) {
                        y[k] = d.label(step * 32 + k);
                    }
                    NDArray x = sub.create(d.batch(step * 32, step * 32 + 32), new ai.djl.ndarray.types.Shape(32, 1, 28, 28));
                    try (Batch b = new Batch(sub, new NDList(x), new NDList(sub.create(y)), 32, Batchifier.STACK, Batchifier.STACK, step, 6)) {
                        EasyTrain.trainBatch(t, b); // the hook copies here, after backward
                        if (step == 2) {
                            at2 = parameters(block);
                        } else if (step == 4) {
                            at4 = parameters(block);
                        }
                        t.step();
                    }
                    if (step == 5) {
                        // step 4's weights are still the engine's copies: read them on another thread while training goes on
                        List<WeightTensor> w4 = flat(events.get(3).snapshot().weights());
                        assertFalse(w4.get(0).values().isLoaded(), "nothing was copied into Java before a read");
                        List<float[]> read = reader.submit(() -> w4.stream().map(w -> w.values().toArray()).toList()).get();
                        assertValues(at4, read, "step 4");
                    }
                }
            } finally {
                reader.shutdown();
            }
        }
        a.close();
        // step 2's copies were never read by a hook: step 4 made them exist first, so they are still step 2's
        assertValues(at2, flat(events.get(1).snapshot().weights()).stream().map(w -> w.values().toArray()).toList(), "step 2");
        assertEquals(0, a.hookErrors());
    }

    private static List<float[]> parameters(SequentialBlock block) {
        List<float[]> out = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            out.add(p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    private static List<WeightTensor> flat(Map<String, List<WeightTensor>> weights) {
        List<WeightTensor> out = new ArrayList<>();
        weights.values().forEach(out::addAll);
        return out;
    }

    private static void assertValues(List<float[]> expected, List<float[]> actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": every parameter");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), what + ": parameter " + i);
        }
    }
}
