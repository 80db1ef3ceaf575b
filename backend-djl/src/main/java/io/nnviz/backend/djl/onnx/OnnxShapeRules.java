package io.nnviz.backend.djl.onnx;

import java.util.HashMap;
import java.util.Map;

/**
 * The shape rules by operator type, each family of operators registering its own: elementwise
 * ({@link OnnxElementwiseRules}), convolution and pooling ({@link OnnxConvPoolRules}), matrix
 * products ({@link OnnxMatMulRules}), recurrent layers ({@link OnnxRecurrentRules}), reductions
 * ({@link OnnxReduceRules}), reshaping ({@link OnnxReshapeRules}), padding and resizing
 * ({@link OnnxResizeRules}), selecting and indexing ({@link OnnxIndexingRules}), constants and the shape
 * arithmetic exporters write ({@link OnnxShapeValueRules}), control flow ({@code If},
 * {@code Loop}, {@code Scan}: {@link OnnxControlFlowRules}), what training graphs carry (batch
 * statistics, losses, optimizers: {@link OnnxTrainingRules}), signal operators ({@code DFT},
 * {@code STFT}, windows: {@link OnnxSignalRules}) and text operators ({@link OnnxTextRules}). An
 * operator type is registered once; one no family knows has no rule, and its outputs stay unknown.
 */
final class OnnxShapeRules {
    /** Infers what it can of a node's outputs from what is known of its inputs, and puts it on the node. */
    @FunctionalInterface
    interface Rule {
        void infer(OnnxNode n);
    }

    private static final Map<String, Rule> RULES = rules();

    private OnnxShapeRules() {
    }

    private static Map<String, Rule> rules() {
        Map<String, Rule> rules = new HashMap<>();
        OnnxElementwiseRules.register(rules);
        OnnxConvPoolRules.register(rules);
        OnnxMatMulRules.register(rules);
        OnnxRecurrentRules.register(rules);
        OnnxReduceRules.register(rules);
        OnnxReshapeRules.register(rules);
        OnnxResizeRules.register(rules);
        OnnxIndexingRules.register(rules);
        OnnxShapeValueRules.register(rules);
        OnnxControlFlowRules.register(rules);
        OnnxTrainingRules.register(rules);
        OnnxSignalRules.register(rules);
        OnnxTextRules.register(rules);
        return Map.copyOf(rules);
    }

    /** Registers {@code rule} for each of {@code ops}; an operator registered twice is a programming error. */
    static void add(Map<String, Rule> rules, Rule rule, String... ops) {
        for (String op : ops) {
            if (rules.putIfAbsent(op, rule) != null) {
                throw new IllegalStateException("two shape rules for ONNX operator " + op);
            }
        }
    }

    /** The rule for operator type {@code op}, or null if there is none. */
    static Rule of(String op) {
        return RULES.get(op);
    }
}
