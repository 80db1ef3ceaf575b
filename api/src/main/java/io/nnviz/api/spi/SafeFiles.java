package io.nnviz.api.spi;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Checks a loader makes before handing a file to a framework, which may block on it, allocate what
 * it declares, or crash natively: only regular files (a FIFO blocks a reader forever, a device
 * never ends), sizes within the memory budget, zip archives whose entries are few, bounded and not
 * bombs. Each failure is a {@link ModelLoadException} naming the file and the reason.
 */
public final class SafeFiles {
    /** Entries a model archive may hold. */
    public static final int MAX_ZIP_ENTRIES = 100_000;
    /** The largest ratio of an entry's size to its compressed size (deflate reaches about 1,000 on zeros). */
    public static final long MAX_COMPRESSION_RATIO = 2_000;
    /** Files a model directory (a SavedModel) may hold. */
    public static final int MAX_DIRECTORY_FILES = 100_000;

    private SafeFiles() {
    }

    /** {@code path} is a regular file (a link to one is fine) and readable; its size. */
    public static long requireRegularFile(Path path) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new ModelLoadException(path, Files.exists(path, LinkOption.NOFOLLOW_LINKS) ? "cannot read it (" + e.getMessage() + ")"
                    : "no such file");
        }
        if (!a.isRegularFile()) {
            throw new ModelLoadException(path, a.isDirectory() ? "a directory, not a file"
                    : "not a regular file (a pipe, device or socket): reading it could block or never end");
        }
        if (!Files.isReadable(path)) {
            throw new ModelLoadException(path, "not readable (permissions)");
        }
        return a.size();
    }

    /**
     * Every entry below directory {@code dir} is a directory or a regular file, and their sizes sum
     * within {@code budget}; returns that sum.
     */
    public static long requireRegularTree(Path dir, long budget) {
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all = s.limit(MAX_DIRECTORY_FILES + 1L).toList();
        } catch (IOException | UncheckedIOException e) {
            throw new ModelLoadException(dir, "cannot list it (" + e.getMessage() + ")");
        }
        if (all.size() > MAX_DIRECTORY_FILES) {
            throw new ModelLoadException(dir, "holds more than " + MAX_DIRECTORY_FILES + " files");
        }
        long total = 0;
        for (Path p : all) {
            if (!Files.isDirectory(p)) {
                total += requireRegularFileIn(dir, p);
            }
        }
        if (total > budget) {
            throw new ModelTooLargeException(dir, "its files", total, budget);
        }
        return total;
    }

    private static long requireRegularFileIn(Path dir, Path p) {
        try {
            return requireRegularFile(p);
        } catch (ModelLoadException e) {
            throw new ModelLoadException(dir, dir.relativize(p) + " is " + e.getMessage().substring(e.getMessage().lastIndexOf(": ") + 2));
        }
    }

    /**
     * The entries of a zip archive, checked: at most {@link #MAX_ZIP_ENTRIES}, no entry larger than
     * {@link #MAX_COMPRESSION_RATIO} times its compressed size (a zip bomb), and their declared sizes
     * summing within {@code budget}. The sizes are the archive's own claims; {@link #bounded} holds a
     * reader to them.
     */
    public static List<ZipEntry> checkedEntries(Path path, ZipFile zip, long budget) {
        List<ZipEntry> out = new ArrayList<>();
        long total = 0;
        for (ZipEntry e : Collections.list(zip.entries())) {
            if (out.size() == MAX_ZIP_ENTRIES) {
                throw new ModelLoadException(path, "the archive holds more than " + MAX_ZIP_ENTRIES + " entries");
            }
            long size = e.getSize(), packed = e.getCompressedSize();
            if (size < 0 || packed < 0) {
                throw new ModelLoadException(path, "the archive's entry " + Printable.name(e.getName()) + " does not state its size");
            }
            if (size > MAX_COMPRESSION_RATIO * Math.max(packed, 1) + 4096) {
                throw new ModelLoadException(path, "the archive's entry " + Printable.name(e.getName()) + " unpacks " + packed + " bytes into "
                        + size + ": a zip bomb, not a model");
            }
            total += size;
            if (total > budget || total < 0) {
                throw new ModelTooLargeException(path, "its archive", total < 0 ? Long.MAX_VALUE : total, budget);
            }
            out.add(e);
        }
        return out;
    }

    /** A stream that fails with a {@link ModelLoadException} once more than {@code limit} bytes come out of {@code in}. */
    public static InputStream bounded(Path path, String what, InputStream in, long limit) {
        return new InputStream() {
            private long n;

            @Override
            public int read() throws IOException {
                int b = in.read();
                if (b >= 0) {
                    count(1);
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int r = in.read(buf, off, len);
                if (r > 0) {
                    count(r);
                }
                return r;
            }

            private void count(int k) {
                n += k;
                if (n > limit) {
                    throw new ModelLoadException(path, what + " holds more than the " + limit + " bytes it declares");
                }
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }
}
