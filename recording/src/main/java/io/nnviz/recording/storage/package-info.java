/**
 * Where a runs root lives: the bytes of run files, whatever their format.
 * <ul>
 *   <li>{@link io.nnviz.recording.storage.RunStore}: a runs root (append records, replace a file in
 *       one step, read, list).</li>
 *   <li>{@link io.nnviz.recording.storage.LocalRunStore}: a local (or mounted) folder, never read
 *       or written outside it, even through a link.</li>
 *   <li>{@link io.nnviz.recording.storage.RunStoreProvider}: serves roots of some URI schemes,
 *       found through {@link io.nnviz.api.spi.Services} ({@code nnviz-hadoop} registers one for HDFS,
 *       S3 and other Hadoop file systems).</li>
 *   <li>{@link io.nnviz.recording.storage.RunStores}: opens a root given as a path or a URI.</li>
 * </ul>
 *
 * <p>Paths are relative to the root and separated by {@code /}. Stores are safe for several threads
 * and processes at once in the ways their methods say. Failures are {@link java.io.IOException}s.
 * Null: arguments are never {@code null}. Depends on no other recording package.
 */
package io.nnviz.recording.storage;
