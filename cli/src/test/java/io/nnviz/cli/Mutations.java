package io.nnviz.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Mutated copies of real model files, as an attacker or a bad disk makes them. Most edits know the
 * format (protobuf fields, tensor dims and dtypes, HDF5 messages and attributes, zip directories,
 * JSON configs, pickle opcodes, TorchScript code, SavedModel init ops and signatures: see
 * {@link ProtoMutator}, {@link Hdf5Mutator}, {@link ZipMutator}, {@link JsonMutator},
 * {@link TorchScriptMutator}), so they reach the reader behind the envelope; the rest are byte
 * edits (bit flips, lengths overwritten, truncation, chunks cut, doubled or inserted).
 * Deterministic: the campaign's seed ({@code -Dnnviz.mutations.seed}, 27 unless given), the seed
 * file's name and the mutant's number give the same mutant on every machine.
 */
final class Mutations {
    /** Values that lengths, counts and dims are overwritten with. */
    static final long[] INTERESTING = {0, 1, -1, 0x7f, 0xff, 0x7fff, 0xffff, 0x7fffffffL, 0x80000000L, 0xffffffffL,
            1L << 31, 1L << 32, 1L << 40, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE};
    /** The campaign's seed: CI uses the fixed default, so a failing mutant is the same one on the next run. */
    static final long SEED = Long.getLong("nnviz.mutations.seed", 27);

    private Mutations() {
    }

    /** Writes mutant number {@code n} of {@code seed} (a file or a SavedModel folder) to {@code out}; returns what was done. */
    static String write(Path seed, long n, Path out) throws IOException {
        return write(seed, n, out, SEED);
    }

    /** Mutant number {@code n} of {@code seed} in the campaign seeded {@code campaign} (a kept regression names its campaign). */
    static String write(Path seed, long n, Path out, long campaign) throws IOException {
        Random r = random(campaign, seed.getFileName().toString(), n);
        if (Files.isDirectory(seed)) {
            copyTree(seed, out);
            List<Path> files;
            try (Stream<Path> s = Files.walk(out)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            // saved_model.pb holds the graph, the signatures and the init ops: it is the victim more often than the variables
            Path victim = files.stream().filter(f -> f.getFileName().toString().equals("saved_model.pb")).findFirst()
                    .filter(f -> r.nextInt(3) != 0).orElse(files.get(r.nextInt(files.size())));
            byte[] b = Files.readAllBytes(victim);
            Mutant m = victim.getFileName().toString().equals("saved_model.pb") && r.nextInt(4) != 0 ? ProtoMutator.mutate(b, "savedmodel", r) : null;
            m = m != null ? m : bytes(b, r);
            Files.write(victim, m.bytes());
            return out.relativize(victim) + ": " + m.what();
        }
        byte[] whole = Files.readAllBytes(seed);
        Mutant m = null;
        if (ZipMutator.isZip(whole)) {
            int k = r.nextInt(20);
            if (k < 11) { // mostly inside an entry; sometimes the zip's directory, sometimes bytes anywhere
                return ZipMutator.entry(seed, r, out);
            }
            m = k < 16 ? ZipMutator.directory(whole, r) : null;
        } else if (r.nextInt(4) != 0) {
            m = whole.length > 8 && whole[1] == 'H' && whole[2] == 'D' && whole[3] == 'F' ? Hdf5Mutator.mutate(whole, r)
                    : whole[0] == 0x08 ? ProtoMutator.mutate(whole, "onnx", r) : whole[0] == 0x0a ? ProtoMutator.mutate(whole, "graph", r) : null;
        }
        m = m != null ? m : bytes(whole, r);
        Files.write(out, m.bytes());
        return m.what();
    }

    /**
     * The mutant's random source. The inputs are mixed first (SplitMix64's finaliser): java.util.Random
     * seeded with neighbouring numbers gives nearly the same first values, so mutants 0, 1, 2... of
     * a seed would all take the same first choice.
     */
    static Random random(long campaign, String seedName, long n) {
        long z = campaign * 0x9E3779B97F4A7C15L + seedName.hashCode() * 1_000_003L + n;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new Random(z ^ (z >>> 31));
    }

    /** Mutated bytes, and what was done to them. */
    record Mutant(byte[] bytes, String what) {
    }

    /** One to three byte edits of {@code b}. */
    static Mutant bytes(byte[] b, Random r) {
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
        return new Mutant(bytes, "bytes " + what.toString().trim());
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
