package io.nnviz.recording.sink;

import io.nnviz.api.Histogram;
import io.nnviz.recording.run.RunLog;
import io.nnviz.renderers.canvas.RasterImage;

import java.io.IOException;

/**
 * Where a run goes besides its {@link RunLog}: TensorBoard event files ({@link TensorBoardSink}),
 * {@code run.json} ({@link JsonSink}), the event log ({@link EventLogSink}), or your own. A
 * {@code Recorder} calls its sinks on its own background thread, one call at a time and in the
 * order things were recorded, never on the training thread; a sink that throws is counted
 * ({@code Recorder.sinkErrors()}) and the run goes on. Every method has a do-nothing default, so a
 * sink implements what it needs. The {@code log} given to {@link #flush} and {@link #close} is
 * read-only.
 */
public interface RunSink {
    /** A per-step value at a global step (the loss is named {@code "loss"}). */
    default void scalar(String name, long step, double value) throws IOException {
    }

    /** A per-epoch value at a zero-based epoch. */
    default void epochScalar(String name, int epoch, double value) throws IOException {
    }

    /** A histogram of one weight ({@code "layer / weight"}) at a step. */
    default void histogram(String key, long step, Histogram histogram) throws IOException {
    }

    /** An image (the filter tiles) at a step. */
    default void image(String tag, long step, RasterImage image) throws IOException {
    }

    /** Makes what was sent so far durable; {@code log} is the whole run so far. */
    default void flush(RunLog log) throws IOException {
    }

    /** The run ended: flush and release files. Called once. */
    default void close(RunLog log) throws IOException {
        flush(log);
    }
}
