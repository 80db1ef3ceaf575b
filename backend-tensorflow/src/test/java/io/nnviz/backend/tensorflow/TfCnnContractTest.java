package io.nnviz.backend.tensorflow;

import io.nnviz.NNViz;
import io.nnviz.api.Edge;
import io.nnviz.api.LayerGradient;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.testkit.Hooks;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A CNN built with the Ops API and trained briefly on Fashion-MNIST. */
class TfCnnContractTest extends TfContractBase {
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
        List<LayerInfo> ls = model().layers();
        assertEquals(List.of("images", "conv1", "pool1", "conv2", "pool2", "flatten", "fc1", "logits"),
                ls.stream().map(LayerInfo::id).toList());
        assertEquals(List.of(LayerKind.INPUT, LayerKind.CONV, LayerKind.POOL, LayerKind.CONV, LayerKind.POOL, LayerKind.RESHAPE,
                LayerKind.DENSE, LayerKind.OUTPUT), ls.stream().map(LayerInfo::kind).toList());
        LayerInfo conv1 = model().layer("conv1").orElseThrow();
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
        io.nnviz.api.hook.Hook h = Hooks.asking(step -> step == 2 ? io.nnviz.api.hook.CaptureRequest.activations(
                io.nnviz.api.hook.LayerSelector.kinds(LayerKind.CONV), 4).withOutputs(4) : io.nnviz.api.hook.CaptureRequest.NONE, events::add);
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
    void hookWeightsAreTheSessionsVariablesAfterThatStepsUpdateInCanonicalLayout() throws Exception {
        try (TfNets net = build(); TfModel model = (TfModel) NNViz.inspect(net.handle())) {
            java.util.List<io.nnviz.api.hook.TrainingEvent> seen = new java.util.ArrayList<>();
            io.nnviz.api.hook.Hook hook = weightsAt(java.util.Set.of(2L, 4L), seen::add);
            Map<String, float[]> after2 = null, after4 = null;
            try (TfTraining training = TfTraining.attach(model, hook)) { // the push form: the loop's own run, then step(loss)
                for (int i = 0; i < 6; i++) {
                    try (TFloat32 x = net.features(i); TFloat32 y = net.targets(i);
                         Result r = net.session.runner().feed(net.input, x).feed(net.labels, y).fetch(net.loss).addTarget(net.train).run()) {
                        training.stepEnd(((TFloat32) r.get(0)).getFloat());
                    }
                    if (i == 1) {
                        after2 = variables(net);
                    }
                    if (i == 3) {
                        after4 = variables(net);
                    }
                    if (i == 4) {
                        // step 4's copies are still unread: read them on another thread while training goes on
                        Tensor conv2 = seen.get(3).snapshot().weights().get("conv2").get(0).values();
                        var reader = java.util.concurrent.Executors.newSingleThreadExecutor();
                        try {
                            assertEquals(Tensor.of(after4.get("conv2_kernel"), 5, 5, 8, 16).permute(3, 2, 0, 1),
                                    reader.submit(() -> conv2.load()).get(), "step 4's conv2 kernel, read on another thread");
                        } finally {
                            reader.shutdown();
                        }
                    }
                }
            }
            // step 2's copies were never read by the hook: the next sampled step made them exist, so they are still step 2's
            var w = seen.get(1).snapshot().weights();
            Tensor conv2 = w.get("conv2").get(0).values(), fc1 = w.get("fc1").get(0).values();
            assertEquals(Tensor.of(after2.get("conv2_kernel"), 5, 5, 8, 16).permute(3, 2, 0, 1), conv2, "HWIO -> OIHW, after step 2");
            assertEquals(Tensor.of(after2.get("fc1_kernel"), 256, 32).permute(1, 0), fc1, "[in, out] -> [out, in], after step 2");
            assertEquals(Shape.of(16, 8, 5, 5), conv2.shape());
            assertNotEquals(conv2, seen.get(3).snapshot().weights().get("conv2").get(0).values(), "training moved on");
            assertEquals(Tensor.of(after4.get("fc1_kernel"), 256, 32).permute(1, 0), seen.get(3).snapshot().weights().get("fc1").get(0).values(),
                    "step 4's fc1 kernel, unread until close");
        }
    }

