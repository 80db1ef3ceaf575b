/**
 * Training hooks: {@link io.nnviz.api.hook.Hook} receives {@link io.nnviz.api.hook.TrainingEvent}s
 * from any framework, asks for data with {@link io.nnviz.api.hook.CaptureRequest}s and receives it
 * in {@link io.nnviz.api.hook.Snapshot}s.
 *
 * <p>Null policy: as in {@link io.nnviz.api}; the tensors of a {@link io.nnviz.api.hook.Snapshot}
 * ({@code inputs}, {@code labels}, {@code outputs}) are {@code null} when not captured.
 */
package io.nnviz.api.hook;
