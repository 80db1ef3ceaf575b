/**
 * The run files, each format known in one class, written and read back.
 * <ul>
 *   <li>{@link io.nnviz.recording.format.RunJson}: {@code run.json}, a whole run (series with
 *       their reservoirs, histograms, snapshots), written in one step and read back bounded.</li>
 *   <li>{@link io.nnviz.recording.format.RunEvents}: {@code events.jsonl}, the append-only log of
 *       every value: its file names, its lines, and reading it back (a torn last line ignored,
 *       its last record found from the end).</li>
 *   <li>Package-private: {@code RunJsonReader} ({@code run.json}'s fields into a run log),
 *       {@code Json} (the JSON both files share: a bounded parser factory, a tree reader with typed
 *       accessors, non-finite numbers), {@code BoundedLines} (a stream's lines, each at most a
 *       bound, a longer one skipped without being held).</li>
 * </ul>
 *
 * <p>Idioms: JSON has no NaN or Infinity, so a non-finite number is written as the string
 * {@code "NaN"}, {@code "Infinity"} or {@code "-Infinity"} and read back as the number (one
 * place: {@code Json}; {@link io.nnviz.recording.format.RunJson#writeNumber} for other JSON nnviz
 * writes, as the dashboard's state). Reading is bounded (file size, tensor elements, line length) and a file
 * that cannot be read is an {@link java.io.IOException} naming it and what is wrong; never a
 * runtime exception. Files go through a {@link io.nnviz.recording.storage.RunStore}, local or
 * remote. Stateless: every method may be called from any thread. Null: arguments are never
 * {@code null}.
 */
package io.nnviz.recording.format;
