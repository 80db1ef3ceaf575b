package io.nnviz.backend.tensorflow;

import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.Hook;
import io.nnviz.testkit.ModelContractKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The api's contract kit on a real TensorFlow graph trained on Fashion-MNIST. Oracles fetch from
 * the session by op name and map canonical indices to TensorFlow's layouts themselves (HWIO
 * kernels, [in, out] matrices, NHWC activations).
 */
@Tag("natives")
abstract class TfContractBase extends ModelContractKit {
    private static final Map<Class<?>, TfNets> TRAINED = new LinkedHashMap<>();

    /** A new network of the kind under test. */
    protected abstract TfNets build();

    /** Layer ids the oracle answers for, to the op each one's activation is fetched from. */
    protected abstract Map<String, String> activationOps();

    /** The trained network, built and trained once per test class. */
    protected TfNets trained() {
        return TRAINED.computeIfAbsent(getClass(), c -> {
            TfNets n = build();
            for (int i = 0; i < 20; i++) {
                n.fit(i);
            }
            return n;
        });
    }

    @AfterAll
    static void closeNets() {
        TRAINED.values().forEach(TfNets::close);
        TRAINED.clear();
    }

    @Override
    protected ModelView openModel() {
        return NNViz.inspect(trained().handle());
    }

    @Override
    protected long frameworkParameterCount() {
        return trained().variableCount();
    }

    /** The canonical input as TensorFlow takes it (NCHW images to NHWC). */
    protected TFloat32 toTf(Tensor canonical) {
        Tensor t = canonical.rank() == 4 ? canonical.permute(0, 2, 3, 1) : canonical;
        long[] shape = new long[t.rank()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.shape().dim(i);
        }
        return TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(shape), DataBuffers.of(t.toArray(), true, false));
    }

    private static long[] longs(int... idx) {
        long[] l = new long[idx.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = idx[i];
        }
        return l;
    }

    @Override
    protected WeightOracle frameworkWeights() {
        return (LayerInfo layer, WeightSpec spec, int[] idx) -> {
            try (Result r = trained().session.runner().fetch(spec.name()).run()) {
                TFloat32 v = (TFloat32) r.get(0);
                if (idx.length == 4) { // canonical OIHW, TensorFlow HWIO
                    return v.getFloat(idx[2], idx[3], idx[1], idx[0]);
                }
                if (idx.length == 2 && (spec.role() == WeightRole.KERNEL || spec.role() == WeightRole.INPUT_KERNEL
                        || spec.role() == WeightRole.RECURRENT_KERNEL)) {
                    return v.getFloat(idx[1], idx[0]); // canonical [out, in], TensorFlow [in, out]
                }
                return v.getFloat(longs(idx));
            }
        };
    }

    @Override
    protected ActivationOracle frameworkActivations(Tensor input) {
        Map<String, String> ops = activationOps();
        return ActivationOracle.of(ops.keySet(), (layerId, idx) -> {
            try (TFloat32 x = toTf(input);
                 Result r = trained().session.runner().feed(trained().input, x).fetch(ops.get(layerId)).run()) {
                TFloat32 a = (TFloat32) r.get(0);
                if (idx.length == 4) { // canonical NCHW, TensorFlow NHWC
                    return a.getFloat(idx[0], idx[2], idx[3], idx[1]);
                }
                return a.getFloat(longs(idx));
            }
        });
    }

    @Override
    protected Attachment train(int steps, Hook... hooks) {
        try (TfNets net = build()) {
            TfModel model = (TfModel) NNViz.inspect(net.handle());
            TfTraining training = TfTraining.attach(model, net.loss, hooks);
            for (int i = 0; i < steps; i++) {
                try (TFloat32 x = net.features(i); TFloat32 y = net.targets(i);
                     Result r = training.run(net.session.runner().feed(net.input, x).feed(net.labels, y).addTarget(net.train))) {
                    assertEquals(training.stepsSeen(), i + 1);
                }
            }
            training.close();
            model.close();
            return training;
        }
    }

    /** Checks the input gradient of output unit {@code target} against central finite differences of the output op. */
    protected void assertInputGradientMatchesFiniteDifferences(Tensor input, String logitsOp, int target) {
        // float32 graph: a looser tolerance than in float64; a small step crosses few ReLU or max-pool switches
        try {
            io.nnviz.testkit.FiniteDifferences.assertMatches(input, model().inputGradient(input, target),
                    x -> logit(Tensor.of(x, input.shape().toArray()), logitsOp, target), 1e-3, 2e-2, 5);
        } catch (RuntimeException | AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private double logit(Tensor moved, String logitsOp, int target) {
        try (TFloat32 x = toTf(moved); Result r = trained().session.runner().feed(trained().input, x).fetch(logitsOp).run()) {
            TFloat32 out = (TFloat32) r.get(0);
            double s = 0;
            for (long n = 0; n < out.shape().size(0); n++) {
                s += out.getFloat(n, target);
            }
            return s;
        }
    }

    @Test
    void theSessionsDevicesAreReported() {
        assertTrue(model().properties().get("devices").contains("CPU"), model().properties().toString());
        assertEquals("TensorFlow", model().framework());
    }
}
