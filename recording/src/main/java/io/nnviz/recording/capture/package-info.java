/**
 * What a recorder keeps of the network, and when: its capture policy at work. Used by
 * {@code Recorder}; applications configure it through {@code RecorderBuilder} and need nothing
 * here.
 * <ul>
 *   <li>{@link io.nnviz.recording.capture.Captures}: which steps capture what, and the captures
 *       themselves (histograms, filters, probes, embeddings, the final state).</li>
 *   <li>{@link io.nnviz.recording.capture.CapturePolicy}: the intervals, layers and switches a
 *       builder fixed.</li>
 *   <li>{@link io.nnviz.recording.capture.EmbeddingCapture}: the embedding projector's labelled
 *       inputs and the layer they are read at.</li>
 *   <li>Package-private: {@code CaptureBudget} (stretches the intervals while captures cost more
 *       than their share of training time).</li>
 * </ul>
 *
 * <p>Threading: the step methods run on the training thread, one at a time (hook dispatchers
 * serialise callbacks); what can wait (histograms, images, sink writes) goes to the recorder's
 * background thread. A capture that fails is logged and the run goes on. Null: arguments are never
 * {@code null} unless a parameter says so (a model not known yet, no probes, no embeddings).
 */
package io.nnviz.recording.capture;
