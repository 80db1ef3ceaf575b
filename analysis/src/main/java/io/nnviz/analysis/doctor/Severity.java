package io.nnviz.analysis.doctor;

/**
 * How much a {@link Finding} matters, least first: {@link #INFO} is worth knowing (a healthy run
 * may have some), {@link #WARNING} means training is probably wasting its time or going wrong,
 * {@link #ERROR} means it has failed (the loss is NaN, or diverged and stayed there).
 */
public enum Severity {
    /** Worth knowing; healthy runs may have some. */
    INFO,
    /** Training is probably going wrong or wasting its time. */
    WARNING,
    /** Training has failed. */
    ERROR;

    /** True if this is at least as severe as {@code other}. */
    public boolean atLeast(Severity other) {
        return compareTo(other) >= 0;
    }
}
