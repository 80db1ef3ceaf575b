package io.nnviz.backend.djl.onnx;

import io.nnviz.backend.djl.onnx.OnnxShapeRules.Rule;

import java.util.List;
import java.util.Map;

import static io.nnviz.backend.djl.onnx.OnnxShapeRules.add;

/**
 * Shape rules for what training graphs carry: {@code BatchNormalization} (its output has the input's
 * shape; in training mode its running mean and variance have the scale's), the losses
 * {@code SoftmaxCrossEntropyLoss} and {@code NegativeLogLikelihoodLoss} (a scalar, or with
 * {@code reduction="none"} the labels' shape; the log-probabilities the scores' shape), and the
 * optimizers of {@code ai.onnx.preview.training}, whose new tensors have the shapes of the ones
 * they replace.
 */
final class OnnxTrainingRules {
    private OnnxTrainingRules() {
    }

    static void register(Map<String, Rule> rules) {
        add(rules, OnnxTrainingRules::batchNorm, "BatchNormalization");
        add(rules, OnnxTrainingRules::loss, "SoftmaxCrossEntropyLoss", "NegativeLogLikelihoodLoss");
        add(rules, OnnxTrainingRules::optimizer, "Adam", "Adagrad", "Momentum");
    }

    private static void batchNorm(OnnxNode n) {
        List<OnnxDim> x = n.dims(0);
        if (x != null) {
            n.put(OnnxTensorInfo.of(x, n.type(0)));
        }
        for (int k = 1; k < n.outputCount(); k++) { // running mean and variance (opset 14), or older opsets' saved statistics
            List<OnnxDim> scale = n.dims(1);
            if (scale != null) {
                n.put(k, OnnxTensorInfo.of(scale, n.type(1) != 0 ? n.type(1) : n.type(0)));
            }
        }
    }

    private static void loss(OnnxNode n) {
        List<OnnxDim> scores = n.dims(0), labels = n.dims(1);
        if (n.attrString("reduction", "mean").equals("none")) {
            if (labels != null) {
                n.put(OnnxTensorInfo.of(labels, n.type(0)));
            }
        } else {
            n.put(OnnxTensorInfo.of(List.of(), n.type(0)));
        }
        if (n.outputCount() > 1 && scores != null) {
            n.put(1, OnnxTensorInfo.of(scores, n.type(0)));
        }
    }

    /**
     * Adam (R, T, then n tensors X, n gradients G, n first and n second moments) gives n new X,
     * then n of each moment; Adagrad (X, G, squared-gradient sums H) n new X and n new H;
     * Momentum (X, G, velocities V) n new X and n new V: output k has the shape of the input
     * it replaces: input 2 + k for the tensors, 2 + n + k for the rest.
     */
    private static void optimizer(OnnxNode n) {
        int tensors = n.outputCount() / (n.op().equals("Adam") ? 3 : 2);
        for (int k = 0; k < n.outputCount(); k++) {
            int replaced = k < tensors ? 2 + k : 2 + tensors + k; // the gradients, inputs 2 + n to 2 + 2n - 1, are not replaced
            List<OnnxDim> d = replaced < n.inputCount() ? n.dims(replaced) : null;
            if (d != null) {
                n.put(k, OnnxTensorInfo.of(d, n.type(replaced)));
            }
        }
    }
}
