package io.nnviz.examples.doctor;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What DL4J itself says happened at each step, seen by a listener of the test's own beside nnviz's:
 * the score, which layers' outputs (forward pass) and gradients (before the updater) held NaN or
 * infinite values, and each parameter's gradient size. The independent witness the doctor's findings are checked against.
 */
final class Dl4jWitness extends BaseTrainingListener {
    /** DL4J's score of each iteration, in order (iteration i is step i + 1). */
    final List<Double> scores = new ArrayList<>();
    /** Per step (1-based), the names of the layers whose output held a non-finite value, in forward order. */
    final Map<Long, List<String>> badOutputs = new LinkedHashMap<>();
    /** Per step (1-based), the names of the layers whose gradient held a non-finite value, in forward order. */
    final Map<Long, List<String>> badGradients = new LinkedHashMap<>();
    /** Per parameter (DL4J's key, {@code 2_W}), the root mean square of its gradient at each step, in order. */
    final Map<String, List<Double>> gradientRms = new LinkedHashMap<>();
    private final MultiLayerNetwork net;

    Dl4jWitness(MultiLayerNetwork net) {
        this.net = net;
    }

    private long step() {
        return net.getIterationCount() + 1L;
    }

    @Override
    public void onForwardPass(Model m, List<INDArray> activations) {
        List<String> bad = new ArrayList<>();
        for (int i = 1; i < activations.size(); i++) { // 0 is the input; then layer 0, 1, ... (the output layer left out)
            if (!Double.isFinite(activations.get(i).sumNumber().doubleValue())) {
                bad.add(net.getLayer(i - 1).conf().getLayer().getLayerName());
            }
        }
        if (!bad.isEmpty()) {
            badOutputs.put(step(), bad);
        }
    }

    @Override
    public void onGradientCalculation(Model m) {
        m.gradient().gradientForVariable().forEach((key, g) -> gradientRms.computeIfAbsent(key, k -> new ArrayList<>())
                .add(g.norm2Number().doubleValue() / Math.sqrt(g.length())));
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            for (Map.Entry<String, INDArray> e : m.gradient().gradientForVariable().entrySet()) {
                if (e.getKey().startsWith(i + "_") && !Double.isFinite(e.getValue().sumNumber().doubleValue())) {
                    String name = net.getLayer(i).conf().getLayer().getLayerName();
                    if (!bad.contains(name)) {
                        bad.add(name);
                    }
                }
            }
        }
        if (!bad.isEmpty()) {
            badGradients.put(step(), bad);
        }
    }

    @Override
    public void iterationDone(Model m, int iteration, int epoch) {
        scores.add(m.score());
    }

    /** The first step whose score was not finite, or -1. */
    long firstNaNStep() {
        for (int i = 0; i < scores.size(); i++) {
            if (!Double.isFinite(scores.get(i))) {
                return i + 1;
            }
        }
        return -1;
    }
}
