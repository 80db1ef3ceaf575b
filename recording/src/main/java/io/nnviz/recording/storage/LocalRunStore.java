package io.nnviz.recording.storage;

import io.nnviz.renderers.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A runs root in a local folder (or a mounted shared one, NFS): records appended with
 * {@code O_APPEND}, one write each, so processes appending to their own files never wait for one
 * another and a killed one leaves every record but its last whole.
 */
public final class LocalRunStore implements RunStore {
    private final Path root;

    /** The store at {@code root} (created when the first file is written). */
    public LocalRunStore(Path root) {
        this.root = Objects.requireNonNull(root, "root");
    }

    /** The root folder. */
    public Path root() {
        return root;
    }

    /** {@code path} under the root; a path climbing out of it ({@code ..}) is refused. */
    public Path resolve(String path) throws IOException {
        Path p = root.resolve(path).normalize();
        if (!p.startsWith(root.normalize())) {
            throw new IOException(path + ": outside the runs root " + root);
        }
        return p;
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public Appender append(String path) throws IOException {
        Path file = resolve(path);
        Files.createDirectories(file.toAbsolutePath().getParent());
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        return new Appender() {
            @Override
            public void append(byte[] record) throws IOException {
                ByteBuffer b = ByteBuffer.wrap(record);
                while (b.hasRemaining()) {
                    channel.write(b); // O_APPEND: the record goes on the file's end as one write, never interleaved
                }
            }

            @Override
            public boolean visibleAtOnce() {
                return true;
            }

            @Override
            public void flush() throws IOException {
                channel.force(false);
            }

            @Override
            public void close() throws IOException {
                if (channel.isOpen()) {
                    channel.force(false);
                    channel.close();
                }
            }
        };
    }

    @Override
    public OutputStream create(String path) throws IOException {
        Path file = resolve(path);
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    @Override
    public void replace(String path, byte[] content) throws IOException {
        AtomicFiles.write(resolve(path), content);
    }

    @Override
    public InputStream open(String path) throws IOException {
        return Files.newInputStream(resolve(path));
    }

    @Override
    public byte[] tail(String path, int n) throws IOException {
        try (FileChannel c = FileChannel.open(resolve(path), StandardOpenOption.READ)) {
            long size = c.size();
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(n, size));
            long at = size - b.capacity();
            while (b.hasRemaining() && c.read(b, at + b.position()) >= 0) {
                // the file may shrink under a reader only if someone truncates it; read what is there
            }
            return java.util.Arrays.copyOf(b.array(), b.position());
        }
    }

    @Override
    public long size(String path) throws IOException {
        Path p = resolve(path);
        return Files.isRegularFile(p) ? Files.size(p) : -1;
    }

    @Override
    public long modified(String path) throws IOException {
        Path p = resolve(path);
        return Files.isRegularFile(p) ? Files.getLastModifiedTime(p).toMillis() : -1;
    }

    @Override
    public List<String> files(String dir, int depth) throws IOException {
        Path start = resolve(dir);
        if (!Files.isDirectory(start)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(start, depth + 1)) {
            return s.filter(Files::isRegularFile).map(p -> root.normalize().relativize(p.normalize()).toString().replace('\\', '/'))
                    .sorted().toList();
        }
    }
}
