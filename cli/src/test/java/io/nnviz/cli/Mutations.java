package io.nnviz.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Mutated copies of real model files, as an attacker or a bad disk makes them. Byte-level edits
 * (bit flips, lengths overwritten with the values that break parsers, truncation, chunks cut,
 * doubled or inserted), applied inside a zip's entries (DL4J zips, TorchScript archives) and a
 * SavedModel's files, so the edit reaches the parser instead of the zip reader. Deterministic:
 * the same seed file and number give the same mutant.
 */
final class Mutations {
    /** Values that lengths, counts and dims are overwritten with. */
    private static final long[] INTERESTING = {0, 1, -1, 0x7f, 0xff, 0x7fff, 0xffff, 0x7fffffffL, 0x80000000L, 0xffffffffL,
            1L << 31, 1L << 32, 1L << 40, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE};

    private Mutations() {
    }

    /** Writes mutant number {@code n} of {@code seed} (a file or a SavedModel folder) to {@code out}; returns what was done. */
    static String write(Path seed, long n, Path out) throws IOException {
        Random r = new Random(seed.getFileName().toString().hashCode() * 1_000_003L + n);
        if (Files.isDirectory(seed)) {
            copyTree(seed, out);
            List<Path> files;
            try (Stream<Path> s = Files.walk(out)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            Path victim = files.get(r.nextInt(files.size()));
            Mutant m = mutate(Files.readAllBytes(victim), r);
            Files.write(victim, m.bytes());
            return out.relativize(victim) + ": " + m.what();
        }
        byte[] whole = Files.readAllBytes(seed);
        if (isZip(whole) && r.nextInt(4) != 0) { // mostly inside an entry; sometimes the zip itself
            return rezip(seed, r, out);
        }
        Mutant m = mutate(whole, r);
        Files.write(out, m.bytes());
        return m.what();
    }

    /** Mutated bytes, and what was done to them. */
    private record Mutant(byte[] bytes, String what) {
    }

    private static boolean isZip(byte[] b) {
        return b.length > 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
    }

    private static String rezip(Path seed, Random r, Path out) throws IOException {
        try (ZipFile in = new ZipFile(seed.toFile()); ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
            List<? extends ZipEntry> entries = java.util.Collections.list(in.entries());
            int victim = r.nextInt(entries.size());
            String what = null;
            for (int i = 0; i < entries.size(); i++) {
                ZipEntry e = entries.get(i);
                byte[] b;
                try (InputStream s = in.getInputStream(e)) {
                    b = s.readAllBytes();
                }
                if (i == victim) {
                    Mutant m = mutate(b, r);
                    what = e.getName() + ": " + m.what();
                    b = m.bytes();
                }
                ZipEntry copy = new ZipEntry(e.getName());
                if (e.getMethod() == ZipEntry.STORED) { // TorchScript archives are stored: libtorch reads no other kind
                    CRC32 crc = new CRC32();
                    crc.update(b);
                    copy.setMethod(ZipEntry.STORED);
                    copy.setSize(b.length);
                    copy.setCompressedSize(b.length);
                    copy.setCrc(crc.getValue());
                }
                z.putNextEntry(copy);
                z.write(b);
                z.closeEntry();
            }
            return what;
        }
    }

    /** One to three edits of {@code b}. */
    private static Mutant mutate(byte[] b, Random r) {
        StringBuilder what = new StringBuilder();
        byte[] bytes = b.length == 0 ? new byte[] {0} : b.clone();
        int edits = 1 + r.nextInt(3);
        for (int k = 0; k < edits; k++) {
            byte[] x = bytes;
            int at = r.nextInt(x.length);
            switch (r.nextInt(7)) {
                case 0 -> {
                    int bits = 1 + r.nextInt(8);
                    for (int i = 0; i < bits; i++) {
                        int p = r.nextInt(x.length);
                        x[p] ^= (byte) (1 << r.nextInt(8));
                    }
                    what.append("flip ").append(bits).append(" bits; ");
                }
                case 1, 2 -> { // a length or count: 4 or 8 bytes, either byte order, at a random place
                    long v = INTERESTING[r.nextInt(INTERESTING.length)];
                    int width = r.nextBoolean() ? 8 : 4;
                    if (x.length >= width) {
                        at = Math.min(at, x.length - width);
                        ByteBuffer bb = ByteBuffer.wrap(x).order(r.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
                        if (width == 8) {
                            bb.putLong(at, v);
                        } else {
                            bb.putInt(at, (int) v);
                        }
                        what.append("put ").append(width).append("-byte ").append(Long.toHexString(v)).append(" at ").append(at).append("; ");
                    }
                }
                case 3 -> {
                    bytes = java.util.Arrays.copyOf(x, Math.max(1, at));
                    what.append("truncate to ").append(bytes.length).append("; ");
                }
                case 4 -> {
                    int len = Math.min(x.length - at, 1 + r.nextInt(4096));
                    bytes = concat(java.util.Arrays.copyOf(x, at), java.util.Arrays.copyOfRange(x, at + len, x.length));
                    what.append("cut ").append(len).append(" at ").append(at).append("; ");
                }
                case 5 -> {
                    int len = Math.min(x.length - at, 1 + r.nextInt(4096));
                    byte[] chunk = java.util.Arrays.copyOfRange(x, at, at + len);
                    bytes = concat(concat(java.util.Arrays.copyOf(x, at + len), chunk), java.util.Arrays.copyOfRange(x, at + len, x.length));
                    what.append("double ").append(len).append(" at ").append(at).append("; ");
                }
                default -> {
                    byte[] junk = new byte[1 + r.nextInt(64)];
                    r.nextBytes(junk);
                    bytes = concat(concat(java.util.Arrays.copyOf(x, at), junk), java.util.Arrays.copyOfRange(x, at, x.length));
                    what.append("insert ").append(junk.length).append(" at ").append(at).append("; ");
                }
            }
            if (bytes.length == 0) {
                bytes = new byte[] {0};
            }
        }
        return new Mutant(bytes, what.toString().trim());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(a.length + b.length);
        o.writeBytes(a);
        o.writeBytes(b);
        return o.toByteArray();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.sorted(Comparator.naturalOrder()).toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    /** Deletes a mutant (a file or a folder). */
    static void delete(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            List<Path> all = new ArrayList<>(s.toList());
            all.sort(Comparator.reverseOrder());
            for (Path f : all) {
                Files.deleteIfExists(f);
            }
        }
    }
}
