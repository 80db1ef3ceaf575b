/**
 * Where a recorder sends a run besides its log: each sink one destination.
 * <ul>
 *   <li>{@link io.nnviz.recording.sink.RunSink}: the interface sinks implement (every method has a
 *       do-nothing default); yours too.</li>
 *   <li>{@link io.nnviz.recording.sink.EventLogSink}: appends every value to the run's event log
 *       ({@code events.jsonl}), in segments on stores that show a file only once closed.</li>
 *   <li>{@link io.nnviz.recording.sink.JsonSink}: rewrites {@code run.json} at every flush.</li>
 *   <li>{@link io.nnviz.recording.sink.TensorBoardSink}: TensorBoard event files laid out as
 *       Keras's callback lays them out, and the embedding projector's files.</li>
 *   <li>{@link io.nnviz.recording.sink.TensorBoardWriter}: one TensorBoard event file, written in
 *       pure Java; usable alone.</li>
 *   <li>Package-private: {@code TensorBoardProjector} (the projector's files for the latest
 *       embedding).</li>
 * </ul>
 *
 * <p>Threading: a recorder calls its sinks on its one background thread, one call at a time, in
 * the order things were recorded; the sinks here are also safe to call from several threads.
 * Failures are {@link java.io.IOException}s, which a recorder
 * counts and logs without stopping the run. The {@code RunLog} given to {@code flush} and
 * {@code close} is read-only. Null: arguments are never {@code null}.
 */
package io.nnviz.recording.sink;
