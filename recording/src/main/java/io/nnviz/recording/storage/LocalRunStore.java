package io.nnviz.recording.storage;

import io.nnviz.renderers.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;

/**
 * A runs root in a local folder (or a mounted shared one, NFS): records appended with
 * {@code O_APPEND}, one write each, so processes appending to their own files never wait for one
 * another and a killed one leaves every record but its last whole.
 *
 * <p>It never reads or writes a file outside the root, even through a symbolic link: whoever
 * can write into a shared runs root could otherwise link a {@code run.json} to a file of the
 * reader's (a key, a token) and have it shown on a dashboard or in a report. A path's real path
 * ({@link Path#toRealPath}) must lie under the root's; links within the root are followed. Such a
 * link is not listed by {@link #files}, is not there for {@link #size} and {@link #modified}, and
 * opening it fails with a message naming the link, never its target. (A folder swapped for a link
 * between the check and the open can still slip through; the file itself is opened without
 * following links, so swapping it cannot.)
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

    /**
     * {@code path} under the root; a path climbing out of it ({@code ..}) is refused. Links are
     * not followed here: reading and writing check where they lead.
     */
    public Path resolve(String path) throws IOException {
        Path p = root.resolve(path).normalize();
        if (!p.startsWith(root.normalize())) {
            throw new IOException(path + ": outside the runs root " + root);
        }
        return p;
    }

    /**
     * Where {@code path} really is (its links followed), checked to lie under the root's real path:
     * the file if it is there, else its folder's real path and its name.
     */
    private Path real(String path) throws IOException {
        Path p = resolve(path).toAbsolutePath();
        Path real = Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? p.toRealPath()
                : p.getParent().toRealPath().resolve(p.getFileName());
        if (!real.startsWith(root.toRealPath())) {
            throw outside(path);
        }
        return real;
    }

    /** Creates {@code path}'s folders, once the nearest of them that exists is known to be really under the root (so none is made elsewhere). */
    private void createFolders(String path) throws IOException {
        Path dir = resolve(path).toAbsolutePath().getParent();
        Files.createDirectories(root);
        Path existing = dir;
        while (!Files.exists(existing)) {
            existing = existing.getParent(); // the root at the latest
        }
        if (!existing.toRealPath().startsWith(root.toRealPath())) {
            throw outside(path);
        }
        Files.createDirectories(dir);
    }

    private OutsideRootException outside(String path) {
        // the target may be someone else's file: it is not named, not even in an error
        return new OutsideRootException(path + ": a link out of the runs root " + root + "; not followed");
    }

    /** A path that leads out of the root through a link. */
    private static final class OutsideRootException extends IOException {
        OutsideRootException(String message) {
            super(message);
        }
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public Appender append(String path) throws IOException {
        createFolders(path);
        // the real path, opened without following a link: one planted after the check is refused, not written through
        FileChannel channel = FileChannel.open(real(path), StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
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
        createFolders(path);
        return Files.newOutputStream(real(path), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE); // CREATE_NEW fails on any name planted since, link or not
    }

    @Override
    public void replace(String path, byte[] content) throws IOException {
        createFolders(path);
        AtomicFiles.write(resolve(path), content); // renamed over the name: a link there is replaced, never written through
    }

    @Override
    public InputStream open(String path) throws IOException {
        return Files.newInputStream(real(path), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public byte[] tail(String path, int n) throws IOException {
        try (FileChannel c = FileChannel.open(real(path), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = c.size();
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(n, size));
            long at = size - b.capacity();
            while (b.hasRemaining() && c.read(b, at + b.position()) >= 0) {
                // the file may shrink under a reader only if someone truncates it; read what is there
            }
            return Arrays.copyOf(b.array(), b.position());
        }
    }

    @Override
    public long size(String path) throws IOException {
        Path p = existing(path);
        try {
            return p != null ? Files.size(p) : -1;
        } catch (NoSuchFileException e) {
            return -1; // gone since it was found: renamed or deleted by its writer
        }
    }

    @Override
    public long modified(String path) throws IOException {
        Path p = existing(path);
        try {
            return p != null ? Files.getLastModifiedTime(p).toMillis() : -1;
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    /** The real path of the regular file at {@code path}, or null if there is none under the root (none at all, a folder, or a link out). */
    private Path existing(String path) throws IOException {
        try {
            Path p = real(path);
            return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? p : null;
        } catch (FileSystemException | OutsideRootException e) { // no such file, or a path through a file
            return null;
        }
    }

    @Override
    public List<String> files(String dir, int depth) throws IOException {
        Path start = resolve(dir);
        if (!Files.isDirectory(start)) {
            return List.of();
        }
        Path realRoot = root.toRealPath();
        if (!start.toRealPath().startsWith(realRoot)) {
            return List.of(); // a folder linked in from outside: not this root's
        }
        // the walk follows no link, so only a file that is a link itself can lead out of the root; a file gone between the
        // directory's listing and the look at it (a run.json's temporary file, renamed by its writer) is left out, as
        // Files.walk would not: it throws, and a runs watcher died of it
        List<String> out = new ArrayList<>();
        Files.walkFileTree(start, EnumSet.noneOf(FileVisitOption.class), depth + 1, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path p, BasicFileAttributes a) {
                if (a.isRegularFile() || a.isSymbolicLink() && Files.isRegularFile(p) && under(p, realRoot)) {
                    out.add(root.normalize().relativize(p.normalize()).toString().replace('\\', '/'));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        out.sort(null);
        return out;
    }

    private static boolean under(Path p, Path realRoot) {
        try {
            return p.toRealPath().startsWith(realRoot);
        } catch (IOException e) {
            return false;
        }
    }
}
