package io.nnviz.hadoop;

import io.nnviz.recording.storage.RunStore;
import io.nnviz.recording.storage.RunStoreProvider;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;

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
        return HadoopRunStore.open(root, configuration());
    }

    /**
     * The class path's configuration, with the IPC client's retries bounded where no site file sets
     * them: Hadoop's defaults retry a name node that does not answer for about 15 minutes (45
     * connect timeouts of 20 s), which would hang a report or a training job's recorder on a wrong
     * URI, and a server that takes the connection and never answers holds a call for 2 minutes; here
     * each gives up after about half a minute and says why.
     */
    static Configuration configuration() {
        Configuration conf = new Configuration();
        bound(conf, "ipc.client.connect.timeout", "10000");
        bound(conf, "ipc.client.connect.max.retries.on.timeouts", "2");
        bound(conf, "ipc.client.connect.max.retries", "3");
        bound(conf, "ipc.client.rpc-timeout.ms", "30000"); // a server that accepts and never answers
        bound(conf, "ipc.ping.interval", "10000");
        return conf;
    }

    private static void bound(Configuration conf, String key, String value) {
        String[] from = conf.getPropertySources(key);
        if (from == null || from.length == 0 || Arrays.stream(from).allMatch(f -> f.endsWith("-default.xml"))) {
            conf.set(key, value, "nnviz: bounded retries");
        }
    }
}
