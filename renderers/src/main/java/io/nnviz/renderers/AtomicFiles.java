package io.nnviz.renderers;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
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
        // one file made per write, opened once: a new name (a random number), created exclusively (so a name taken, or a
        // link planted under it, is never written through) with the permissions of any new file (the umask's). On ext4,
        // making a file is most of a write's cost, and a 2,000-node graph's inspect writes 900
        Path tmp = null;
        try {
            for (int attempt = 0; tmp == null; attempt++) {
                Path candidate = temporary(abs);
                try (OutputStream out = Files.newOutputStream(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    tmp = candidate;
                    out.write(bytes);
                } catch (FileAlreadyExistsException e) {
                    if (attempt >= 100) {
                        throw e;
                    }
                }
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (AccessDeniedException e) {
            throw new IOException("cannot write to folder " + dir + ": permission denied", e);
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** A name for {@code file}'s temporary sibling, {@code .NAME<digits>.tmp}: what {@link #removeOrphans} recognises. */
    static Path temporary(Path file) {
        return file.resolveSibling("." + file.getFileName() + Long.toUnsignedString(ThreadLocalRandom.current().nextLong()) + ".tmp");
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
