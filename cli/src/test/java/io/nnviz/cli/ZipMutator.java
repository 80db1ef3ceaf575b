package io.nnviz.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Edits of the zip archives nnviz reads (DL4J model zips, TorchScript archives). Either the
 * archive's directory itself (a central-directory, local-header or end-record field set to a
 * value that breaks readers, an entry listed twice, a name changed in place to leave the
 * archive), or one entry edited by what it holds, with a valid archive around it so the edit
 * reaches the model reader: DL4J's {@code configuration.json} (JSON edits, compact or pretty) and
 * {@code coefficients.bin} (ND4J arrays: dtype, length, shape), TorchScript's pickles and code.
 */
final class ZipMutator {
    private static final int CEN = 0x02014b50, LOC = 0x04034b50, END = 0x06054b50;
    private static final String[] DTYPES = {"FLOAT", "DOUBLE", "HALF", "LONG", "INT", "BOOL", "UTF8", "COMPRESSED", "UNKNOWN", "BFLOAT16", "BYTE"};

    private ZipMutator() {
    }

    /** One edit of the archive's directory, in place; null if it has no end record. */
    static Mutations.Mutant directory(byte[] zip, Random r) {
        ByteBuffer bb = ByteBuffer.wrap(zip.clone()).order(ByteOrder.LITTLE_ENDIAN);
        int end = -1;
        for (int i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
            if (bb.getInt(i) == END) {
                end = i;
                break;
            }
        }
        if (end < 0) {
            return null;
        }
        List<Integer> cen = new ArrayList<>();
        for (int at = bb.getInt(end + 16); at >= 0 && at + 46 <= end && bb.getInt(at) == CEN; ) {
            cen.add(at);
            at += 46 + (bb.getShort(at + 28) & 0xffff) + (bb.getShort(at + 30) & 0xffff) + (bb.getShort(at + 32) & 0xffff);
        }
        if (cen.isEmpty()) {
            return null;
        }
        int c = cen.get(r.nextInt(cen.size())), loc = bb.getInt(c + 42), nameLen = bb.getShort(c + 28) & 0xffff;
        String name = new String(zip, c + 46, nameLen, StandardCharsets.UTF_8);
        long v = Mutations.INTERESTING[r.nextInt(Mutations.INTERESTING.length)];
        switch (r.nextInt(5)) {
            case 0 -> { // central directory: method, sizes, crc, name/extra lengths, local header offset
                int[] at = {10, 16, 20, 24, 28, 30, 42};
                int f = at[r.nextInt(at.length)];
                if (f == 10 || f == 28 || f == 30) {
                    bb.putShort(c + f, (short) v);
                } else {
                    bb.putInt(c + f, (int) v);
                }
                return new Mutations.Mutant(bb.array(), "zip directory entry " + name + " field at +" + f + " -> " + Long.toHexString(v));
            }
            case 1 -> { // local header: method, sizes, name/extra lengths
                if (loc < 0 || loc + 30 > zip.length || bb.getInt(loc) != LOC) {
                    return null;
                }
                int[] at = {8, 18, 22, 26, 28};
                int f = at[r.nextInt(at.length)];
                if (f == 8 || f == 26 || f == 28) {
                    bb.putShort(loc + f, (short) v);
                } else {
                    bb.putInt(loc + f, (int) v);
                }
                return new Mutations.Mutant(bb.array(), "zip local header " + name + " field at +" + f + " -> " + Long.toHexString(v));
            }
            case 2 -> { // end record: entry counts, directory size and offset
                int f = new int[] {8, 10, 12, 16, 20}[r.nextInt(5)];
                if (f < 12 || f == 20) {
                    bb.putShort(end + f, (short) v);
                } else {
                    bb.putInt(end + f, (int) v);
                }
                return new Mutations.Mutant(bb.array(), "zip end record field at +" + f + " -> " + Long.toHexString(v));
            }
            case 3 -> { // the name changed in place (directory and local header): a path out, a directory, another entry's prefix
                String to = new String[] {"../", "/", "..\\", "\u0000", "./", "//"}[r.nextInt(6)];
                byte[] t = to.getBytes(StandardCharsets.UTF_8);
                int n = Math.min(t.length, nameLen);
                System.arraycopy(t, 0, bb.array(), c + 46, n);
                if (loc >= 0 && loc + 30 + n <= zip.length && bb.getInt(loc) == LOC) {
                    System.arraycopy(t, 0, bb.array(), loc + 30, n);
                }
                return new Mutations.Mutant(bb.array(), "zip entry " + name + " renamed to start with " + to.replace("\u0000", "\\0"));
            }
            default -> { // the entry listed twice: its directory record doubled, the end record updated
                int len = 46 + nameLen + (bb.getShort(c + 30) & 0xffff) + (bb.getShort(c + 32) & 0xffff);
                byte[] out = new byte[zip.length + len];
                System.arraycopy(zip, 0, out, 0, c + len);
                System.arraycopy(zip, c, out, c + len, zip.length - c);
                ByteBuffer o = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
                int e = end + len;
                o.putShort(e + 8, (short) (o.getShort(e + 8) + 1));
                o.putShort(e + 10, (short) (o.getShort(e + 10) + 1));
                o.putInt(e + 12, o.getInt(e + 12) + len);
                return new Mutations.Mutant(out, "zip entry " + name + " listed twice");
            }
        }
    }

