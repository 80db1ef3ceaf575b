/**
 * For backend authors and hand-built models: {@link io.nnviz.api.spi.BackendProvider} (registered in
 * {@code META-INF/services}), {@link io.nnviz.api.spi.Backends} (discovery and choice),
 * {@link io.nnviz.api.spi.Services} (how every nnviz service interface is discovered),
 * {@link io.nnviz.api.spi.AbstractModel} (a base model that validates structure and arguments),
 * {@link io.nnviz.api.spi.ModelBuilder} (a model of a network no backend adapts, built by hand),
 * {@link io.nnviz.api.spi.SafeFiles} (checks every reader of untrusted files shares) and
 * {@link io.nnviz.api.spi.Printable} (untrusted text made printable). Training callbacks go through
 * {@link io.nnviz.api.hook.HookDispatcher}.
 *
 * <p>Null policy: as in {@link io.nnviz.api}.
 */
package io.nnviz.api.spi;
