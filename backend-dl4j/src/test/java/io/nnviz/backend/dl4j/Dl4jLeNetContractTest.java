package io.nnviz.backend.dl4j;

import io.nnviz.NNViz;
import io.nnviz.api.Capability;
import io.nnviz.api.LayerGradient;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.LayerSelector;
import io.nnviz.api.hook.TrainingEvent;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LeNet-style CNN (conv, pool, batch norm, dense, dropout) trained briefly on Fashion-MNIST. */
class Dl4jLeNetContractTest extends Dl4jContractBase {
    Dl4jLeNetContractTest() {
        super(Nets::lenet, Nets::flatBatch, 20);
    }

    @Override
    protected Tensor sampleInput() {
        return Tensor.of(Nets.data().batch(100, 102), 2, 1, 28, 28);
    }

    @Override
    protected long[] dl4jIndex(LayerInfo layer, int[] idx, INDArray a) {
        if (layer.id().equals("input")) {
            return new long[] {idx[0], idx[2] * 28L + idx[3]}; // DL4J takes the images flat
        }
        return super.dl4jIndex(layer, idx, a);
    }

    @Test
    void layersHaveKindsShapesAndTheInputTypeFromThePreprocessor() {
        ModelView m = model();
        assertEquals(List.of("input", "conv1", "pool1", "conv2", "bn2", "pool2", "fc1", "drop", "out"),
                m.layers().stream().map(LayerInfo::id).toList());
        assertEquals(List.of(LayerKind.INPUT, LayerKind.CONV, LayerKind.POOL, LayerKind.CONV, LayerKind.NORM, LayerKind.POOL,
                LayerKind.DENSE, LayerKind.DROPOUT, LayerKind.OUTPUT), m.layers().stream().map(LayerInfo::kind).toList());
        LayerInfo conv1 = m.layer("conv1").orElseThrow();
        assertEquals(Shape.of(-1, 1, 28, 28), m.layer("input").orElseThrow().outputShape());
        assertEquals(Shape.of(-1, 8, 24, 24), conv1.outputShape());
        assertEquals("ConvolutionLayer", conv1.frameworkType());
        assertEquals("5x5", conv1.attributes().get("kernel"));
        assertEquals("FeedForwardToCnnPreProcessor", conv1.attributes().get("preprocessor"));
        assertEquals("CnnToFeedForwardPreProcessor", m.layer("fc1").orElseThrow().attributes().get("preprocessor"));
        assertEquals(Shape.of(-1, 16, 4, 4), m.layer("pool2").orElseThrow().outputShape());
        assertEquals(List.of(WeightRole.KERNEL, WeightRole.BIAS), conv1.weights().stream().map(w -> w.role()).toList());
        assertEquals(Shape.of(64, 256), m.layer("fc1").orElseThrow().weights().get(0).shape(), "dense [out, in]");
        assertTrue(m.layer("bn2").orElseThrow().weights().stream().anyMatch(w -> w.role() == WeightRole.RUNNING_MEAN));
    }

    @Test
    void flatInputsAreAcceptedLikeDl4jIteratorsGiveThem() {
        Tensor flat = Tensor.of(Nets.data().batch(100, 102), 2, 784);
        Map<String, Tensor> a = model().activations(flat, List.of("input", "conv1"));
        assertEquals(Shape.of(2, 1, 28, 28), a.get("input").shape());
        assertEquals(model().activations(sampleInput(), List.of("conv1")).get("conv1"), a.get("conv1"));
        assertEquals(flat.shape(), model().inputGradient(flat, 3).shape());
    }

    @Test
    void inputGradientMatchesFiniteDifferences() {
        MultiLayerNetwork d = ((MultiLayerNetwork) trained()).convertDataType(DataType.DOUBLE);
        assertInputGradientMatchesFiniteDifferences(d, sampleInput().head(1), "out", "drop", 3);
    }

