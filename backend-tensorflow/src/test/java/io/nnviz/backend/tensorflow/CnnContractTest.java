package io.nnviz.backend.tensorflow;

import io.nnviz.api.Edge;
import io.nnviz.api.Layer;
import io.nnviz.api.LayerGradient;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.NNViz;
import io.nnviz.api.Tensor;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A CNN built with the Ops API and trained briefly on Fashion-MNIST. */
class CnnContractTest extends TfContractBase {
    @Override
    protected TfNets build() {
        return TfNets.cnn();
    }

    @Override
    protected Tensor sampleInput() {
        return Tensor.of(TfNets.data().batch(100, 102), 2, 1, 28, 28);
    }

    @Override
    protected Map<String, String> activationOps() {
        return Map.of("conv1", "conv1/Relu", "pool1", "pool1/MaxPool", "conv2", "conv2/Relu", "fc1", "fc1/Relu",
                "logits", "logits/Add");
    }

    @Test
    void opsBecomeTheLayersAUserRecognises() {
        List<Layer> ls = model().layers();
        assertEquals(List.of("images", "conv1", "pool1", "conv2", "pool2", "flatten", "fc1", "logits"),
                ls.stream().map(Layer::id).toList());
        assertEquals(List.of(LayerKind.INPUT, LayerKind.CONV, LayerKind.POOL, LayerKind.CONV, LayerKind.POOL, LayerKind.RESHAPE,
                LayerKind.DENSE, LayerKind.OUTPUT), ls.stream().map(Layer::kind).toList());
        Layer conv1 = model().layer("conv1").orElseThrow();
        assertEquals(Shape.of(-1, 8, 24, 24), conv1.outputShape(), "NCHW");
        assertEquals(Shape.of(8, 1, 5, 5), conv1.weights().get(0).shape(), "OIHW");
        assertEquals(Shape.of(32, 256), model().layer("fc1").orElseThrow().weights().get(0).shape(), "[out, in]");
        assertTrue(model().edges().contains(new Edge("pool2", "flatten")));
        assertEquals(Shape.of(-1, 1, 28, 28), ls.get(0).outputShape());
        assertTrue(model().layers().stream().noneMatch(l -> l.id().startsWith("gradients") || l.id().contains("Adam")),
                "optimizer and gradient ops are left out");
    }

    @Test
    void trainingStepsCaptureNchwActivationsInputsAndOutputsWhenAsked() {
        java.util.List<io.nnviz.api.hook.TrainingEvent> events = new java.util.ArrayList<>();
        io.nnviz.api.hook.Hook h = new io.nnviz.api.hook.Hook() {
            @Override
            public io.nnviz.api.hook.CaptureRequest request(long step, int epoch) {
                return step == 2 ? io.nnviz.api.hook.CaptureRequest.activations(
                        io.nnviz.api.hook.LayerSelector.kinds(LayerKind.CONV), 4).withOutputs(4) : io.nnviz.api.hook.CaptureRequest.NONE;
            }

            @Override
            public void onStepEnd(io.nnviz.api.hook.TrainingEvent e) {
                events.add(e);
            }
        };
        io.nnviz.api.hook.Attachment a = train(3, h);
        assertEquals(3, a.stepsSeen());
        assertTrue(a.timeInNnvizNanos() > 0);
        var snap = events.get(1).snapshot();
        assertEquals(Shape.of(4, 8, 24, 24), snap.activations().get("conv1").shape());
        assertEquals(Shape.of(4, 16, 8, 8), snap.activations().get("conv2").shape());
        assertEquals(Shape.of(4, 1, 28, 28), snap.inputs().shape());
        assertEquals(Tensor.of(TfNets.data().batch(32, 36), 4, 1, 28, 28), snap.inputs(), "the second batch's first images");
        assertEquals(Shape.of(4, 10), snap.outputs().shape());
        assertTrue(events.get(0).snapshot().isEmpty() && events.get(2).snapshot().isEmpty());
        assertTrue(Double.isFinite(events.get(2).loss()));
    }

    @Test
    void weightsTransposedByTensorFlowForTrainingEqualTheJavaTransposes() {
        TfModel m = (TfModel) model();
        Tensor conv = m.weights("conv2").get(0).values(), fc = m.weights("fc1").get(0).values();
        m.prepareCanonicalReads();
        assertEquals(conv, m.weights("conv2").get(0).values());
        assertEquals(fc, m.weights("fc1").get(0).values());
    }

    @Test
    void inputGradientMatchesFiniteDifferences() {
        assertInputGradientMatchesFiniteDifferences(sampleInput().head(1), "logits/Add", 3);
    }

    @Test
    void gradCamGetsAConvLayersActivationAndGradient() {
        LayerGradient lg = model().layerGradient(sampleInput(), "conv2", 5);
        assertEquals(Shape.of(2, 16, 8, 8), lg.activation().shape());
        assertEquals(model().activations(sampleInput(), List.of("conv2")).get("conv2"), lg.activation());
        assertTrue(lg.gradient().stats().max() > lg.gradient().stats().min());
        // at the last hidden layer the gradient of a logit is that logit's weight column
        LayerGradient fc = model().layerGradient(sampleInput(), "fc1", 5);
        Tensor w = model().weights("logits").get(0).values(); // [10, 32]
        for (int j = 0; j < 32; j++) {
            assertEquals(w.get(5, j), fc.gradient().get(0, j), 1e-5);
        }
    }

