/**
 * The neutral model of a neural network that every nnviz backend produces and every renderer
 * reads: {@link io.nnviz.api.ModelView}, {@link io.nnviz.api.LayerInfo}, {@link io.nnviz.api.Tensor},
 * and the facade {@link io.nnviz.api.NNViz}.
 *
 * <p>Null policy: arguments are never {@code null} unless a parameter says so; methods never
 * return {@code null} except the record components documented as nullable
 * ({@link io.nnviz.api.LayerInfo#outputShape()}, {@link io.nnviz.api.LayerInfo#groupId()},
 * {@link io.nnviz.api.Group#parentId()}). Collections returned are unmodifiable.
 */
package io.nnviz.api;
