/**
 * Training hooks: {@link io.nnviz.api.hook.Hook} receives {@link io.nnviz.api.hook.TrainingEvent}s
 * from any framework, asks for data with {@link io.nnviz.api.hook.CaptureRequest}s and receives it
 * in {@link io.nnviz.api.hook.Snapshot}s. {@link io.nnviz.api.hook.Attachment} is what attaching
 * returns; {@link io.nnviz.api.hook.TrainingReporter} is the push-style form for loops nnviz
 * cannot hook ({@link io.nnviz.api.hook.ManualTraining}); {@link io.nnviz.api.hook.HookDispatcher}
 * holds the hook rules every backend's listener delivers through (a hook that throws never reaches
 * the loop, {@code onTrainingEnd} once) and {@link io.nnviz.api.hook.DispatchedAttachment} gives an
 * attachment its dispatcher's counters; {@link io.nnviz.api.hook.MetricNames} makes metric names
 * canonical.
 *
 * <p>Null policy: as in {@link io.nnviz.api}; the tensors of a {@link io.nnviz.api.hook.Snapshot}
 * ({@code inputs}, {@code labels}, {@code outputs}) are {@code null} when not captured.
 */
package io.nnviz.api.hook;