    @Test
    void hookWeightsAreTheSessionsVariablesOfThatStepInCanonicalLayout() throws Exception {
        try (TfNets net = build(); TfModel model = (TfModel) NNViz.inspect(net.handle())) {
            java.util.List<io.nnviz.api.hook.TrainingEvent> seen = new java.util.ArrayList<>();
            io.nnviz.api.hook.Hook hook = weightsAt(2, seen::add);
            Map<String, float[]> before = null, after = null;
            try (TfTraining training = TfTraining.attach(model, net.loss, hook)) {
                for (int i = 0; i < 3; i++) {
                    if (i == 1) {
                        before = variables(net);
                    }
                    TfTraining.Step step = training.step();
                    try (TFloat32 x = net.features(i); TFloat32 y = net.targets(i);
                         Result r = step.runner().feed(net.input, x).feed(net.labels, y).addTarget(net.train).run()) {
                        step.done(r);
                    }
                    if (i == 1) {
                        after = variables(net);
                    }
                }
            }
            var w = seen.get(1).snapshot().weights();
            Tensor conv2 = w.get("conv2").get(0).values(), fc1 = w.get("fc1").get(0).values();
            // HWIO -> OIHW and [in, out] -> [out, in], made when read; the values are the step's, before or after its update
            boolean pre = conv2.equals(Tensor.of(before.get("conv2_kernel"), 5, 5, 8, 16).permute(3, 2, 0, 1));
            boolean post = conv2.equals(Tensor.of(after.get("conv2_kernel"), 5, 5, 8, 16).permute(3, 2, 0, 1));
            assertTrue(pre || post, "conv2 kernel is the session's variable of step 2");
            assertEquals(pre ? Tensor.of(before.get("fc1_kernel"), 256, 32).permute(1, 0) : Tensor.of(after.get("fc1_kernel"), 256, 32)
                    .permute(1, 0), fc1, "fc1 kernel, from the same side of the update");
            assertEquals(Shape.of(16, 8, 5, 5), conv2.shape());
        }
    }

    @Test
    void everyStepsLossArrivesOnceInOrderAndEqualsTheLossTheLoopFetched() throws Exception {
        java.util.List<long[]> order = new java.util.ArrayList<>();
        Map<Long, Double> hookLoss = new java.util.HashMap<>(), loopLoss = new java.util.HashMap<>();
        io.nnviz.api.hook.Hook hook = weightsAt(40, e -> {
            order.add(new long[] {e.step(), e.epoch()});
            hookLoss.put(e.step(), e.loss());
        });
        try (TfNets net = build(); TfModel model = (TfModel) NNViz.inspect(net.handle())) {
            TfTraining training = TfTraining.attach(model, net.loss, hook);
            for (int i = 0; i < 100; i++) {
                if (i == 70) {
                    training.epochEnd();
                }
                TfTraining.Step step = training.step();
                try (TFloat32 x = net.features(i); TFloat32 y = net.targets(i);
                     Result r = step.runner().feed(net.input, x).feed(net.labels, y).addTarget(net.train).fetch(net.loss).run()) {
                    loopLoss.put(step.number(), (double) ((TFloat32) r.get(step.fetchCount())).getFloat());
                    step.done(r);
                }
                if (i == 20) {
                    // most steps fetch nothing for nnviz: their losses wait in the ring
                    assertTrue(order.size() < 21, "delivered " + order.size() + " of 21 so far");
                }
            }
            training.close();
        }
        assertEquals(100, order.size(), "every step once");
        for (int i = 0; i < order.size(); i++) {
            assertEquals(i + 1, order.get(i)[0], "in order");
            assertEquals(i < 70 ? 0 : 1, order.get(i)[1], "the epoch of step " + (i + 1));
        }
        for (long s = 1; s <= 100; s++) {
            assertEquals(loopLoss.get(s), hookLoss.get(s), 1e-6, "the loss of step " + s);
        }
    }

    /** A hook that asks for every layer's weights at {@code step} only, and hands every event to {@code sink}. */
    private static io.nnviz.api.hook.Hook weightsAt(long step, java.util.function.Consumer<io.nnviz.api.hook.TrainingEvent> sink) {
        return new io.nnviz.api.hook.Hook() {
            @Override
            public io.nnviz.api.hook.CaptureRequest request(long s, int epoch) {
                return s == step ? io.nnviz.api.hook.CaptureRequest.weights(io.nnviz.api.hook.LayerSelector.all())
                        : io.nnviz.api.hook.CaptureRequest.NONE;
            }

            @Override
            public void onStepEnd(io.nnviz.api.hook.TrainingEvent e) {
                sink.accept(e);
            }
        };
    }

    private static Map<String, float[]> variables(TfNets net) {
        Map<String, float[]> out = new java.util.HashMap<>();
        for (String v : new String[] {"conv2_kernel", "fc1_kernel"}) {
            try (Result r = net.session.runner().fetch(v).run()) {
                TFloat32 t = (TFloat32) r.get(0);
                float[] f = new float[(int) t.shape().size()];
                t.asRawTensor().data().asFloats().read(f);
                out.put(v, f);
            }
        }
        return out;
    }
}
