package io.nnviz.backend.djl;

import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import io.nnviz.NNViz;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Activations captured from the real training forward pass through a TapBlock, only on the steps that ask. */
@Tag("natives")
class TapBlockTest {
    @Test
    void activationsOfTheTrainingForwardArriveOnlyOnRequestedSteps() throws Exception {
        FashionMnist d = FashionMnist.trainCached(1024);
        List<TrainingEvent> events = new ArrayList<>();
        Hook h = Hooks.asking(step -> step == 3 ? CaptureRequest.activations(LayerSelector.kinds(LayerKind.CONV, LayerKind.DENSE), 4)
                : CaptureRequest.NONE, events::add);
        DefaultTrainingConfig config = SmallNets.config(1e-3f);
        Attachment a = NNViz.attach(config, h);
        try (ai.djl.Model m = ai.djl.Model.newInstance("tapped")) {
            m.setBlock(TapBlock.wrap(SmallNets.cnn()));
            try (Trainer t = m.newTrainer(config)) {
                t.initialize(new ai.djl.ndarray.types.Shape(32, 1, 28, 28));
                float[] labels = new float[128];
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = d.label(i);
                }
                ArrayDataset ds = new ArrayDataset.Builder()
                        .setData(t.getManager().create(d.batch(0, 128), new ai.djl.ndarray.types.Shape(128, 1, 28, 28)))
                        .optLabels(t.getManager().create(labels)).setSampling(32, false).build();
                for (Batch b : t.iterateDataset(ds)) {
                    EasyTrain.trainBatch(t, b);
                    t.step();
                    b.close();
                }
            }
            try (ModelView view = NNViz.inspect(m)) {
                assertEquals("01Conv2d", view.layers().get(1).id(), "the wrapper is transparent");
            }
        }
        a.close();
        assertEquals(4, events.size());
        assertTrue(events.get(0).snapshot().isEmpty() && events.get(1).snapshot().isEmpty() && events.get(3).snapshot().isEmpty());
        var acts = events.get(2).snapshot().activations();
        assertEquals(Shape.of(4, 8, 24, 24), acts.get("01Conv2d").shape());
        assertEquals(Shape.of(4, 10), acts.get("04Linear").shape());
        assertEquals(2, acts.size(), "only the kinds asked for");
        assertEquals(0, a.hookErrors());
    }

    /** The wrapper remembers that its parameters are initialized (DJL asks on every training forward), and forgets it when cleared. */
    @Test
    void aClearedTapBlockIsInitializedAgainByItsNextTrainingForward() {
        try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager()) {
            TapBlock tap = TapBlock.wrap(SmallNets.cnn());
            ai.djl.ndarray.NDArray x = manager.ones(new ai.djl.ndarray.types.Shape(2, 1, 28, 28));
            ai.djl.training.ParameterStore ps = new ai.djl.training.ParameterStore(manager, false);
            assertFalse(tap.isInitialized(), "a new block");
            assertEquals(new ai.djl.ndarray.types.Shape(2, 10), tap.forward(ps, new ai.djl.ndarray.NDList(x), true).head().getShape());
            assertTrue(tap.isInitialized());
            assertTrue(tap.isInitialized(), "asked again, remembered");
            tap.clear();
            assertFalse(tap.isInitialized(), "cleared: DJL's own answer again");
            assertFalse(tap.inner().isInitialized(), "the wrapped block's parameters are cleared too");
            ai.djl.training.ParameterStore fresh = new ai.djl.training.ParameterStore(manager, false); // the old one holds the released arrays
            assertEquals(new ai.djl.ndarray.types.Shape(2, 10), tap.forward(fresh, new ai.djl.ndarray.NDList(x), true).head().getShape());
            assertTrue(tap.isInitialized() && tap.inner().isInitialized(), "initialized again by the forward");
        }
    }
}
