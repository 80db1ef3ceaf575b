package io.nnviz.backend.djl.torchscript;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.spi.Printable;
import io.nnviz.api.spi.SafeFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipEntry;

/**
 * A TorchScript zip read the way libtorch reads it (miniz, as PyTorch builds it), so that what nnviz
 * checks is what libtorch then reads. miniz takes the last end-of-central-directory record in the
 * file, follows its zip64 locator when there is one, and finds an entry by a binary search over names
 * compared without regard to ASCII case ({@code CODE/__TORCH__.PY} is {@code code/__torch__.py} to
 * it); Java's {@code ZipFile} differs in each. So an archive is refused when its entries read
 * differently through the two, when two names are the same to libtorch (a checked copy and an
 * unchecked one), or when an entry's local header names another entry; and the entries nnviz checks
 * are read from where miniz reads them.
 */
final class TorchScriptZip {
    private static final int EOCD = 0x06054b50, ZIP64_LOCATOR = 0x07064b50, ZIP64_EOCD = 0x06064b50, CENTRAL = 0x02014b50,
            LOCAL = 0x04034b50;
    /** A central directory of {@link SafeFiles#MAX_ZIP_ENTRIES} entries with long names fits. */
    private static final long MAX_DIRECTORY_BYTES = 64L << 20;

    /** An entry as the central directory declares it. */
    record Entry(String name, byte[] rawName, int method, long compressedSize, long size, long localOffset) {
        /** The name as libtorch compares names: ASCII letters in lower case. */
        String folded() {
            byte[] f = rawName.clone();
            for (int k = 0; k < f.length; k++) {
                if (f[k] >= 'A' && f[k] <= 'Z') {
                    f[k] += 'a' - 'A';
                }
            }
            return new String(f, StandardCharsets.ISO_8859_1);
        }
    }

    private final Path path;
    private final FileChannel ch;
    private final long length;

    TorchScriptZip(Path path, FileChannel ch) throws IOException {
        this.path = path;
        this.ch = ch;
        this.length = ch.size();
    }

    /**
     * The entries as miniz lists them, refused unless they are the ones Java lists (names and sizes,
     * in order: {@code javaView}), no two names are the same to libtorch, and each local header names
     * its entry.
     */
    List<Entry> entries(List<ZipEntry> javaView) throws IOException {
        List<Entry> entries = centralDirectory();
        boolean same = entries.size() == javaView.size();
        for (int k = 0; same && k < entries.size(); k++) {
            ZipEntry j = javaView.get(k);
            Entry e = entries.get(k);
            same = e.name().equals(j.getName()) && e.size() == j.getSize() && e.compressedSize() == j.getCompressedSize();
        }
        if (!same) {
            throw refused("its zip directory reads differently to libtorch's reader (" + entries.size() + " entries) and Java's ("
                    + javaView.size() + "): a file made to show a checker one archive and libtorch another");
        }
        Map<String, String> seen = new HashMap<>();
        for (Entry e : entries) {
            String before = seen.putIfAbsent(e.folded(), e.name());
            if (before != null) {
                throw refused("its archive holds " + Printable.name(e.name()) + (before.equals(e.name()) ? " twice"
                        : " and " + Printable.name(before) + ", the same entry to libtorch (which ignores case)")
                        + ": libtorch would read one copy and nnviz check another");
            }
            localHeader(e);
        }
        return entries;
    }

