package io.nnviz.recording.storage;

import io.nnviz.api.spi.Services;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.TreeSet;

/** Opens a runs root given as a local path or a URI ({@code file:}, or a scheme a {@link RunStoreProvider} on the class path serves). */
public final class RunStores {
    private RunStores() {
    }

    /**
     * The store at {@code root}: a plain path or a {@code file:} URI is a local folder (nothing else
     * needed); {@code hdfs://namenode:8020/runs}, {@code s3a://bucket/runs} and other schemes need
     * a provider, such as {@code io.nnviz:nnviz-hadoop}.
     */
    public static RunStore open(String root) throws IOException {
        if (root == null || root.isBlank()) {
            throw new IOException("no runs root given");
        }
        String scheme = scheme(root);
        if (scheme == null) {
            return new LocalRunStore(Path.of(root));
        }
        URI uri;
        try {
            uri = new URI(root);
        } catch (URISyntaxException e) {
            throw new IOException(root + ": not a path or URI (" + e.getMessage() + ")", e);
        }
        if (scheme.equals("file")) {
            return new LocalRunStore(Path.of(uri));
        }
        TreeSet<String> seen = new TreeSet<>();
        Services.Found<RunStoreProvider> found = Services.load(RunStoreProvider.class);
        for (RunStoreProvider p : found.services()) {
            if (p.supports(scheme)) {
                return p.open(uri);
            }
            seen.add(p.getClass().getName());
        }
        throw new IOException(root + ": no run store for " + scheme + ":// on the class path (add io.nnviz:nnviz-hadoop for HDFS, S3 and"
                + " other Hadoop file systems" + (seen.isEmpty() ? "" : "; providers found: " + seen)
                + (found.problems().isEmpty() ? "" : "; " + String.join("; ", found.problems())) + ")");
    }

    /** The URI scheme of {@code root} in lower case, or null for a plain path (a Windows drive letter is a path). */
    public static String scheme(String root) {
        int colon = root.indexOf(':');
        if (colon < 2 || !root.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
            return null;
        }
        return root.substring(0, colon).toLowerCase(Locale.ROOT);
    }
}
