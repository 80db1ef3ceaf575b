package io.nnviz.api.testkit;

import io.nnviz.api.Model;
import io.nnviz.api.Tensor;
import io.nnviz.api.attribution.Attribution;
import io.nnviz.api.attribution.Faithfulness;
import io.nnviz.api.attribution.GradCam;
import io.nnviz.api.attribution.IntegratedGradients;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attribution checks of issue 18, for every backend: Integrated Gradients is complete within 1%
 * at 64 steps (on real pretrained models), and on a Fashion-MNIST CNN trained in the test the
 * deletion areas of Integrated Gradients and Grad-CAM over real test images are lower than a
 * random attribution's.
 */
public final class AttributionChecks {
    private AttributionChecks() {
    }

    /** {@code n} Fashion-MNIST test images as {@code [1, 1, 28, 28]} inputs, pixels in [0, 1]. */
    public static List<Tensor> testImages(int n) throws IOException {
        FashionMnist data = FashionMnist.test(n);
        List<Tensor> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Tensor.of(data.image(i), 1, 1, FashionMnist.SIDE, FashionMnist.SIDE));
        }
        return out;
    }

    /** The class the model predicts for one input (the argmax of its last layer). */
    public static int predicted(Model m, Tensor x) {
        String out = m.layers().get(m.layers().size() - 1).id();
        Tensor y = m.activations(x, List.of(out)).get(out);
        int best = 0;
        for (int i = 1; i < y.size(); i++) {
            if (y.getFlat(i) > y.getFlat(best)) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Asserts Integrated Gradients' completeness at 64 steps: the attributions add up to
     * f(input) - f(baseline) within 1% (of that difference); returns the relative gap.
     */
    public static double assertComplete(Model m, Tensor x, int target) {
        return assertComplete(m, x, target, 64);
    }

    /** As {@link #assertComplete(Model, Tensor, int)} with {@code steps} steps. */
    public static double assertComplete(Model m, Tensor x, int target, int steps) {
        Attribution ig = IntegratedGradients.of(m).steps(steps).attribute(x, target);
        double rel = ig.diagnostics().get("relativeDelta");
        assertTrue(rel < 0.01, "IG completeness within 1% at " + steps + " steps: sum " + ig.sum() + ", f(x) - f(0) = "
                + (ig.diagnostics().get("f(input)") - ig.diagnostics().get("f(baseline)")) + " (" + rel + ")");
        return rel;
    }

    /** The mean pixel of the Fashion-MNIST training images nnviz's tests train on. */
    public static float meanPixel() {
        FashionMnist d = FashionMnist.trainCached(1024);
        double s = 0;
        for (int i = 0; i < d.size(); i++) {
            for (float v : d.image(i)) {
                s += v;
            }
        }
        return (float) (s / d.size() / FashionMnist.PIXELS);
    }

    /**
     * Asserts that the mean deletion areas of Integrated Gradients and Grad-CAM over {@code images}
     * (each for its predicted class) are below a random attribution's; returns a line of the numbers.
     * Deleted pixels take the data set's mean: on black-background images, deleting to 0 leaves the
     * background as it was, so a map that points at the background (Grad-CAM at the gap between a
     * trouser's legs, which is the evidence) could not be told from one that points nowhere.
     */
    public static String assertFaithful(Model m, List<Tensor> images) {
        Faithfulness f = Faithfulness.of(m).steps(16).baseline(meanPixel());
        double ig = 0, cam = 0, random = 0;
        for (int i = 0; i < images.size(); i++) {
            Tensor x = images.get(i);
            int t = predicted(m, x);
            ig += f.deletion(x, t, IntegratedGradients.of(m).steps(32).attribute(x, t)).area();
            cam += f.deletion(x, t, GradCam.of(m).attribute(x, t)).area();
            random += f.deletion(x, t, Faithfulness.random(x, 100 + i)).area();
        }
        int n = images.size();
        String report = String.format("deletion areas over %d images: IG %.3f, Grad-CAM %.3f, random %.3f", n, ig / n, cam / n, random / n);
        assertTrue(ig < random, report);
        assertTrue(cam < random, report);
        return report;
    }
}
