package io.nnviz.backend.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import io.nnviz.NNViz;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.testkit.AttributionChecks;
import io.nnviz.api.attribution.IntegratedGradients;
import java.util.List;
import io.nnviz.testkit.Corpus;
import io.nnviz.testkit.FashionMnist;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 18's attribution checks on DJL: Integrated Gradients complete within 1% at 64 steps on real
 * TorchScript models (torchvision's pretrained ResNet-18, and the antispoof classifier), and on a
 * CNN trained here with PyTorch on Fashion-MNIST the deletion areas of Integrated Gradients and
 * Grad-CAM below a random map's. Along the stored image's path ResNet-18's logit turns out exactly
 * linear (no ReLU changes state between the black image and the input: measured at five points),
 * so its sum is exact to float precision; antispoof's path bends, and is the harder check.
 */
@Tag("natives")
class AttributionTest {
    /** Conv 16, max-pool, conv 32, conv 32 (padded), global average pooling, dense 10: a classifier of today's shape. */
    private static SequentialBlock gapCnn() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(16).build()).add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(32).build()).add(Activation.reluBlock())
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(32).build()).add(Activation.reluBlock())
                .add(Pool.globalAvgPool2dBlock()).add(Linear.builder().setUnits(10).build());
    }

    /** The first {@code n} Fashion-MNIST training images and their labels, in batches of {@code batch}, in {@code t}'s manager. */
    private static ArrayDataset fashion(Trainer t, int n, int batch, boolean shuffle) throws java.io.IOException {
        FashionMnist d = FashionMnist.trainCached(n);
        float[] labels = new float[d.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = d.label(i);
        }
        NDArray x = t.getManager().create(d.batch(0, d.size()), new Shape(d.size(), 1, 28, 28));
        return new ArrayDataset.Builder().setData(x).optLabels(t.getManager().create(labels)).setSampling(batch, shuffle).build();
    }

    @Test
    void integratedGradientsAndGradCamBeatARandomAttributionAtDeletionOnATrainedCnn() throws Exception {
        ai.djl.engine.Engine.getInstance().setRandomSeed(1234);
        try (ai.djl.Model dm = ai.djl.Model.newInstance("gap-cnn")) {
            dm.setBlock(gapCnn());
            try (Trainer t = dm.newTrainer(SmallNets.config(1e-3f))) {
                t.initialize(new Shape(32, 1, 28, 28));
                ArrayDataset data = fashion(t, 1024, 32, true);
                int steps = 0;
                while (steps < 300) {
                    for (Batch b : t.iterateDataset(data)) {
                        if (steps++ < 300) {
                            EasyTrain.trainBatch(t, b);
                            t.step();
                        }
                        b.close();
                    }
                }
            }
            try (ModelView m = NNViz.inspect(dm)) {
                System.out.println("GAP CNN (DJL, PyTorch), 300 steps: " + AttributionChecks.assertFaithful(m, AttributionChecks.testImages(16)));
                AttributionChecks.assertShuffledCopy(m, AttributionChecks.testImages(1).get(0));
                System.out.println("GAP CNN (DJL, PyTorch): " + AttributionChecks.assertSane(m, AttributionChecks.testImages(8)));
                Tensor x = AttributionChecks.testImages(1).get(0);
                System.out.printf("GAP CNN (DJL, PyTorch): gradient sums in libtorch against Java's, %.1e apart%n",
                        AttributionChecks.assertSumsAsJavaDoes(m, x, AttributionChecks.predicted(m, x)));
            }
        }
    }

    /**
     * An attribution taken on a block while it trains (a recorder's probe, between the step's
     * backward pass and its update) differentiates to the input only: the parameters' gradients
     * the trainer is about to apply are the same, value for value, before and after it.
     */
    @Test
    void anAttributionBetweenBackwardAndStepLeavesTheTrainingGradientsAlone() throws Exception {
        ai.djl.engine.Engine.getInstance().setRandomSeed(7);
        try (ai.djl.Model dm = ai.djl.Model.newInstance("gap-cnn")) {
            dm.setBlock(gapCnn());
            try (Trainer t = dm.newTrainer(SmallNets.config(1e-3f))) {
                t.initialize(new Shape(8, 1, 28, 28));
                ArrayDataset data = fashion(t, 8, 8, false);
                for (Batch b : t.iterateDataset(data)) {
                    EasyTrain.trainBatch(t, b); // forward and backward: the gradients wait for t.step()
                    b.close();
                }
                List<float[]> before = new java.util.ArrayList<>();
                for (var p : dm.getBlock().getParameters()) {
                    before.add(p.getValue().getArray().getGradient().toFloatArray());
                }
                try (ModelView m = NNViz.inspect(dm)) {
                    IntegratedGradients.of(m).steps(8).attribute(AttributionChecks.testImages(1).get(0), 3);
                }
                int i = 0;
                for (var p : dm.getBlock().getParameters()) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(before.get(i++), p.getValue().getArray().getGradient().toFloatArray(),
                            p.getKey() + "'s gradient");
                }
            }
        }
    }

    @Test
    @Tag("corpus")
    void integratedGradientsIsCompleteOnRealModels() throws Exception {
        for (String name : new String[] {"resnet18", "antispoof"}) {
            Tensor x = Corpus.tensor("torchscript/" + name + ".input.npy");
            try (ModelView m = NNViz.load(Corpus.file("torchscript/" + name + ".pt"))) {
                int t = AttributionChecks.predicted(m, x);
                System.out.printf("%s (DJL, TorchScript): IG relative delta %.2e at 64 steps%n", name, AttributionChecks.assertComplete(m, x, t));
                System.out.printf("%s (DJL, TorchScript): gradient sums in libtorch against Java's, %.1e apart%n", name,
                        AttributionChecks.assertSumsAsJavaDoes(m, x, t));
            }
        }
    }

    /** Real TorchScript files loaded again with shuffled parameters: the copy computes something else, the original does not change. */
    @Test
    @Tag("corpus")
    void realTorchScriptModelsAreRandomisedInACopy() throws Exception {
        for (String name : new String[] {"resnet18", "antispoof"}) {
            Tensor x = Corpus.tensor("torchscript/" + name + ".input.npy");
            try (ModelView m = NNViz.load(Corpus.file("torchscript/" + name + ".pt"))) {
                AttributionChecks.assertShuffledCopy(m, x);
                var r = io.nnviz.api.attribution.ModelRandomization.of(m).cascadeSteps(3)
                        .cascading(mm -> io.nnviz.api.attribution.SmoothGrad.of(mm).samples(4), x, AttributionChecks.predicted(m, x));
                r.steps().forEach(st -> System.out.printf("%s (DJL, TorchScript): %d layers randomised, SmoothGrad rank correlation %.3f%n",
                        name, st.randomized().size(), st.rankCorrelation()));
            }
        }
    }
}
