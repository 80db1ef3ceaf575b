/**
 * Runs as figures: the same figures for the HTML report and the live dashboard.
 * <ul>
 *   <li>{@link io.nnviz.recording.view.RunFigures}: a run's figures (curves, epoch metrics,
 *       histograms over time, filters, probes, embedding), each drawn when asked.</li>
 *   <li>{@link io.nnviz.recording.view.RunReport}: one run added to an HTML report, with what only
 *       the trained model gives (trained filters, weight change, gradient norms, attributions).</li>
 *   <li>{@link io.nnviz.recording.view.RunComparison}: many runs side by side: the runs table and
 *       the overlaid figures.</li>
 *   <li>Package-private: {@code MetricCharts} (which chart a series goes on, its titles and
 *       legend), {@code RunsTable} (the comparison's table), {@code ProbeAttributions} (saliency,
 *       Integrated Gradients and Grad-CAM of the first probe).</li>
 * </ul>
 *
 * <p>Idioms: a part of a report adds itself with an instance method {@code addTo(HtmlReport)}
 * that returns the report ({@code RunReport.of(log).addTo(report)},
 * {@code RunComparison.of(runs).addTo(report)}); the classes are immutable values made with
 * {@code of(...)}. A figure is drawn from the run as it is when drawn, never on the training
 * thread; one that cannot be drawn becomes a notice saying why, and the others are drawn. Safe to
 * use from any thread while the runs are recorded. Null: arguments are never {@code null} unless a
 * method says so (a run's model may be).
 */
package io.nnviz.recording.view;
