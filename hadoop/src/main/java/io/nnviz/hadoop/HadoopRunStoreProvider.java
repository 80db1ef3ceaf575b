package io.nnviz.hadoop;

import io.nnviz.recording.storage.RunStore;
import io.nnviz.recording.storage.RunStoreProvider;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

import java.io.IOException;
import java.net.URI;

/**
 * Serves every URI scheme the Hadoop on the class path knows ({@code hdfs}, {@code webhdfs},
 * {@code viewfs}; {@code s3a}, {@code abfs}, {@code gs} with their connectors), with the
 * configuration found on the class path ({@code core-site.xml}, {@code hdfs-site.xml}).
 */
public final class HadoopRunStoreProvider implements RunStoreProvider {
    @Override
    public boolean supports(String scheme) {
        try {
            FileSystem.getFileSystemClass(scheme, new Configuration());
            return true;
        } catch (IOException | RuntimeException | LinkageError e) {
            return false;
        }
    }

    @Override
    public RunStore open(URI root) throws IOException {
        return HadoopRunStore.open(root, new Configuration());
    }
}
