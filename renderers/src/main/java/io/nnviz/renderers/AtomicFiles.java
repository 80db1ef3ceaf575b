package io.nnviz.renderers;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Writes files through a temporary sibling and a rename, so readers never see half a file. A
 * process killed between the two (kill -9, power loss) leaves its temporary sibling behind; the
 * first write into a folder in a JVM removes such leftovers, when they are old enough that no
 * writer can still own them.
 */
public final class AtomicFiles {
    /** A temporary sibling untouched this long belongs to a writer that died. */
    static final long ORPHAN_MILLIS = 10 * 60_000L;
    private static final Set<Path> SWEPT = ConcurrentHashMap.newKeySet();

    private AtomicFiles() {
    }

    /**
     * Writes {@code bytes} to {@code file}, creating parent folders.
     *
     * @throws IOException naming the file when the folder cannot be created or written
     */
    public static void write(Path file, byte[] bytes) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create folder " + dir + " for " + abs.getFileName() + ": " + e, e);
        }
        if (SWEPT.add(dir)) {
            removeOrphans(dir);
        }
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
        } catch (AccessDeniedException e) {
            throw new IOException("cannot write to folder " + dir + ": permission denied", e);
        }
        try {
            Files.write(tmp, bytes);
            try { // temporary files are private (0600); the result is an ordinary output file
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: its defaults apply
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Deletes the temporary siblings ({@code .NAME<digits>.tmp}) dead writers left in {@code dir}. */
    static void removeOrphans(Path dir) {
        long cutoff = System.currentTimeMillis() - ORPHAN_MILLIS;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith(".") && n.matches("\\..+[0-9]+\\.tmp") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                        && Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() < cutoff) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            // tidying only: the write itself goes on
        }
    }
}
