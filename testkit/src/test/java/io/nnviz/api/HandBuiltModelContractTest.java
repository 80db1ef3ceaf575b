package io.nnviz.api;

import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.ManualTraining;
import io.nnviz.testkit.ModelContractKit;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hand-built model path passes the same contract as every backend. */
class HandBuiltModelContractTest extends ModelContractKit {
    private final TinyMlp net = new TinyMlp();

    @Override
    protected ModelView openModel() {
        return net.describe();
    }

    @Override
    protected Tensor sampleInput() {
        return Tensor.of(net.batch(5, new int[5]), 5, TinyMlp.IN);
    }

    @Override
    protected long frameworkParameterCount() {
        return net.w1.length + net.b1.length + net.w2.length + net.b2.length;
    }

    @Override
    protected WeightOracle frameworkWeights() {
        return (layer, spec, idx) -> {
            float[] src = switch (layer.id() + "/" + spec.name()) {
                case "fc1/W" -> net.w1;
                case "fc1/b" -> net.b1;
                case "out/W" -> net.w2;
                case "out/b" -> net.b2;
                default -> throw new AssertionError(layer.id() + "/" + spec.name());
            };
            int cols = spec.shape().rank() == 2 ? spec.shape().dim(1) : 1;
            return src[idx[0] * cols + (idx.length == 2 ? idx[1] : 0)];
        };
    }

    @Override
    protected ActivationOracle frameworkActivations(Tensor input) {
        int n = input.shape().dim(0);
        float[][] f = net.forward(input.toArray(), n);
        return new ActivationOracle() {
            @Override
            public Set<String> layerIds() {
                return Set.of("fc1", "out");
            }

            @Override
            public double value(String layerId, int[] idx) {
                return layerId.equals("fc1") ? f[0][idx[0] * TinyMlp.HIDDEN + idx[1]] : f[1][idx[0] * TinyMlp.OUT + idx[1]];
            }
        };
    }

    @Override
    protected Attachment train(int steps, Hook... hooks) {
        TinyMlp trainee = new TinyMlp();
        ManualTraining t = ManualTraining.start(trainee.describe(), hooks);
        for (int i = 0; i < steps; i++) {
            int[] y = new int[16];
            float[] x = trainee.batch(16, y);
            double loss = trainee.step(x, y, 0.1f);
            t.stepEnd(loss, trainee::capture);
        }
        t.close();
        return t;
    }

    @Test
    void theHandWrittenNetworkReallyLearns() {
        TinyMlp trainee = new TinyMlp();
        double first = 0, last = 0;
        for (int i = 0; i < 300; i++) {
            int[] y = new int[32];
            double loss = trainee.step(trainee.batch(32, y), y, 0.1f);
            if (i < 10) {
                first += loss;
            }
            if (i >= 290) {
                last += loss;
            }
        }
        assertTrue(last < first * 0.3, "loss went from " + first / 10 + " to " + last / 10);
    }

    @Test
    void inputGradientAgreesWithFiniteDifferences() {
        Tensor x = sampleInput();
        try (ModelView m = net.describe()) {
            Tensor g = m.inputGradient(x, 1);
            float[] base = x.toArray();
            double eps = 1e-3;
            for (int i = 0; i < 8; i++) {
                float[] plus = base.clone(), minus = base.clone();
                plus[i] += eps;
                minus[i] -= eps;
                double fp = sumOfOutput(m, Tensor.of(plus, x.shape().toArray()), 1);
                double fm = sumOfOutput(m, Tensor.of(minus, x.shape().toArray()), 1);
                double numeric = (fp - fm) / (2 * eps);
                org.junit.jupiter.api.Assertions.assertEquals(numeric, g.getFlat(i), 5e-3, "input element " + i);
            }
        }
    }

    private static double sumOfOutput(ModelView m, Tensor x, int target) {
        Tensor out = m.activations(x, java.util.List.of("out")).get("out");
        double s = 0;
        for (int n = 0; n < out.shape().dim(0); n++) {
            s += out.get(n, target);
        }
        return s;
    }
}
