/**
 * Training runs: the {@link io.nnviz.recording.Recorder} hook fills a bounded
 * {@link io.nnviz.recording.RunLog}; {@link io.nnviz.recording.RunSink}s (TensorBoard, run.json)
 * receive the run on a background thread; {@link io.nnviz.recording.RunFigures} turns a run into
 * figures for reports and dashboards; {@link io.nnviz.recording.RunJson} writes and reads a run.
 *
 * <p>Null policy: arguments are never {@code null} unless a method says so; absent values are
 * {@link java.util.Optional}s or empty collections.
 */
package io.nnviz.recording;
