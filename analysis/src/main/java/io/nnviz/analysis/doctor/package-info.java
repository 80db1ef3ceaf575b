/**
 * The training doctor: rules over a training run's recorded evidence (the loss and metrics,
 * per-layer gradient, update and unit statistics, weight histograms) that say what went wrong,
 * where and since when. {@link io.nnviz.analysis.doctor.Doctor} runs the
 * {@link io.nnviz.analysis.doctor.Rule}s over a {@link io.nnviz.analysis.doctor.TrainingRecord}
 * and gives {@link io.nnviz.analysis.doctor.Finding}s; each rule is a record whose components are
 * its thresholds, documented with where they come from. {@link io.nnviz.analysis.doctor.UnitStats}
 * computes the per-layer unit statistics a recorder records for the rules. Knows no framework and
 * no file format: nnviz-recording feeds it a run.
 *
 * <p>Null policy: arguments are never {@code null}; absent evidence is an empty
 * {@link io.nnviz.analysis.Curve} or list, and a rule without enough of it finds nothing.
 */
package io.nnviz.analysis.doctor;
