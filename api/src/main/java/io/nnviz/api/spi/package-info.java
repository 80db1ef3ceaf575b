/**
 * For backend authors: {@link io.nnviz.api.spi.BackendProvider} (registered in
 * {@code META-INF/services}), {@link io.nnviz.api.spi.Backends} (discovery and choice), {@link io.nnviz.api.spi.Services} (how every nnviz service interface is discovered),
 * {@link io.nnviz.api.spi.AbstractModel} (a base model that validates structure and arguments) and
 * {@link io.nnviz.api.spi.HookDispatcher} (the hook rules in one place).
 *
 * <p>Null policy: as in {@link io.nnviz.api}.
 */
package io.nnviz.api.spi;