    @Test
    void sampledActivationsEqualAPlainForwardOfThoseImagesWithTheStepsWeights() throws Exception {
        try (TfNets net = build(); TfModel model = (TfModel) NNViz.inspect(net.handle())) {
            java.util.List<io.nnviz.api.hook.TrainingEvent> seen = new java.util.ArrayList<>();
            io.nnviz.api.hook.Hook hook = Hooks.asking(step -> step == 3
                    ? io.nnviz.api.hook.CaptureRequest.activations(io.nnviz.api.hook.LayerSelector.all(), 3) : io.nnviz.api.hook.CaptureRequest.NONE,
                    seen::add);
            Map<String, Tensor> expected = null;
            try (TfTraining training = TfTraining.attach(model, net.loss, hook)) {
                for (int i = 0; i < 4; i++) {
                    if (i == 2) { // the forward pass of step 3 uses the weights before its update: these
                        Tensor images = Tensor.of(TfNets.data().batch(2 * 32, 2 * 32 + 3), 3, 1, 28, 28);
                        expected = model.activations(images, model.layers().stream().map(LayerInfo::id).toList());
                    }
                    try (TFloat32 x = net.features(i); TFloat32 y = net.targets(i);
                         Result r = training.run(net.session.runner().feed(net.input, x).feed(net.labels, y).addTarget(net.train))) {
                        assertEquals(i == 2 ? 1 + model.layers().size() : 1, r.size(), "nnviz fetches the loss, and at step 3 the inputs and every layer");
                    }
                }
            }
            Map<String, Tensor> acts = seen.get(2).snapshot().activations();
            for (String layer : new String[] {"conv1", "pool1", "conv2", "fc1", "logits"}) {
                Tensor a = acts.get(layer), e = expected.get(layer);
                assertEquals(e.shape(), a.shape(), layer);
                for (int k = 0; k < a.size(); k++) {
                    assertEquals(e.getFlat(k), a.getFlat(k), 1e-4, layer + " value " + k);
                }
            }
            assertEquals(Shape.of(3, 8, 24, 24), acts.get("conv1").shape(), "3 samples, NCHW");
        }
    }

