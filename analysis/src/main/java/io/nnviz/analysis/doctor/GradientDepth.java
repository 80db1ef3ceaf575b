package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import io.nnviz.api.hook.MetricNames;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-layer gradient RMS of a run ({@code gradient_rms/LAYER}) as the gradient rules compare
 * it: each layer's RMS over the deepest layer's (the one next to the loss) at the steps both were
 * captured, layers in the model's order.
 */
final class GradientDepth {
    /** Layers (input side first) with at least the points asked for; the deepest last. */
    final List<String> layers = new ArrayList<>();
    /** Each layer's curve. */
    final Map<String, Curve> curves = new LinkedHashMap<>();

    private GradientDepth() {
    }

    /** The gradient RMS curves of {@code run} with at least {@code minPoints} points each. */
    static GradientDepth of(TrainingRecord run, int minPoints) {
        GradientDepth d = new GradientDepth();
        Curves.family(run, MetricNames.GRADIENT_RMS).forEach((layer, c) -> {
            if (c.size() >= minPoints) {
                d.layers.add(layer);
                d.curves.put(layer, c);
            }
        });
        return d;
    }

    /** The deepest layer, or null if none. */
    String deepest() {
        return layers.isEmpty() ? null : layers.get(layers.size() - 1);
    }

    /**
     * {@code layer}'s RMS over the deepest layer's at each step both were captured and the deepest
     * one's is positive: {x, ratio} pairs as a curve.
     */
    Curve ratioToDeepest(String layer) {
        Curve c = curves.get(layer), ref = curves.get(deepest());
        List<double[]> pts = new ArrayList<>();
        for (int i = 0; i < c.size(); i++) {
            int j = ref.indexOf(c.x(i));
            if (j >= 0 && ref.y(j) > 0 && Double.isFinite(ref.y(j)) && Double.isFinite(c.y(i))) {
                pts.add(new double[] {c.x(i), c.y(i) / ref.y(j)});
            }
        }
        double[] x = new double[pts.size()], y = new double[pts.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = pts.get(i)[0];
            y[i] = pts.get(i)[1];
        }
        return Curve.of(x, y);
    }

    /** The evidence: the gradient RMS chart (one series per layer; the first and the deepest named). */
    List<Evidence> evidence(String layer) {
        return List.of(Evidence.step(MetricNames.ofLayer(MetricNames.GRADIENT_RMS, layer)),
                Evidence.step(MetricNames.ofLayer(MetricNames.GRADIENT_RMS, deepest())));
    }
}
