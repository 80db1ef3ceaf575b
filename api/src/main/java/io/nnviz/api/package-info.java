/**
 * The neutral model of a neural network that every nnviz backend produces and every renderer
 * reads: {@link io.nnviz.api.ModelView}, {@link io.nnviz.api.LayerInfo}, {@link io.nnviz.api.Tensor},
 * and the facade {@link io.nnviz.NNViz}.
 *
 * <p>Null policy: arguments are never {@code null} unless a parameter says so; methods never
 * return {@code null} except the record components documented as nullable
 * ({@link io.nnviz.api.LayerInfo#outputShape()}, {@link io.nnviz.api.LayerInfo#groupId()},
 * {@link io.nnviz.api.Group#parentId()}). Collections returned are unmodifiable.
 *
 * <h2>Idioms, the same in every nnviz module</h2>
 * <ul>
 *   <li><b>Making things.</b> A value is made by a static {@code of(...)}; something with options by
 *       {@code X.builder()} (or {@code X.of(required)} returning its builder) whose setters return
 *       the builder and whose {@code build()} returns the result, immutable where it is a value (a model,
 *       a figure) ({@code ModelBuilder.of(name)},
 *       {@code LayerInfo.builder(id, kind)}, {@code Recorder.builder()}, the figures' {@code X.of(data)}). A
 *       builder whose result runs something ends in {@code start()} instead ({@code LiveDashboard}),
 *       since a server built but not started has no use. Options objects
 *       ({@link io.nnviz.api.LoadOptions}, the attribution methods of {@link io.nnviz.api.attribution}) are immutable and each
 *       setter returns a changed copy: configuring one never changes another that shares its origin.</li>
 *   <li><b>Errors.</b> {@link java.lang.NullPointerException} and
 *       {@link java.lang.IllegalArgumentException} for a caller's mistake whatever the model (a null,
 *       a step count of 0, a negative budget), thrown by the call that takes the value;
 *       {@link io.nnviz.api.NnvizException} and its subclasses for what only the model or the file can
 *       tell: {@link io.nnviz.api.InvalidInputException} (an input that does not fit),
 *       {@link io.nnviz.api.ModelLoadException} (a file that cannot be read, one line naming it),
 *       {@link io.nnviz.api.UnsupportedCapabilityException}, {@link io.nnviz.api.NoBackendException}.</li>
 *   <li><b>Untrusted text.</b> Names and messages from a model file reach terminals and logs only
 *       through {@link io.nnviz.api.spi.Printable}; SVG and HTML only through the renderers'
 *       {@code Xml.escape}.</li>
 *   <li><b>Discovery.</b> Every service interface is found through {@link io.nnviz.api.spi.Services}.</li>
 *   <li><b>Training.</b> A framework's own loop is hooked with {@link io.nnviz.NNViz#attach};
 *       a loop nnviz cannot hook reports each step and epoch to a
 *       {@link io.nnviz.api.hook.ManualTraining}.</li>
 * </ul>
 */
package io.nnviz.api;
