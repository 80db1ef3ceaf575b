package io.nnviz.api.hook;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How a metric's name says what it measures, so that every backend, sink and chart reads it the
 * same way. A name is either plain ({@code "lr"}), on a data split ({@code "train/accuracy"},
 * {@code "validation/accuracy"}: one metric on two splits, drawn on one chart), or one member of a
 * family ({@code "learning_rate/conv1"}: one chart with a line per member).
 *
 * <pre>{@code
 * recorder.epochScalar(MetricNames.validation("accuracy"), epoch, acc);   // "validation/accuracy"
 * MetricNames.split("val_accuracy");    // Optional[validation]  (Keras's spelling is understood)
 * MetricNames.metric("val_accuracy");   // "accuracy"
 * }</pre>
 */
public final class MetricNames {
    /** The split of metrics measured on the training data. */
    public static final String TRAIN = "train";
    /** The split of metrics measured on held-out validation data. */
    public static final String VALIDATION = "validation";
    /** The split of metrics measured on test data. */
    public static final String TEST = "test";
    /** The family of per-layer learning rates. */
    public static final String LEARNING_RATE = "learning_rate";
    /** The family of per-weight log10 update : parameter ratios (DL4J UI's chart). */
    public static final String UPDATE_RATIO = "update_ratio";
    /** The family of per-layer root mean squares of the parameter gradients (what the doctor compares across depth). */
    public static final String GRADIENT_RMS = "gradient_rms";
    /** The family of per-layer fractions of ReLU-family units that output zero for every captured sample. */
    public static final String DEAD_UNITS = "dead_units";
    /** The family of per-layer fractions of tanh or sigmoid outputs at their limits. */
    public static final String SATURATED_UNITS = "saturated_units";
    /** The family of per-layer counts of NaN and infinite values in a layer's output, on the step they first appear. */
    public static final String NONFINITE_ACTIVATIONS = "nonfinite_activations";
    /** The family of per-layer counts of NaN and infinite values in a layer's parameter gradients, on the step they first appear. */
    public static final String NONFINITE_GRADIENTS = "nonfinite_gradients";

    /** Whether a step's metrics hold per-layer non-finite counts ({@link #NONFINITE_ACTIVATIONS} or {@link #NONFINITE_GRADIENTS}). */
    public static boolean hasNonFiniteCounts(java.util.Map<String, Double> metrics) {
        if (!metrics.isEmpty()) { // a loop, not a stream: asked on the training thread every step
            for (String k : metrics.keySet()) {
                if (k.startsWith(NONFINITE_ACTIVATIONS + "/") || k.startsWith(NONFINITE_GRADIENTS + "/")) {
                    return true;
                }
            }
        }
        return false;
    }
    /** The share of the captured samples the model predicts as its most predicted class (1: all one class). */
    public static final String PREDICTED_CLASS_SHARE = "predicted_class_share";

    private MetricNames() {
    }

    /** {@code "train/" + metric}. */
    public static String train(String metric) {
        return TRAIN + "/" + check(metric);
    }

    /** {@code "validation/" + metric}. */
    public static String validation(String metric) {
        return VALIDATION + "/" + check(metric);
    }

    /** {@code "test/" + metric}. */
    public static String test(String metric) {
        return TEST + "/" + check(metric);
    }

    /** The learning rate of one layer: {@code "learning_rate/" + layer}. */
    public static String learningRate(String layer) {
        return LEARNING_RATE + "/" + check(layer);
    }

    /** log10(mean |update| / mean |value|) of one weight: {@code "update_ratio/layer/weight"}. */
    public static String updateRatio(String layer, String weight) {
        return UPDATE_RATIO + "/" + check(layer) + "/" + check(weight);
    }

    /** One member of a per-layer family: {@code family + "/" + layer} ({@link #GRADIENT_RMS}, {@link #DEAD_UNITS}, ...). */
    public static String ofLayer(String family, String layer) {
        return check(family) + "/" + check(layer);
    }

    /**
     * The split a name is on: {@link #TRAIN}, {@link #VALIDATION} or {@link #TEST}, from a prefix
     * {@code "train/"}, {@code "validation/"} (also {@code "val/"}, {@code "val_"},
     * {@code "validate_"}, {@code "valid/"}), {@code "test/"}; empty for other names.
     */
    public static Optional<String> split(String name) {
        return Optional.ofNullable(prefix(Objects.requireNonNull(name, "name"))).map(p -> p[0]);
    }

    /** The name without its split prefix ({@code "validation/accuracy"} gives {@code "accuracy"}). */
    public static String metric(String name) {
        String[] p = prefix(Objects.requireNonNull(name, "name"));
        return p == null ? name : name.substring(p[1].length());
    }

    /** The family of a name: the part before the first {@code '/'} of a name on no split, else empty. */
    public static Optional<String> family(String name) {
        if (split(name).isPresent()) {
            return Optional.empty();
        }
        int cut = name.indexOf('/');
        return cut > 0 && cut < name.length() - 1 ? Optional.of(name.substring(0, cut)) : Optional.empty();
    }

    /**
     * A framework's own name for a metric in nnviz's one spelling, so that one metric is one chart
     * whichever framework logged it: lower case, words joined by {@code _} ({@code "Accuracy"} gives
     * {@code "accuracy"}, DJL's {@code "TopKAccuracy"} gives {@code "top_k_accuracy"}), Keras's
     * {@code "acc"} is {@code "accuracy"}, and a split prefix in any spelling becomes nnviz's
     * ({@code "val_acc"} gives {@code "validation/accuracy"}, {@code "train_Accuracy"} gives
     * {@code "train/accuracy"}). Families ({@code "learning_rate/conv1"}) keep their member names.
     */
    public static String canonical(String name) {
        String[] p = prefix(Objects.requireNonNull(name, "name"));
        if (p != null) {
            return p[0] + "/" + canonicalMetric(name.substring(p[1].length()));
        }
        return family(name).isPresent() ? name : canonicalMetric(name);
    }

    private static String canonicalMetric(String metric) {
        String snake = metric.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replaceAll("([A-Z])([A-Z][a-z])", "$1_$2")
                .replace(' ', '_').replace('-', '_').toLowerCase(Locale.ROOT);
        return switch (snake) {
            case "acc" -> "accuracy";
            case "top_k_acc" -> "top_k_accuracy";
            default -> snake;
        };
    }

    private static final String[][] PREFIXES = {
            {TRAIN, "train/"}, {TRAIN, "train_"}, {TRAIN, "training/"},
            {VALIDATION, "validation/"}, {VALIDATION, "validation_"}, {VALIDATION, "val/"}, {VALIDATION, "val_"},
            {VALIDATION, "validate/"}, {VALIDATION, "validate_"}, {VALIDATION, "valid/"},
            {TEST, "test/"}, {TEST, "test_"}};

    /** {split, the prefix as written} or null. */
    private static String[] prefix(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String[] p : PREFIXES) {
            if (lower.startsWith(p[1]) && lower.length() > p[1].length()) {
                return new String[] {p[0], name.substring(0, p[1].length())};
            }
        }
        return null;
    }

    private static String check(String part) {
        Objects.requireNonNull(part, "name");
        if (part.isEmpty()) {
            throw new IllegalArgumentException("a metric name part is empty");
        }
        return part;
    }
}
