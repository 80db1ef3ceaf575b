package io.nnviz.backend.tensorflow;

import io.nnviz.NNViz;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.testkit.AttributionChecks;
import io.nnviz.testkit.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18's attribution checks on TensorFlow: Integrated Gradients complete on real models (the
 * classifiers of {@code @vladmandic/human}), and on a
 * CNN trained here on Fashion-MNIST the deletion areas of Integrated Gradients and Grad-CAM below a
 * random map's.
 */
@Tag("natives")
class AttributionTest {
    @Test
    void integratedGradientsAndGradCamBeatARandomAttributionAtDeletionOnATrainedCnn() throws Exception {
        try (TfNets net = TfNets.gapCnn()) {
            for (int i = 0; i < 300; i++) {
                net.fit(i);
            }
            try (ModelView m = NNViz.inspect(net.handle())) {
                System.out.println("GAP CNN (TensorFlow), 300 steps: " + AttributionChecks.assertFaithful(m, AttributionChecks.testImages(16)));
                AttributionChecks.assertShuffledCopy(m, AttributionChecks.testImages(1).get(0));
                System.out.println("GAP CNN (TensorFlow): " + AttributionChecks.assertSane(m, AttributionChecks.testImages(8)));
            }
        }
    }

    /**
     * The corpus's TensorFlow classifiers (the {@code @vladmandic/human} graph models, frozen), each on a
     * real image for its predicted class, explaining the logits. Antispoof and liveness are complete
     * within 1% at 64 steps. Emotion's path crosses so many ReLU and max-pool kinks (its separable-conv
     * blocks) that 64 steps leave a 6.9% gap on this image (1.8% for 64 midpoints); it closes with
     * more steps, to 0.04% at 1024, which is what this asserts for it.
     */
    @Test
    @Tag("corpus")
    void integratedGradientsIsCompleteOnRealModels() throws Exception {
        for (String name : new String[] {"antispoof", "liveness", "emotion"}) {
            Path file = TfjsGraphModels.frozen(TfjsGraphModels.parse(Corpus.file("tfjs/" + name)),
                    Path.of("target", "corpus", name + "-ig", name + ".pb"));
            try (ModelView m = NNViz.load(file)) {
                io.nnviz.api.Shape s = m.layers().get(0).outputShape();
                Tensor x = TfCorpusTest.image(s.dim(1), s.dim(2), s.dim(3));
                int t = AttributionChecks.predicted(m, x);
                if (name.equals("emotion")) {
                    double at64 = io.nnviz.api.attribution.IntegratedGradients.of(m).steps(64).attribute(x, t).diagnostics().get("relativeDelta");
                    double at1024 = AttributionChecks.assertComplete(m, x, t, 1024);
                    assertTrue(at1024 < at64, "the gap closes with steps");
                    System.out.printf("%s (TensorFlow): IG relative delta %.2e at 64 steps, %.2e at 1024%n", name, at64, at1024);
                } else {
                    System.out.printf("%s (TensorFlow): IG relative delta %.2e at 64 steps%n", name, AttributionChecks.assertComplete(m, x, t));
                }
            }
        }
    }

    /** A real frozen graph's constants fed shuffled: the copy computes something else, the graph is left as it was. */
    @Test
    @Tag("corpus")
    void aRealGraphIsRandomisedThroughFeeds() throws Exception {
        Path file = TfjsGraphModels.frozen(TfjsGraphModels.parse(Corpus.file("tfjs/antispoof")),
                Path.of("target", "corpus", "antispoof-random", "antispoof.pb"));
        try (ModelView m = NNViz.load(file)) {
            io.nnviz.api.Shape s = m.layers().get(0).outputShape();
            Tensor x = TfCorpusTest.image(s.dim(1), s.dim(2), s.dim(3));
            AttributionChecks.assertShuffledCopy(m, x);
            var r = io.nnviz.api.attribution.ModelRandomization.of(m).cascadeSteps(4)
                    .cascading(mm -> io.nnviz.api.attribution.SmoothGrad.of(mm).samples(8), x, AttributionChecks.predicted(m, x));
            assertEquals(4, r.steps().size());
            assertEquals(r.steps().get(3).randomized().size(), m.layers().stream().filter(l -> l.parameterCount() > 0).count());
            r.steps().forEach(st -> System.out.printf("antispoof (TensorFlow): %d layers randomised, SmoothGrad rank correlation %.3f%n",
                    st.randomized().size(), st.rankCorrelation()));
        }
    }
}
