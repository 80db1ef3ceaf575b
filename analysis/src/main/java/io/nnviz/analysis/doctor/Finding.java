package io.nnviz.analysis.doctor;

import java.util.List;
import java.util.Objects;

/**
 * One thing a {@link Rule} found wrong with a run: how bad, which rule, where the evidence starts
 * (the step, or the epoch for per-epoch evidence), the layers it is about, what it means, what
 * users usually do about it, and the recorded series or histograms that show it.
 *
 * <pre>{@code
 * for (Finding f : Doctor.defaults().diagnose(run)) {
 *     System.out.println(f.line());   // ERROR non-finite step=1210 layer=fc2: The loss became NaN at step 1,210 ...
 * }
 * }</pre>
 *
 * @param severity how bad
 * @param rule     the rule's id
 * @param step     the global step where the evidence starts, or -1 when it is per epoch
 * @param epoch    the zero-based epoch where the evidence starts, or -1 when it is per step
 * @param layers   the layers it is about, input side first; empty if about the whole run
 * @param message  what was seen and what it means, with the numbers, in a sentence or two
 * @param advice   what users usually do about it
 * @param evidence what shows it, most telling first
 */
public record Finding(Severity severity, String rule, long step, int epoch, List<String> layers, String message, String advice,
                      List<Evidence> evidence) {
    /** Validates and copies. */
    public Finding {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(advice, "advice");
        layers = List.copyOf(layers);
        evidence = List.copyOf(evidence);
        if (step < -1 || epoch < -1) {
            throw new IllegalArgumentException("step and epoch are -1 or more, got " + step + ", " + epoch);
        }
    }

    /** A finding at a step. */
    static Finding atStep(Severity severity, String rule, long step, List<String> layers, String message, String advice,
                          List<Evidence> evidence) {
        return new Finding(severity, rule, step, -1, layers, message, advice, evidence);
    }

    /** A finding at a zero-based epoch. */
    static Finding atEpoch(Severity severity, String rule, int epoch, List<String> layers, String message, String advice,
                           List<Evidence> evidence) {
        return new Finding(severity, rule, -1, epoch, layers, message, advice, evidence);
    }

    /**
     * Where the evidence starts as {@code nnviz doctor} prints it: {@code step=N}, or
     * {@code epoch=E} with epochs counted from 1 as charts count them, or empty.
     */
    public String where() {
        return step >= 0 ? "step=" + step : epoch >= 0 ? "epoch=" + (epoch + 1) : "";
    }

    /** What the finding is about, to tell it from others of its rule: the rule and its layers. */
    public String key() {
        return rule + (layers.isEmpty() ? "" : " " + String.join(",", layers));
    }

    /** One line: {@code SEVERITY RULE step=N [layer=NAME]: message advice}. */
    public String line() {
        StringBuilder b = new StringBuilder().append(severity).append(' ').append(rule);
        String w = where();
        if (!w.isEmpty()) {
            b.append(' ').append(w);
        }
        if (!layers.isEmpty()) {
            b.append(" layer=").append(String.join(",", layers));
        }
        return b.append(": ").append(message).append(' ').append(advice).toString();
    }
}