    /** The bytes of {@code e} (at most {@code limit}), from where miniz reads them. */
    byte[] content(Entry e, long limit) throws IOException {
        if (e.size() > limit) {
            throw refused("its entry " + Printable.name(e.name()) + " is " + e.size() + " bytes (at most " + limit + ")");
        }
        // deflate adds at most a few bytes per 16 KiB block to what it cannot compress
        if (e.compressedSize() > e.size() + (e.size() >> 8) + 1024 || e.compressedSize() > length) {
            throw refused("its entry " + Printable.name(e.name()) + " declares " + e.compressedSize() + " packed bytes for "
                    + e.size());
        }
        ByteBuffer h = read(e.localOffset(), 30);
        long data = e.localOffset() + 30 + u16(h, 26) + u16(h, 28);
        if (data + e.compressedSize() > length) {
            throw refused("its entry " + Printable.name(e.name()) + " runs past the end of the file");
        }
        byte[] packed = read(data, (int) e.compressedSize()).array();
        if (e.method() == 0) {
            if (packed.length != e.size()) {
                throw refused("its stored entry " + Printable.name(e.name()) + " declares " + e.size() + " bytes and holds "
                        + packed.length);
            }
            return packed;
        }
        if (e.method() != 8) {
            throw refused("its entry " + Printable.name(e.name()) + " is packed with method " + e.method()
                    + " (libtorch reads stored and deflated entries)");
        }
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(packed);
            byte[] out = new byte[(int) e.size()];
            int n = 0;
            while (n < out.length && !inf.finished()) {
                int r = inf.inflate(out, n, out.length - n);
                if (r == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    break; // short, or asking for a preset dictionary libtorch does not have
                }
                n += r;
            }
            if (n != out.length || !inf.finished() && inf.inflate(new byte[1]) > 0) {
                throw refused("its entry " + Printable.name(e.name()) + " does not unpack to the " + e.size() + " bytes it declares");
            }
            return out;
        } catch (DataFormatException ex) {
            throw refused("its entry " + Printable.name(e.name()) + " is damaged (" + ex.getMessage() + ")");
        } finally {
            inf.end();
        }
    }

    // ---- the central directory, as miniz finds it -----------------------------------------------------

    private List<Entry> centralDirectory() throws IOException {
        long eocd = lastEndRecord();
        ByteBuffer end = read(eocd, 22);
        long count = u16(end, 10), size = u32(end, 12), offset = u32(end, 16);
        if (eocd >= 20) {
            ByteBuffer loc = read(eocd - 20, 20);
            if (loc.getInt(0) == ZIP64_LOCATOR) {
                long at = loc.getLong(8);
                if (at < 0 || at + 56 > length) {
                    throw refused("its zip64 directory record lies outside the file");
                }
                ByteBuffer z = read(at, 56);
                if (z.getInt(0) != ZIP64_EOCD) {
                    throw refused("its zip64 locator points at no zip64 directory record");
                }
                count = z.getLong(32);
                size = z.getLong(40);
                offset = z.getLong(48);
            }
        }
        if (count < 0 || count > SafeFiles.MAX_ZIP_ENTRIES || size < 46 * count || size > MAX_DIRECTORY_BYTES || offset < 0 || size > length || offset + size > length) {
            throw refused("its zip directory declares " + count + " entries in " + size + " bytes at " + offset
                    + ", which the file does not hold");
        }
        ByteBuffer cd = read(offset, (int) size);
        List<Entry> out = new ArrayList<>();
        int p = 0;
        for (long k = 0; k < count; k++) {
            if (p + 46 > size || cd.getInt(p) != CENTRAL) {
                throw refused("its zip directory is damaged at entry " + k);
            }
            int method = u16(cd, p + 10), n = u16(cd, p + 28), x = u16(cd, p + 30), m = u16(cd, p + 32);
            long packed = u32(cd, p + 20), unpacked = u32(cd, p + 24), local = u32(cd, p + 42);
            if (p + 46L + n + x + m > size) {
                throw refused("its zip directory is damaged at entry " + k);
            }
            byte[] raw = new byte[n];
            cd.get(p + 46, raw);
            // zip64: the fields saturated at 0xFFFFFFFF follow in this order in extra field 1
            int extraEnd = p + 46 + n + x;
            for (int e = p + 46 + n; e + 4 <= extraEnd; ) {
                int id = u16(cd, e), fieldEnd = Math.min(e + 4 + u16(cd, e + 2), extraEnd), f = e + 4;
                if (id == 1) {
                    if (unpacked == 0xFFFF_FFFFL && f + 8 <= fieldEnd) {
                        unpacked = cd.getLong(f);
                        f += 8;
                    }
                    if (packed == 0xFFFF_FFFFL && f + 8 <= fieldEnd) {
                        packed = cd.getLong(f);
                        f += 8;
                    }
                    if (local == 0xFFFF_FFFFL && f + 8 <= fieldEnd) {
                        local = cd.getLong(f);
                    }
                }
                e = fieldEnd;
            }
            out.add(new Entry(new String(raw, StandardCharsets.UTF_8), raw, method, packed, unpacked, local));
            p += 46 + n + x + m;
        }
        return out;
    }

    /** miniz's choice: the last end record with room for itself, within a comment's reach of the end. */
    private long lastEndRecord() throws IOException {
        int window = (int) Math.min(length, 22 + 0xFFFF);
        ByteBuffer tail = read(length - window, window);
        for (int k = window - 22; k >= 0; k--) {
            if (tail.getInt(k) == EOCD) {
                return length - window + k;
            }
        }
        throw refused("not a TorchScript file (no zip directory)");
    }

    private void localHeader(Entry e) throws IOException {
        if (e.localOffset() < 0 || e.localOffset() + 30 + e.rawName().length > length) {
            throw refused("its entry " + Printable.name(e.name()) + " has no local header in the file");
        }
        ByteBuffer h = read(e.localOffset(), 30 + e.rawName().length);
        int n = e.rawName().length;
        if (h.getInt(0) != LOCAL || u16(h, 26) != n || !Arrays.equals(e.rawName(), 0, n, h.array(), 30, 30 + n)) {
            throw refused("its entry " + Printable.name(e.name()) + " has a local header that does not name it");
        }
    }

    private ByteBuffer read(long at, int n) throws IOException {
        if (at < 0 || at + n > length) {
            throw refused("its zip structure points past the end of the file");
        }
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw refused("its zip structure points past the end of the file");
            }
        }
        return b.flip();
    }

    private static int u16(ByteBuffer b, int at) {
        return b.getShort(at) & 0xFFFF;
    }

    private static long u32(ByteBuffer b, int at) {
        return b.getInt(at) & 0xFFFF_FFFFL;
    }

    private ModelLoadException refused(String what) {
        return new ModelLoadException(path, what);
    }
}
