package io.nnviz.backend.dl4j;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.MetricNames;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The per-step metrics DL4J's own UI charts, read from the network as it trains: each layer's
 * learning rate, and each weight's update : parameter ratio.
 */
final class Dl4jMetrics {
    private Dl4jMetrics() {
    }

    /** The learning rate of every layer with parameters, by layer id ({@link MetricNames#learningRate}); layers with no updater are left out. */
    static void learningRates(Model m, Dl4jModel model, Map<String, Double> out) {
        for (Dl4jNode n : model.nodes().values()) {
            if (n.paramKeys.isEmpty() || n.layer == null) {
                continue;
            }
            Double lr = m instanceof MultiLayerNetwork net ? net.getLearningRate(Integer.parseInt(n.key))
                    : m instanceof ComputationGraph g ? g.getLearningRate(n.key) : null;
            if (lr != null && !lr.isNaN()) {
                out.put(MetricNames.learningRate(n.id), lr);
            }
        }
    }

    /**
     * log10(mean |update| / mean |value|) of every selected weight, as DL4J's UI charts it. DL4J's
     * updater turns the gradient into the update in place before the step, so when an iteration is
     * done the network's gradient holds the update that was applied and its parameters the values
     * after it. A weight whose update or values are all zero is left out (its log is not finite).
     */
    static void updateRatios(Model m, Dl4jModel model, CaptureRequest r, Map<String, Double> out) {
        if (m.gradient() == null) {
            return;
        }
        Map<String, INDArray> updates = m.gradient().gradientForVariable();
        Map<String, INDArray> params = m.paramTable();
        for (Dl4jNode n : model.nodes().values()) {
            LayerInfo l = model.layer(n.id).orElse(null);
            if (l == null || n.paramKeys.isEmpty() || !r.layers().test(l)) {
                continue;
            }
            for (String p : n.paramKeys) {
                String key = n.key + "_" + p;
                INDArray u = updates.get(key), w = params.get(key);
                if (u == null || w == null || u.length() == 0) {
                    continue;
                }
                double ratio = u.norm1Number().doubleValue() / w.norm1Number().doubleValue(); // equal lengths: the means' ratio
                double log = Math.log10(ratio);
                if (Double.isFinite(log)) {
                    out.put(MetricNames.updateRatio(n.id, p), log);
                }
            }
        }
    }
}
