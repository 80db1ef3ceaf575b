/**
 * A training run as data: what every other recording package reads, and the one place that writes
 * it.
 * <ul>
 *   <li>{@link io.nnviz.recording.run.RunLog}: a run as recorded so far, read-only: series,
 *       histograms, snapshots, notes and change counters for live views.</li>
 *   <li>{@link io.nnviz.recording.run.MutableRunLog}: the bounded store behind a run log, with
 *       the write methods; {@link io.nnviz.recording.run.MutableRunLog#view()} is the read-only
 *       view handed out.</li>
 *   <li>{@link io.nnviz.recording.run.RunInfo}: what a run is (id, name, hyperparameters, tags,
 *       model).</li>
 *   <li>{@link io.nnviz.analysis.Curve}: one series read back (the type the doctor's rules read); {@link io.nnviz.recording.run.Stamped}:
 *       a value recorded at a step.</li>
 *   <li>Package-private: {@code Series} (the reservoir that keeps a series bounded at an even
 *       resolution), {@code ReadOnlyRunLog} (the view).</li>
 * </ul>
 *
 * <p>Null: nothing returned is {@code null}; arguments are never {@code null}. Threading: a
 * {@code MutableRunLog} may be written from several threads (a recorder's training thread and its
 * worker) while any thread reads; every read returns a copy or an immutable value. Values:
 * {@code RunInfo}, {@code Curve}, {@code Stamped} and {@code RunLog.Embedding} are immutable.
 * Steps are a run's global steps, epochs zero-based. Depends on no other recording package.
 */
package io.nnviz.recording.run;
