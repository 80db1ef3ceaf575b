package io.nnviz.hadoop;

import io.nnviz.recording.storage.RunStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.StreamCapabilities;

import java.io.FileNotFoundException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

/**
 * A runs root on a Hadoop file system. A record is one write followed by {@code hflush()} where the
 * stream can ({@code StreamCapabilities.HFLUSH}: HDFS), so readers on other machines see it at once
 * and a killed writer leaves every earlier record readable; where it cannot (S3A, whose objects
 * appear when closed), the appender says so and the event log rolls segments instead. Files are
 * replaced by writing a temporary file and renaming it over the old one (one step on HDFS; an
 * object store's put is one step by itself). The store opens a file system instance of its own and
 * closes it with itself, so closing it never closes one the application shares.
 */
public final class HadoopRunStore implements RunStore {
    private final URI uri;
    private final Configuration conf;
    private final FileSystem fs;
    private final Path root;

    private HadoopRunStore(URI uri, Configuration conf) throws IOException {
        this.uri = uri;
        this.conf = conf;
        this.fs = FileSystem.newInstance(uri, conf);
        this.root = fs.makeQualified(new Path(uri));
    }

    /**
     * The store at {@code root} with {@code conf} (a default {@code new Configuration()} reads
     * {@code core-site.xml} and {@code hdfs-site.xml} from the class path, as on a cluster node).
     */
    public static HadoopRunStore open(URI root, Configuration conf) throws IOException {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(conf, "conf");
        try {
            return new HadoopRunStore(root, conf);
        } catch (IOException | RuntimeException e) {
            throw new IOException(root + ": the file system cannot be reached (" + e.getMessage() + ")", e);
        }
    }

    /** The file system's own path of {@code path} under the root; a path climbing out ({@code ..}) is refused. */
    Path resolve(String path) throws IOException {
        if (path.isEmpty()) {
            return root;
        }
        for (String part : path.split("/")) {
            if (part.equals("..")) {
                throw new IOException(path + ": outside the runs root " + uri);
            }
        }
        return new Path(root, path.replaceAll("^/+", "").replaceAll("(^|/)\\./", "$1"));
    }

    @Override
    public String location() {
        return uri.toString();
    }

    @Override
    public Appender append(String path) throws IOException {
        Path p = resolve(path);
        FSDataOutputStream out;
        if (fs.exists(p)) {
            try {
                out = fs.append(p); // an UnsupportedOperationException (S3A) goes to the caller as it is
            } catch (IOException e) {
                if (String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("not supported")) {
                    throw new UnsupportedOperationException(uri + " cannot append to " + path + ": " + e.getMessage(), e);
                }
                throw e;
            }
        } else {
            out = fs.create(p, false);
        }
        boolean visible = out.hasCapability(StreamCapabilities.HFLUSH);
        boolean durable = out.hasCapability(StreamCapabilities.HSYNC);
        return new Appender() {
            @Override
            public synchronized void append(byte[] record) throws IOException {
                out.write(record, 0, record.length); // one packet; readers see up to the last hflush, so never a part of a record but the last
                if (visible) {
                    out.hflush();
                }
            }

            @Override
            public boolean visibleAtOnce() {
                return visible;
            }

            @Override
            public synchronized void flush() throws IOException {
                if (durable) {
                    out.hsync();
                } else if (visible) {
                    out.hflush();
                }
            }

            @Override
            public synchronized void close() throws IOException {
                out.close();
            }
        };
    }

    @Override
    public OutputStream create(String path) throws IOException {
        Path p = resolve(path);
        FSDataOutputStream stream;
        try {
            stream = fs.create(p, false);
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(uri + "/" + path);
        }
        if (!stream.hasCapability(StreamCapabilities.HFLUSH)) {
            return stream;
        }
        return new FilterOutputStream(stream) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                stream.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                stream.hflush(); // a flush makes the bytes visible to readers elsewhere, as a local file's would be
            }
        };
    }

    @Override
    public void replace(String path, byte[] content) throws IOException {
        Path p = resolve(path);
        Path tmp = new Path(p.getParent(), "." + p.getName() + "." + UUID.randomUUID() + ".tmp");
        try (FSDataOutputStream out = fs.create(tmp, false)) {
            out.write(content);
        }
        try {
            FileContext.getFileContext(fs.getUri(), conf).rename(tmp, p, Options.Rename.OVERWRITE);
        } catch (IOException | RuntimeException e) {
            // a file system FileContext does not serve: rename, after removing the old file if it refuses to overwrite
            if (!fs.rename(tmp, p)) {
                fs.delete(p, false);
                if (!fs.rename(tmp, p)) {
                    fs.delete(tmp, false);
                    throw new IOException(uri + "/" + path + ": cannot be replaced (" + e.getMessage() + ")", e);
                }
            }
        }
    }

    @Override
    public InputStream open(String path) throws IOException {
        return fs.open(resolve(path));
    }

    @Override
    public byte[] tail(String path, int n) throws IOException {
        Path p = resolve(path);
        long len = fs.getFileStatus(p).getLen(); // of a file being written, HDFS may report less than a reader can read
        byte[] ring = new byte[n];
        long total = 0;
        try (FSDataInputStream in = fs.open(p)) {
            if (len > n) {
                in.seek(len - n);
                total = len - n;
            }
            byte[] buf = new byte[8192];
            for (int r; (r = in.read(buf)) > 0; ) {
                for (int i = 0; i < r; i++) {
                    ring[(int) (total++ % n)] = buf[i];
                }
            }
        }
        int have = (int) Math.min(n, total);
        byte[] out = new byte[have];
        for (int i = 0; i < have; i++) {
            out[i] = ring[(int) ((total - have + i) % n)];
        }
        return out;
    }

    @Override
    public long size(String path) throws IOException {
        try {
            FileStatus s = fs.getFileStatus(resolve(path));
            return s.isFile() ? s.getLen() : -1;
        } catch (FileNotFoundException e) {
            return -1;
        }
    }

    @Override
    public long modified(String path) throws IOException {
        try {
            return fs.getFileStatus(resolve(path)).getModificationTime();
        } catch (FileNotFoundException e) {
            return -1;
        }
    }

    @Override
    public List<String> files(String dir, int depth) throws IOException {
        List<String> out = new ArrayList<>();
        String prefix = root.toUri().getPath().replaceAll("/+$", "") + "/";
        walk(resolve(dir), depth, prefix, out);
        Collections.sort(out);
        return out;
    }

    private void walk(Path dir, int depth, String prefix, List<String> out) throws IOException {
        FileStatus[] list;
        try {
            list = fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            return;
        }
        for (FileStatus s : list) {
            if (s.isFile()) {
                String p = s.getPath().toUri().getPath();
                out.add(p.startsWith(prefix) ? p.substring(prefix.length()) : s.getPath().getName());
            } else if (s.isDirectory() && depth > 0) {
                walk(s.getPath(), depth - 1, prefix, out);
            }
        }
    }

    @Override
    public void close() throws IOException {
        fs.close();
    }
}
