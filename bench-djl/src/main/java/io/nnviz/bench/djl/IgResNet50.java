package io.nnviz.bench.djl;

import io.nnviz.NNViz;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.attribution.Attribution;
import io.nnviz.api.attribution.AttributionMethod;
import io.nnviz.api.attribution.IntegratedGradients;
import io.nnviz.api.attribution.SmoothGrad;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Integrated Gradients on ResNet-50 at 224 x 224 through nnviz, the same work as
 * {@code bench/peers/ig_resnet50_torch.py} on the same TorchScript file (which that script writes):
 * input 0.5, baseline 0, 50 Gauss-Legendre points, 16 a batch, the predicted class. Prints the
 * seconds of a timed run after a warm-up and the process's peak RSS (VmHWM). With the method
 * {@code smoothgrad}, SmoothGrad as that script's: 50 noisy copies (noise 0.15 of the input's range)
 * of a ramp input ({@code (i mod 251) / 250}), 16 a batch.
 *
 * <pre>mvn -pl bench-djl exec:exec@ig-resnet50 -Dnnviz.model=/tmp/resnet50.pt
 * java -cp ... io.nnviz.bench.djl.IgResNet50 MODEL [steps] [batch] [ig|smoothgrad]</pre>
 */
public final class IgResNet50 {
    private IgResNet50() {
    }

    public static void main(String[] args) throws Exception {
        Path pt = Path.of(args.length > 0 ? args[0] : "/tmp/resnet50.pt");
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 50, batch = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        boolean smooth = args.length > 3 && args[3].equals("smoothgrad");
        float[] v = new float[3 * 224 * 224];
        for (int i = 0; i < v.length; i++) {
            v[i] = smooth ? (i % 251) / 250f : 0.5f; // SmoothGrad needs an input with a range: its noise is a share of it
        }
        Tensor x = Tensor.of(v, 1, 3, 224, 224);
        try (ModelView m = NNViz.load(pt, LoadOptions.defaults().inputShape(1, 3, 224, 224))) {
            Tensor s = m.scores(x);
            int target = 0;
            for (int i = 1; i < s.size(); i++) {
                target = s.getFlat(i) > s.getFlat(target) ? i : target;
            }
            AttributionMethod method = smooth ? SmoothGrad.of(m).samples(steps).internalBatch(batch)
                    : IntegratedGradients.of(m).steps(steps).internalBatch(batch);
            method.attribute(x, target); // warm-up
            long t0 = System.nanoTime();
            Attribution a = method.attribute(x, target);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long hwm = 0;
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) {
                    hwm = Long.parseLong(l.substring(6).trim().split("\\s+")[0]) / 1024;
                }
            }
            if (smooth) {
                double sum = 0;
                for (int i = 0; i < a.values().size(); i++) {
                    sum += Math.abs(a.values().getFlat(i));
                }
                System.out.printf("nnviz SmoothGrad ResNet-50 224x224 samples=%d batch=%d: %.2f s, peak RSS %d MiB, mean |map| %.3g%n", steps,
                        batch, seconds, hwm, sum / a.values().size());
            } else {
                System.out.printf("nnviz IG ResNet-50 224x224 steps=%d batch=%d: %.2f s, peak RSS %d MiB, completeness gap %.3g%n", steps, batch,
                        seconds, hwm, a.diagnostics().get("delta"));
            }
        }
    }
}