    @Test
    void runKeepsTheLoopsFetchIndicesAndDeliversEveryLossAtOnceInOrder() throws Exception {
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
                try (TFloat32 x = net.features(i); TFloat32 y = net.targets(i);
                     Result r = training.run(net.session.runner().feed(net.input, x).feed(net.labels, y).addTarget(net.train)
                             .fetch(net.loss).fetch(net.output))) { // the loop fetches the loss too: no name collision
                    loopLoss.put(training.stepsSeen(), (double) ((TFloat32) r.get(0)).getFloat());
                    assertEquals(org.tensorflow.ndarray.Shape.of(32, 10), r.get(1).shape(), "the loop's own fetches keep indices 0 and 1");
                }
                assertEquals(i + 1, order.size(), "step " + (i + 1) + " is delivered when its run returns");
            }
            training.close();
        }
        for (int i = 0; i < order.size(); i++) {
            assertEquals(i + 1, order.get(i)[0], "in order");
            assertEquals(i < 70 ? 0 : 1, order.get(i)[1], "the epoch of step " + (i + 1));
        }
        for (long s = 1; s <= 100; s++) {
            assertEquals(loopLoss.get(s), hookLoss.get(s), 1e-6, "the loss of step " + s);
        }
    }

    @Test
    void validateOnRunsTheGraphsOwnLossOverTheFeedsAtEachEpochEnd() throws Exception {
        java.util.List<io.nnviz.api.hook.TrainingEvent> epochs = new java.util.ArrayList<>();
        io.nnviz.api.hook.Hook hook = new io.nnviz.api.hook.Hook() {
            @Override
            public void onEpochEnd(io.nnviz.api.hook.TrainingEvent e) {
                epochs.add(e);
            }
        };
        try (TfNets net = build(); TfModel model = (TfModel) NNViz.inspect(net.handle());
             TFloat32 x1 = net.features(50); TFloat32 y1 = net.targets(50); TFloat32 x2 = net.features(51); TFloat32 y2 = net.targets(51)) {
            java.util.List<Map<String, TFloat32>> held = java.util.List.of(Map.of(net.input, x1, net.labels, y1), Map.of(net.input, x2, net.labels, y2));
            try (TfTraining training = TfTraining.attach(model, net.loss, hook).validateOn(held)) {
                for (int i = 0; i < 10; i++) {
                    net.fit(i);
                    training.stepEnd(0.0);
                }
                training.epochEnd(Map.of("train_Accuracy", 0.5));
            }
            double loss = 0, right = 0;
            for (Map<String, TFloat32> b : held) {
                try (Result r = net.session.runner().feed(net.input, b.get(net.input)).feed(net.labels, b.get(net.labels))
                        .fetch(net.loss).fetch(net.output).run()) {
                    loss += ((TFloat32) r.get(0)).getFloat() / 2;
                    TFloat32 out = (TFloat32) r.get(1), y = b.get(net.labels);
                    for (int i = 0; i < TfNets.BATCH; i++) {
                        int best = 0, want = 0;
                        for (int k = 1; k < 10; k++) {
                            best = out.getFloat(i, k) > out.getFloat(i, best) ? k : best;
                            want = y.getFloat(i, k) > y.getFloat(i, want) ? k : want;
                        }
                        right += best == want ? 1 : 0;
                    }
                }
            }
            Map<String, Double> m = epochs.get(0).metrics();
            assertEquals(loss, m.get("validation/loss"), 1e-5, "the graph's loss, averaged over both batches");
            assertEquals(right / (2 * TfNets.BATCH), m.get("validation/accuracy"), 1e-12);
            assertEquals(0.5, m.get("train/accuracy"), "the loop's own name, canonical");
        }
    }

    @Test
    void thePushFormTakesActivationsFromWhatTheLoopFetchedAndAttachesToABareSession() throws Exception {
        java.util.List<io.nnviz.api.hook.TrainingEvent> seen = new java.util.ArrayList<>();
        io.nnviz.api.hook.Hook hook = Hooks.asking(step -> step == 2
                ? io.nnviz.api.hook.CaptureRequest.activations(io.nnviz.api.hook.LayerSelector.names("conv1", "fc1"), 2)
                : io.nnviz.api.hook.CaptureRequest.NONE, seen::add);
        try (TfNets net = build();
             io.nnviz.api.hook.Attachment a = NNViz.attach(net.session, hook)) { // no names given: nnviz finds input and output
            TfTraining training = (TfTraining) a;
            assertEquals(net.input, training.model().properties().get("input op"));
            assertEquals(net.output, training.model().properties().get("output op"));
            Map<String, Tensor> expected = null;
            for (int i = 0; i < 3; i++) {
                Session.Runner runner = net.session.runner().feed(net.input, net.features(i)).feed(net.labels, net.targets(i))
                        .fetch(net.loss).addTarget(net.train);
                java.util.List<String> wanted = training.wanted();
                assertEquals(i == 1 ? 2 : 0, wanted.size(), "step " + (i + 1) + " wants " + wanted);
                wanted.forEach(runner::fetch);
                if (i == 1) {
                    Tensor images = Tensor.of(TfNets.data().batch(32, 34), 2, 1, 28, 28);
                    expected = training.model().activations(images, java.util.List.of("conv1", "fc1"));
                }
                try (Result r = runner.run()) {
                    training.stepEnd(((TFloat32) r.get(0)).getFloat(), Map.of("train/accuracy", 0.5), r);
                }
            }
            assertEquals(expected.get("conv1"), seen.get(1).snapshot().activations().get("conv1"), "2 samples, NCHW, as a plain forward");
            assertEquals(expected.get("fc1"), seen.get(1).snapshot().activations().get("fc1"));
            assertEquals(0.5, seen.get(2).metrics().get("train/accuracy"));
            assertTrue(training.wanted().isEmpty());
        }
    }

    /** A hook that asks for every layer's weights at {@code step} only, and hands every event to {@code sink}. */
    private static io.nnviz.api.hook.Hook weightsAt(long step, java.util.function.Consumer<io.nnviz.api.hook.TrainingEvent> sink) {
        return weightsAt(java.util.Set.of(step), sink);
    }

    /** A hook that asks for every layer's weights at {@code steps}, and hands every event to {@code sink}. */
    private static io.nnviz.api.hook.Hook weightsAt(java.util.Set<Long> steps, java.util.function.Consumer<io.nnviz.api.hook.TrainingEvent> sink) {
        return Hooks.asking(s -> steps.contains(s) ? io.nnviz.api.hook.CaptureRequest.weights(io.nnviz.api.hook.LayerSelector.all())
                : io.nnviz.api.hook.CaptureRequest.NONE, sink);
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
