package io.nnviz.backend.tensorflow;

import org.tensorflow.Operand;
import org.tensorflow.TensorFlow;

import java.util.ArrayList;
import java.util.List;

/**
 * Gradients TensorFlow's C++ registry lacks for ops nnviz's flattened graphs contain, registered
 * once per process through TensorFlow Java's custom gradients: {@code IdentityN} (what an expanded
 * function call with several results becomes) passes each gradient through. Saliency and Grad-CAM
 * build their gradients with {@code Graph.addGradients}, which reads that registry.
 */
final class TfGradients {
    private static volatile boolean registered;

    private TfGradients() {
    }

    /** Registers the gradients, once; safe to call from any thread. */
    static void register() {
        if (registered) {
            return;
        }
        synchronized (TfGradients.class) {
            if (!registered) {
                TensorFlow.registerCustomGradient("IdentityN", (tf, op, gradients) -> {
                    List<Operand<?>> out = new ArrayList<>(gradients); // d(out_i)/d(in_i) is the identity
                    return out;
                });
                registered = true;
            }
        }
    }
}
