package io.nnviz.analysis.doctor;

import java.util.Objects;

/**
 * What shows a {@link Finding}: one recorded series or histogram of the run, by the name it was
 * recorded under, so a report can link the finding to the figure drawing it.
 *
 * @param kind what it is
 * @param name the series' name ({@code "loss"}, {@code "gradient_rms/conv1"}, {@code "validation/loss"})
 *             or the histogram's key ({@code "conv1 / W"})
 */
public record Evidence(Kind kind, String name) {
    /** The kinds of evidence. */
    public enum Kind {
        /** A series over steps. */
        STEP_SERIES,
        /** A series over epochs. */
        EPOCH_SERIES,
        /** A weight's (or gradient's) histograms over time. */
        HISTOGRAM
    }

    /** Validates the arguments. */
    public Evidence {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
    }

    /** A step series. */
    public static Evidence step(String name) {
        return new Evidence(Kind.STEP_SERIES, name);
    }

    /** An epoch series. */
    public static Evidence epoch(String name) {
        return new Evidence(Kind.EPOCH_SERIES, name);
    }

    /** A histogram key. */
    public static Evidence histogram(String key) {
        return new Evidence(Kind.HISTOGRAM, key);
    }
}
