package io.nnviz.recording.view;

import io.nnviz.api.hook.MetricNames;

import java.util.List;
import java.util.Optional;

/**
 * How a run's metrics go on charts, in a run's report and in a comparison alike: which chart a
 * series goes on (a metric's splits together, a family's members together), the chart's title,
 * its y axis's title and each line's legend label.
 */
final class MetricCharts {
    private MetricCharts() {
    }

    /** The chart a series goes on: its metric without the split, else its family, else itself. */
    static String group(String name) {
        if (MetricNames.split(name).isPresent()) {
            return MetricNames.metric(name);
        }
        return MetricNames.family(name).orElse(name);
    }

    /** Train before validation before test (and before other splits), whatever order they were recorded in. */
    static int splitOrder(String name) {
        return switch (MetricNames.split(name).orElse(MetricNames.TRAIN)) {
            case MetricNames.TRAIN -> 0;
            case MetricNames.VALIDATION -> 1;
            default -> 2;
        };
    }

    static String title(String group, List<String> members, boolean epochs) {
        String t = switch (group) {
            case "loss" -> members.size() == 1 && !epochs ? "Training loss" : "Loss";
            case MetricNames.LEARNING_RATE -> "Learning rate by layer";
            case MetricNames.UPDATE_RATIO -> "Update : parameter ratio (log10) by weight";
            case MetricNames.GRADIENT_RMS -> "Gradient RMS by layer";
            case MetricNames.DEAD_UNITS -> "Dead ReLU units by layer";
            case MetricNames.SATURATED_UNITS -> "Saturated tanh and sigmoid outputs by layer";
            case MetricNames.NONFINITE_ACTIVATIONS -> "NaN and infinite values in each layer's output";
            case MetricNames.NONFINITE_GRADIENTS -> "NaN and infinite values in each layer's gradient";
            case MetricNames.PREDICTED_CLASS_SHARE -> "Share of the most predicted class";
            default -> group.isEmpty() ? group : Character.toUpperCase(group.charAt(0)) + group.substring(1); // "Accuracy per epoch", as "Loss"
        };
        return epochs ? t + " per epoch" : t;
    }

    /** Whether a chart's values span decades and read best on a log scale. */
    static boolean logScale(String group) {
        return group.equals(MetricNames.GRADIENT_RMS);
    }

    /** The y axis's title: the metric (its splits share it), or what a family's members measure. */
    static String yLabel(String group) {
        return switch (group) {
            case MetricNames.LEARNING_RATE -> "learning rate";
            case MetricNames.UPDATE_RATIO -> "log10(update / parameter)";
            case MetricNames.GRADIENT_RMS -> "RMS of the parameter gradients";
            case MetricNames.DEAD_UNITS -> "fraction of units zero for every sample";
            case MetricNames.SATURATED_UNITS -> "fraction of outputs within 1% of the limits";
            case MetricNames.NONFINITE_ACTIVATIONS, MetricNames.NONFINITE_GRADIENTS -> "NaN and infinite values";
            case MetricNames.PREDICTED_CLASS_SHARE -> "share of the samples";
            default -> group;
        };
    }

    /** A member's legend label: its split, its place in the family, or "train" for the plain one beside splits. */
    static String label(String group, String member, List<String> members) {
        Optional<String> split = MetricNames.split(member);
        if (split.isPresent()) {
            return split.get();
        }
        if (!member.equals(group) && member.startsWith(group + "/")) {
            return member.substring(group.length() + 1);
        }
        boolean splitsBeside = members.stream().anyMatch(m -> MetricNames.split(m).isPresent());
        return splitsBeside || group.equals("loss") ? MetricNames.TRAIN : member;
    }
}
