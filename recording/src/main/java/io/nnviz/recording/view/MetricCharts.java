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
            default -> group;
        };
        return epochs ? t + " per epoch" : t;
    }

    /** The y axis's title: the metric (its splits share it), or what a family's members measure. */
    static String yLabel(String group) {
        return switch (group) {
            case MetricNames.LEARNING_RATE -> "learning rate";
            case MetricNames.UPDATE_RATIO -> "log10(update / parameter)";
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
