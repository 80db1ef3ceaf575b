package io.nnviz.analysis.doctor;

import java.util.List;

/**
 * One check of a {@link Doctor}: reads a run's evidence and says what is wrong, if anything. A
 * rule is a pure function of the run (the same run gives the same findings, live or read back
 * from its files); its thresholds are its own, documented with where they come from, and set by
 * constructing it with others. Rules are records with a {@code DEFAULT} instance.
 */
public interface Rule {
    /** The rule's id, as findings and {@code nnviz doctor} print it ({@code "non-finite"}). */
    String id();

    /** What this rule finds in {@code run}: nothing if it sees no problem or not enough evidence. */
    List<Finding> check(TrainingRecord run);
}