    @Test
    void gradCamGradientAtTheLastHiddenLayerIsTheOutputWeightColumn() {
        Tensor x = sampleInput();
        LayerGradient lg = model().layerGradient(x, "drop", 7);
        INDArray w = ((MultiLayerNetwork) trained()).getOutputLayer().getParam("W");
        assertEquals(Shape.of(2, 64), lg.gradient().shape());
        for (int j = 0; j < 64; j++) {
            assertEquals(w.getDouble(j, 7), lg.gradient().get(1, j), 1e-6);
        }
        LayerGradient conv = model().layerGradient(x, "conv2", 7);
        assertEquals(Shape.of(2, 16, 8, 8), conv.gradient().shape());
        assertEquals(model().activations(x, List.of("conv2")).get("conv2"), conv.activation());
        assertTrue(conv.gradient().stats().max() > conv.gradient().stats().min());
    }

    @Test
    void hookSnapshotsCarryActivationsInputsOutputsAndLabels() {
        List<TrainingEvent> events = new ArrayList<>();
        Hook h = new Hook() {
            @Override
            public CaptureRequest request(long step, int epoch) {
                return step == 2 ? CaptureRequest.activations(LayerSelector.kinds(LayerKind.CONV), 4).withOutputs(4) : CaptureRequest.NONE;
            }

            @Override
            public void onStepEnd(TrainingEvent e) {
                events.add(e);
            }
        };
        Attachment a = train(3, h);
        assertTrue(a.timeInNnvizNanos() > 0, "the time spent copying is measured");
        var snap = events.get(1).snapshot();
        assertEquals(Shape.of(4, 8, 24, 24), snap.activations().get("conv1").shape());
        assertEquals(Shape.of(4, 16, 8, 8), snap.activations().get("conv2").shape());
        assertFalse(snap.activations().containsKey("fc1"), "fc1 was not asked for");
        assertEquals(Shape.of(4, 1, 28, 28), snap.inputs().shape());
        // the captured input is the batch's first four images
        assertEquals(Tensor.of(Nets.data().batch(32, 36), 4, 1, 28, 28), snap.inputs());
        assertEquals(Shape.of(4, 10), snap.outputs().shape());
        assertEquals(Shape.of(4, 10), snap.labels().shape());
        assertEquals(1.0, snap.outputs().slice(0).stats().mean() * 10, 1e-4, "softmax rows sum to 1");
    }

    @Test
    void theListenerIsSafeUnderConcurrentWorkersAsWithParallelWrapper() throws Exception {
        AtomicInteger steps = new AtomicInteger();
        List<Long> stepNumbers = Collections.synchronizedList(new ArrayList<>());
        Hook h = new Hook() {
            @Override
            public CaptureRequest request(long step, int epoch) {
                return CaptureRequest.weights(LayerSelector.all()).withGradients().merge(CaptureRequest.activations(LayerSelector.all(), 2));
            }

            @Override
            public void onStepEnd(TrainingEvent e) {
                // conv1, conv2, bn2, fc1 and out have parameters; DL4J's listener sees every layer but the output
                if (e.snapshot().weights().size() == 5 && e.snapshot().gradients().size() == 5
                        && e.snapshot().activations().size() == 7) {
                    steps.incrementAndGet();
                }
                stepNumbers.add(e.step());
            }
        };
        MultiLayerNetwork a = Nets.lenet(), b = Nets.lenet();
        Attachment att = NNViz.attach(a, h);
        TrainingListener shared = a.getListeners().iterator().next();
        b.setListeners(shared); // ParallelWrapper hands the same listener instances to every worker's replica
        Thread ta = new Thread(() -> { for (int i = 0; i < 6; i++) { a.fit(Nets.flatBatch(i)); } });
        Thread tb = new Thread(() -> { for (int i = 0; i < 6; i++) { b.fit(Nets.flatBatch(i + 10)); } });
        ta.start();
        tb.start();
        ta.join();
        tb.join();
        att.close();
        assertEquals(12, steps.get());
        assertEquals(0, att.hookErrors());
        assertEquals(12, att.stepsSeen());
        Collections.sort(stepNumbers);
        assertEquals(List.of(1L, 1L, 2L, 2L, 3L, 3L, 4L, 4L, 5L, 5L, 6L, 6L), stepNumbers);
    }

    @Test
    void capabilitiesIncludeGradients() {
        assertTrue(model().capabilities().contains(Capability.INPUT_GRADIENT));
        assertTrue(model().capabilities().contains(Capability.LAYER_GRADIENT));
    }
}