    /** The archive rewritten with one entry edited by what it holds; returns what was done. */
    static String entry(Path seed, Random r, Path out) throws IOException {
        try (ZipFile in = new ZipFile(seed.toFile()); ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
            List<? extends ZipEntry> entries = java.util.Collections.list(in.entries());
            // the entries that hold the model's structure are chosen more often than tensor data
            List<Integer> structural = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                String n = entries.get(i).getName();
                if (!n.contains("/data/") && !n.startsWith("data/")) {
                    structural.add(i);
                }
            }
            int victim = r.nextInt(4) != 0 && !structural.isEmpty() ? structural.get(r.nextInt(structural.size())) : r.nextInt(entries.size());
            String what = null;
            for (int i = 0; i < entries.size(); i++) {
                ZipEntry e = entries.get(i);
                byte[] b;
                try (InputStream s = in.getInputStream(e)) {
                    b = s.readAllBytes();
                }
                if (i == victim) {
                    Mutations.Mutant m = content(e.getName(), b, r);
                    what = e.getName() + ": " + m.what();
                    b = m.bytes();
                }
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setTime(Math.max(0, e.getTime())); // the seed's time, not now: the same mutant on every run
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

    /** An entry's bytes edited by what its name says it holds (byte edits where nothing structural applies). */
    private static Mutations.Mutant content(String name, byte[] b, Random r) {
        Mutations.Mutant m = null;
        if (r.nextInt(5) != 0) {
            if (name.endsWith(".json")) {
                JsonMutator.Edit e = JsonMutator.mutate(new String(b, StandardCharsets.UTF_8), r.nextBoolean(), r);
                m = e == null ? null : new Mutations.Mutant(e.json().getBytes(StandardCharsets.UTF_8), "json " + e.what());
            } else if (name.endsWith(".pkl") || name.endsWith(".debug_pkl")) { // before code/: the debug pickles lie beside the code
                m = TorchScriptMutator.pickle(b, r);
            } else if (name.contains("/code/") || name.startsWith("code/")) {
                m = TorchScriptMutator.code(b, r);
            } else if (name.endsWith(".bin")) {
                m = nd4j(b, r);
            }
        }
        return m != null ? m : Mutations.bytes(b, r);
    }

    /**
     * An ND4J array stream (DL4J's {@code coefficients.bin}, {@code updaterState.bin}): buffers of
     * a UTF allocation mode, a long length and a UTF dtype name, then the values; the shape buffer
     * (dtype LONG) holds rank, dims, strides. The dtype, the length or a shape value is edited.
     */
    static Mutations.Mutant nd4j(byte[] b, Random r) {
        List<int[]> names = new ArrayList<>(); // {offset of the UTF length, its length}
        for (int i = 0; i + 2 < b.length && names.size() < 1000; i++) {
            int len = ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
            if (len >= 3 && len <= 10 && i + 2 + len <= b.length && i >= 8) {
                String s = new String(b, i + 2, len, StandardCharsets.ISO_8859_1);
                if (java.util.Arrays.asList(DTYPES).contains(s)) {
                    names.add(new int[] {i, len});
                }
            }
        }
        if (names.isEmpty()) {
            return null;
        }
        int[] n = names.get(r.nextInt(names.size()));
        long v = Mutations.INTERESTING[r.nextInt(Mutations.INTERESTING.length)];
        ByteBuffer bb = ByteBuffer.wrap(b.clone()); // Java's DataOutputStream: big-endian
        switch (r.nextInt(3)) {
            case 0 -> {
                String to = DTYPES[r.nextInt(DTYPES.length)];
                byte[] t = to.getBytes(StandardCharsets.ISO_8859_1);
                byte[] out = new byte[b.length - n[1] + t.length];
                System.arraycopy(b, 0, out, 0, n[0]);
                out[n[0]] = 0;
                out[n[0] + 1] = (byte) t.length;
                System.arraycopy(t, 0, out, n[0] + 2, t.length);
                System.arraycopy(b, n[0] + 2 + n[1], out, n[0] + 2 + t.length, b.length - n[0] - 2 - n[1]);
                return new Mutations.Mutant(out, "nd4j dtype at " + n[0] + " -> " + to);
            }
            case 1 -> {
                bb.putLong(n[0] - 8, v);
                return new Mutations.Mutant(bb.array(), "nd4j buffer length at " + (n[0] - 8) + " -> " + v);
            }
            default -> {
                int at = n[0] + 2 + n[1] + 8 * r.nextInt(5);
                if (at + 8 > b.length) {
                    return null;
                }
                bb.putLong(at, r.nextBoolean() ? v : r.nextInt(70) - 3);
                return new Mutations.Mutant(bb.array(), "nd4j value " + (at - n[0] - 2 - n[1]) / 8 + " after dtype at " + n[0] + " -> " + bb.getLong(at));
            }
        }
    }

    static boolean isZip(byte[] b) {
        return b.length > 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
    }
}
