package io.nnviz.testkit;

import io.nnviz.api.Capability;
import io.nnviz.api.Edge;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelClosedException;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.LayerSelector;
import io.nnviz.api.hook.TrainingEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.ToDoubleBiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The contract every {@link ModelView} must keep, written once and run against each backend (like
 * Micrometer's {@code MeterRegistryCompatibilityKit}). A backend's test extends this class with a
 * real model of its framework and answers a few questions with the framework's own API; the kit
 * checks structure, canonical layouts, weight and activation values, errors, closing and hooks.
 *
 * <p>Oracles take canonical indices and must answer from the framework itself, doing their own
 * layout mapping (for example DL4J dense {@code W.getDouble(in, out)} for canonical {@code [out, in]}),
 * so a layout bug in the backend shows up as a value mismatch.
 */
public abstract class ModelContractKit {

    /** Answers a weight value from the framework itself. */
    @FunctionalInterface
    public interface WeightOracle {
        /** The framework's value of weight {@code spec} of {@code layer} at a canonical index. */
        double value(LayerInfo layer, WeightSpec spec, int[] canonicalIndex);
    }

    /** Answers activation values from the framework's own forward pass for one input. */
    public interface ActivationOracle {
        /** The layers this oracle can answer for. */
        Set<String> layerIds();

        /** The framework's activation of {@code layerId} at a canonical index. */
        double value(String layerId, int[] canonicalIndex);

        /** An oracle for {@code layerIds} answering with {@code value}. */
        static ActivationOracle of(Set<String> layerIds, ToDoubleBiFunction<String, int[]> value) {
            return new ActivationOracle() {
                @Override
                public Set<String> layerIds() {
                    return layerIds;
                }

                @Override
                public double value(String layerId, int[] canonicalIndex) {
                    return value.applyAsDouble(layerId, canonicalIndex);
                }
            };
        }
    }

    /** A fresh model of the backend under test, opened through nnviz. */
    protected abstract ModelView openModel() throws Exception;

    /** An input batch (at least one sample) in canonical layout. */
    protected abstract Tensor sampleInput();

    /** The framework's own total parameter count. */
    protected abstract long frameworkParameterCount();

    /** Reads weights from the framework. */
    protected abstract WeightOracle frameworkWeights();

    /** Runs the framework's own forward pass on {@code input}. */
    protected abstract ActivationOracle frameworkActivations(Tensor input);

    /**
     * Attaches {@code hooks} through nnviz, runs {@code steps} real training steps, closes the
     * attachment and returns it.
     */
    protected abstract Attachment train(int steps, Hook... hooks) throws Exception;

    /** Relative tolerance for activation values; backends with fused kernels may need more. */
    protected double activationTolerance() {
        return 1e-4;
    }

    private ModelView model;

    @BeforeEach
    void openForKit() throws Exception {
        model = openModel();
        assertNotNull(model, "openModel() returned null");
    }

    @AfterEach
    void closeForKit() {
        if (model != null) {
            model.close();
        }
    }

    /** The model opened for the current test. */
    protected ModelView model() {
        return model;
    }

    @Test
    void layerIdsAreUniqueAndEdgesNameLayers() {
        Set<String> ids = new HashSet<>();
        for (LayerInfo l : model.layers()) {
            assertTrue(ids.add(l.id()), "duplicate layer id " + l.id());
        }
        assertFalse(ids.isEmpty(), "a model with no layers");
        for (Edge e : model.edges()) {
            assertTrue(ids.contains(e.from()), "edge from unknown layer " + e);
            assertTrue(ids.contains(e.to()), "edge to unknown layer " + e);
        }
    }

    @Test
    void layersAreInTopologicalOrder() {
        Map<String, Integer> pos = new HashMap<>();
        List<LayerInfo> layers = model.layers();
        for (int i = 0; i < layers.size(); i++) {
            pos.put(layers.get(i).id(), i);
        }
        for (Edge e : model.edges()) {
            assertTrue(pos.get(e.from()) < pos.get(e.to()), "edge " + e + " goes backwards in layers()");
        }
        if (layers.size() > 1) {
            assertFalse(model.edges().isEmpty(), "a multi-layer model with no edges");
        }
    }

    @Test
    void parameterCountsAddUpToTheFrameworks() {
        long sum = 0;
        for (LayerInfo l : model.layers()) {
            long own = 0;
            for (WeightSpec w : l.weights()) {
                own += w.size();
            }
            assertEquals(own, l.parameterCount(), "layer " + l.id());
            sum += own;
        }
        assertEquals(frameworkParameterCount(), sum, "sum of layer parameters");
        assertEquals(sum, model.parameterCount());
    }

    @Test
    void weightsHaveTheirSpecsShapesAndCanonicalLayout() {
        if (!model.capabilities().contains(Capability.WEIGHTS)) {
            return;
        }
        int checked = 0;
        for (LayerInfo l : model.layers()) {
            List<WeightTensor> values = model.weights(l.id());
            assertEquals(l.weights().size(), values.size(), "weights of " + l.id());
            for (int i = 0; i < values.size(); i++) {
                WeightSpec spec = l.weights().get(i);
                WeightTensor v = values.get(i);
                assertEquals(spec.shape(), v.values().shape(), l.id() + "/" + spec.name());
                assertEquals(spec.role(), v.role());
                assertEquals(l.id(), v.layerId());
                checkCanonicalKernel(l, spec);
                checked++;
            }
        }
        assertTrue(checked > 0 || model.parameterCount() == 0, "no weights checked");
    }

    private static void checkCanonicalKernel(LayerInfo l, WeightSpec spec) {
        Shape out = l.outputShape();
        if (spec.role() != WeightRole.KERNEL || out == null || out.rank() < 2) {
            return;
        }
        if (l.kind() == LayerKind.CONV && spec.shape().rank() >= 3 && out.rank() == spec.shape().rank()
                && out.dim(1) != Shape.UNKNOWN) {
            // OIHW / OIW: O equals the output's channel dimension (NCHW / NCW)
            assertEquals(out.dim(1), spec.shape().dim(0), "conv kernel of " + l.id() + " is not OIHW: " + spec.shape()
                    + " for output " + out);
        }
        if (l.kind() == LayerKind.DENSE && spec.shape().rank() == 2 && out.rank() == 2 && out.dim(1) != Shape.UNKNOWN) {
            assertEquals(out.dim(1), spec.shape().dim(0), "dense kernel of " + l.id() + " is not [out, in]: "
                    + spec.shape() + " for output " + out);
        }
    }

    @Test
    void weightsEqualTheFrameworksOwnValues() {
        if (!model.capabilities().contains(Capability.WEIGHTS)) {
            return;
        }
        WeightOracle oracle = frameworkWeights();
        Random rnd = new Random(42);
        int compared = 0;
        for (LayerInfo l : model.layers()) {
            List<WeightTensor> values = model.weights(l.id());
            for (int i = 0; i < values.size(); i++) {
                Tensor t = values.get(i).values();
                for (int k = 0; k < Math.min(40, t.size()); k++) {
                    int[] idx = randomIndex(t.shape(), rnd, k);
                    double expected = oracle.value(l, l.weights().get(i), idx);
                    assertEquals(expected, t.get(idx), 1e-6 * Math.max(1, Math.abs(expected)),
                            l.id() + "/" + values.get(i).name() + " at " + Arrays.toString(idx));
                    compared++;
                }
            }
        }
        assertTrue(compared > 0 || model.parameterCount() == 0, "no weight values compared");
    }

    @Test
    void activationsHaveTheDeclaredShapes() {
        if (!model.capabilities().contains(Capability.ACTIVATIONS)) {
            return;
        }
        Tensor input = sampleInput();
        List<String> ids = model.layers().stream().map(LayerInfo::id).toList();
        Map<String, Tensor> acts = model.activations(input, ids);
        assertEquals(new HashSet<>(ids), acts.keySet());
        int n = input.shape().dim(0);
        for (LayerInfo l : model.layers()) {
            Shape declared = l.outputShape();
            if (declared == null) {
                continue;
            }
            Shape actual = acts.get(l.id()).shape();
            assertTrue(declared.withDim(0, n).isCompatibleWith(actual) || declared.isCompatibleWith(actual),
                    "activation of " + l.id() + " has shape " + actual + " but the layer declares " + declared);
        }
    }

    @Test
    void activationsEqualTheFrameworksForwardPass() {
        if (!model.capabilities().contains(Capability.ACTIVATIONS)) {
            return;
        }
        Tensor input = sampleInput();
        ActivationOracle oracle = frameworkActivations(input);
        assertFalse(oracle.layerIds().isEmpty(), "the oracle covers no layer");
        Map<String, Tensor> acts = model.activations(input, new ArrayList<>(oracle.layerIds()));
        Random rnd = new Random(7);
        for (String id : oracle.layerIds()) {
            Tensor t = acts.get(id);
            for (int k = 0; k < Math.min(60, t.size()); k++) {
                int[] idx = randomIndex(t.shape(), rnd, k);
                double expected = oracle.value(id, idx);
                assertEquals(expected, t.get(idx), activationTolerance() * Math.max(1, Math.abs(expected)),
                        "activation of " + id + " at " + Arrays.toString(idx));
            }
        }
    }

    @Test
    void inputGradientHasTheInputsShape() {
        if (!model.capabilities().contains(Capability.INPUT_GRADIENT)) {
            return;
        }
        Tensor input = sampleInput();
        Tensor g = model.inputGradient(input, 0);
        assertEquals(input.shape(), g.shape());
        assertFalse(g.stats().hasNonFinite(), "non-finite gradient");
        assertTrue(g.stats().max() > g.stats().min() || g.stats().max() != 0, "an all-zero input gradient");
    }

    @Test
    void unknownLayerIdIsAClearError() {
        if (!model.capabilities().contains(Capability.ACTIVATIONS)) {
            return;
        }
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> model.activations(sampleInput(), List.of("no-such-layer")));
        assertTrue(e.getMessage().contains("no-such-layer"), e.getMessage());
    }

    @Test
    void wrongInputShapeIsAClearError() {
        if (!model.capabilities().contains(Capability.ACTIVATIONS)) {
            return;
        }
        Tensor wrong = Tensor.zeros(1, 3);
        String last = model.layers().get(model.layers().size() - 1).id();
        NnvizException e = assertThrows(NnvizException.class, () -> model.activations(wrong, List.of(last)));
        assertTrue(e.getMessage().contains("[1, 3]") || e.getMessage().contains("shape"), e.getMessage());
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseFails() {
        ModelView m = model;
        m.close();
        m.close();
        if (m.capabilities().contains(Capability.ACTIVATIONS)) {
            assertThrows(ModelClosedException.class, () -> m.activations(sampleInput(), List.of(m.layers().get(0).id())));
        }
        if (m.capabilities().contains(Capability.WEIGHTS)) {
            assertThrows(ModelClosedException.class, () -> m.weights(m.layers().get(0).id()));
        }
    }

    @Test
    void aThrowingHookNeverReachesTheTrainingLoop() throws Exception {
        Hook thrower = new Hook() {
            @Override
            public CaptureRequest request(long step, int epoch) {
                throw new IllegalStateException("hook bug in request");
            }

            @Override
            public void onStepEnd(TrainingEvent event) {
                throw new IllegalStateException("hook bug in onStepEnd");
            }

            @Override
            public void onTrainingEnd(TrainingEvent event) {
                throw new IllegalStateException("hook bug in onTrainingEnd");
            }
        };
        List<TrainingEvent> seen = new ArrayList<>();
        int[] ends = new int[1];
        Hook recorder = new Hook() {
            @Override
            public void onStepEnd(TrainingEvent event) {
                seen.add(event);
            }

            @Override
            public void onTrainingEnd(TrainingEvent event) {
                ends[0]++;
            }
        };
        Attachment a;
        try {
            a = train(3, thrower, recorder);
        } catch (IllegalStateException e) {
            fail("a hook's exception reached the training loop: " + e);
            return;
        }
        assertEquals(3, seen.size(), "the well-behaved hook must still see every step");
        for (int i = 0; i < seen.size(); i++) {
            assertEquals(i + 1, seen.get(i).step(), "step numbers count from 1");
            assertTrue(Double.isFinite(seen.get(i).loss()), "loss of step " + (i + 1));
        }
        assertEquals(1, ends[0], "onTrainingEnd exactly once");
        assertTrue(a.hookErrors() >= 7, "errors counted: " + a.hookErrors());
        a.close();
    }

    @Test
    void snapshotsArriveOnlyWhenAskedAndMatchTheSpecs() throws Exception {
        List<TrainingEvent> seen = new ArrayList<>();
        Hook hook = new Hook() {
            @Override
            public CaptureRequest request(long step, int epoch) {
                return step == 2 ? CaptureRequest.weights(LayerSelector.all()).withGradients() : CaptureRequest.NONE;
            }

            @Override
            public void onStepEnd(TrainingEvent event) {
                seen.add(event);
            }
        };
        train(3, hook);
        assertEquals(3, seen.size());
        assertTrue(seen.get(0).snapshot().isEmpty(), "step 1 asked for nothing but got a snapshot");
        assertTrue(seen.get(2).snapshot().isEmpty(), "step 3 asked for nothing but got a snapshot");
        Map<String, List<WeightTensor>> w = seen.get(1).snapshot().weights();
        assertFalse(w.isEmpty(), "step 2 asked for weights and got none");
        for (Map.Entry<String, List<WeightTensor>> e : w.entrySet()) {
            LayerInfo l = model.layer(e.getKey()).orElseThrow(() -> new AssertionError("unknown layer " + e.getKey()));
            assertEquals(l.weights().size(), e.getValue().size(), "weights of " + l.id());
            for (int i = 0; i < e.getValue().size(); i++) {
                assertEquals(l.weights().get(i).shape(), e.getValue().get(i).values().shape(), l.id());
            }
            List<WeightTensor> g = seen.get(1).snapshot().gradients().get(e.getKey());
            if (g != null) {
                assertEquals(e.getValue().size(), g.size(), "gradients of " + l.id());
            }
        }
    }

    private static int[] randomIndex(Shape shape, Random rnd, int k) {
        int[] idx = new int[shape.rank()];
        for (int d = 0; d < idx.length; d++) {
            // the first index is the corner, the second the far corner, then random
            idx[d] = k == 0 ? 0 : k == 1 ? shape.dim(d) - 1 : rnd.nextInt(shape.dim(d));
        }
        return idx;
    }
}
