package io.nnviz.recording.storage;

import java.io.IOException;
import java.net.URI;

/**
 * Serves runs roots of some URI schemes ({@code hdfs}, {@code s3a}), found with
 * {@link io.nnviz.api.spi.Services} (nnviz's ServiceLoader policy) by {@link RunStores#open}. {@code nnviz-hadoop} provides one for
 * every Hadoop file system.
 */
public interface RunStoreProvider {
    /** Whether this provider serves roots of {@code scheme} (lower case). */
    boolean supports(String scheme);

    /** The store of {@code root}. */
    RunStore open(URI root) throws IOException;
}
