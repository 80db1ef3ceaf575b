package io.nnviz.backend.djl.gguf;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.spi.Printable;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A GGUF file's header (ggml's docs/gguf.md: magic, version, tensor and key-value counts, the
 * metadata, the tensor infos), read from the mapped head of the file and checked whole before any
 * tensor is read: every count and length against the bytes left before anything is allocated for
 * it, no nested arrays (ggml has none), the alignment a power of two, every tensor's type known,
 * its rows whole blocks, its dimensions' product within 2^63, its offset aligned and its bytes
 * inside the file, no two tensors overlapping, no name twice. Versions 2 and 3, either byte order
 * (version 3 allows big-endian files; the version field tells which). One use per file.
 */
final class GgufHeader {
    /** Key and tensor-name lengths the spec allows (keys at most 65535 bytes). */
    static final int MAX_KEY = 65_535;
    /** String values kept for the model's properties are cut to this many characters. */
    static final int KEEP_STRING = 1024;
    static final int MAX_DIMS = 4;
    private static final int STRING = 8, ARRAY = 9;
    /** Bytes of each metadata value type ({@code gguf_metadata_value_type}); strings and arrays are at least their length fields. */
    private static final int[] SIZE = {1, 1, 2, 2, 4, 4, 4, 1, 8, 12, 8, 8, 8};
    private static final String[] TYPE_NAMES = {"UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32", "BOOL", "STRING",
            "ARRAY", "UINT64", "INT64", "FLOAT64"};

    /** A metadata array: its item type and length (the items are not kept). */
    record ArrayValue(String itemType, long length) {
        @Override
        public String toString() {
            return "array of " + length + " " + itemType;
        }
    }

    /** A tensor as its info declares it: ggml's dimensions (ne[0] first), type, offset from the data's start and bytes. */
    record Ref(String name, long[] dims, GgufType type, long offset, long bytes, long elements, int index) {
        /** The shape in PyTorch's (and nnviz's) row-major order: ggml's dimensions reversed. */
        long[] shape() {
            long[] s = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                s[i] = dims[dims.length - 1 - i];
            }
            return s;
        }
    }

    private final Path path;
    private final ByteBuffer b;
    private final long fileSize;
    int version;
    final Map<String, Object> metadata = new LinkedHashMap<>();
    final Map<String, String> metadataTypes = new LinkedHashMap<>();
    final List<Ref> tensors = new ArrayList<>();
    long alignment = 32;
    long dataStart;

    private GgufHeader(Path path, ByteBuffer head, long fileSize) {
        this.path = path;
        this.b = head;
        this.fileSize = fileSize;
    }

    /** Reads and checks the header in {@code head}, the mapped start of a file of {@code fileSize} bytes. */
    static GgufHeader read(Path path, ByteBuffer head, long fileSize) {
        GgufHeader h = new GgufHeader(path, head.order(ByteOrder.LITTLE_ENDIAN), fileSize);
        h.read();
        return h;
    }

    ByteOrder order() {
        return b.order();
    }

    private void read() {
        need(24, "the 24-byte start of a GGUF header");
        if (b.get(0) != 'G' || b.get(1) != 'G' || b.get(2) != 'U' || b.get(3) != 'F') {
            throw refused("not a GGUF file: it does not start with GGUF");
        }
        b.position(4);
        int v = b.getInt();
        if (v != 2 && v != 3 && (Integer.reverseBytes(v) == 2 || Integer.reverseBytes(v) == 3)) {
            b.order(ByteOrder.BIG_ENDIAN);
            v = Integer.reverseBytes(v);
        }
        if (v == 1) {
            throw refused("it is GGUF version 1 (2023), which llama.cpp no longer reads either: convert the model again with llama.cpp's"
                    + " convert_hf_to_gguf.py");
        }
        if (v != 2 && v != 3) {
            throw refused("it declares GGUF version " + Integer.toUnsignedString(v) + "; nnviz reads versions 2 and 3");
        }
        version = v;
        long tensorCount = b.getLong(), kvCount = b.getLong();
        // each tensor info takes at least 24 bytes (name length, rank, type, offset); each pair at least 14
        long room = fileSize - b.position();
        if (tensorCount < 0 || tensorCount > room / 24) {
            throw refused("it declares " + Long.toUnsignedString(tensorCount) + " tensors, where its " + fileSize
                    + " bytes have room for at most " + room / 24 + " tensor infos");
        }
        if (kvCount < 0 || kvCount > room / 14) {
            throw refused("it declares " + Long.toUnsignedString(kvCount) + " metadata pairs, where its " + fileSize
                    + " bytes have room for at most " + room / 14);
        }
        for (long i = 0; i < kvCount; i++) {
            String key = string(MAX_KEY, "metadata key " + i);
            if (key.isEmpty() || metadata.containsKey(key)) {
                throw refused("its metadata key " + i + " is " + (key.isEmpty() ? "empty" : Printable.name(key) + ", a second time"));
            }
            int type = type("metadata " + key);
            metadataTypes.put(key, TYPE_NAMES[type]);
            metadata.put(key, value(type, key));
        }
        Object a = metadata.get("general.alignment");
        if (a != null) {
            if (!"UINT32".equals(metadataTypes.get("general.alignment")) || (long) a <= 0 || Long.bitCount((long) a) != 1) {
                throw refused("its general.alignment is " + a + " (" + metadataTypes.get("general.alignment")
                        + "), not a power of two held as UINT32");
            }
            alignment = (long) a;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < tensorCount; i++) {
            Ref r = tensor(i);
            if (!names.add(r.name())) {
                throw refused("it names two tensors " + Printable.name(r.name()));
            }
            tensors.add(r);
        }
        dataStart = align(b.position());
        checkRanges();
    }

    private Ref tensor(int i) {
        String name = string(MAX_KEY, "the name of tensor " + i);
        String who = "its tensor " + Printable.name(name);
        need(4, who + "'s rank");
        int rank = b.getInt();
        if (rank < 0 || rank > MAX_DIMS) {
            throw refused(who + " has " + Integer.toUnsignedString(rank) + " dimensions; ggml's tensors have at most " + MAX_DIMS);
        }
        need(8L * rank + 12, who + "'s dimensions, type and offset");
        long[] dims = new long[rank];
        long elements = 1;
        for (int k = 0; k < rank; k++) {
            dims[k] = b.getLong();
            if (dims[k] < 0 || dims[k] > Integer.MAX_VALUE) {
                throw refused(who + " has a dimension of " + Long.toUnsignedString(dims[k]) + " (at most 2^31 - 1 here)");
            }
            try {
                elements = Math.multiplyExact(elements, dims[k]);
            } catch (ArithmeticException e) {
                throw refused(who + " declares dimensions whose product passes 2^63");
            }
        }
        int id = b.getInt();
        GgufType type = GgufType.of(Integer.toUnsignedLong(id));
        if (type == null) {
            throw refused(who + " has type " + Integer.toUnsignedString(id) + ", which ggml does not define (its types end at 42)");
        }
        if (type.family == GgufType.Family.REMOVED) {
            throw refused(who + " is of type " + type + ", which ggml removed from the format; llama.cpp does not read it either:"
                    + " requantize the model");
        }
        if (rank > 0 && dims[0] % type.block != 0) {
            throw refused(who + " has rows of " + dims[0] + " values, not whole " + type + " blocks of " + type.block);
        }
        long offset = b.getLong();
        if (offset < 0 || offset % alignment != 0) {
            throw refused(who + " starts at offset " + Long.toUnsignedString(offset) + ", not a multiple of the alignment " + alignment);
        }
        long bytes = elements / type.block * type.bytes;
        return new Ref(name, dims, type, offset, bytes, elements, i);
    }

    /** Every tensor's bytes inside the file, and no two overlapping. */
    private void checkRanges() {
        if (dataStart > fileSize) {
            throw refused("its tensor data would start at byte " + dataStart + ", past the end of its " + fileSize + " bytes");
        }
        long data = fileSize - dataStart;
        for (Ref r : tensors) {
            if (r.offset() > data || r.bytes() > data - r.offset()) {
                throw refused("its tensor " + Printable.name(r.name()) + " declares " + r.elements() + " " + r.type() + " values in "
                        + r.bytes() + " bytes at offset " + r.offset() + ", where the file holds " + data + " bytes of tensor data");
            }
        }
        List<Ref> sorted = new ArrayList<>(tensors);
        sorted.sort((x, y) -> Long.compare(x.offset(), y.offset()));
        for (int i = 1; i < sorted.size(); i++) {
            Ref p = sorted.get(i - 1), r = sorted.get(i);
            if (r.offset() < p.offset() + p.bytes()) {
                throw refused("its tensors " + Printable.name(p.name()) + " and " + Printable.name(r.name()) + " overlap");
            }
        }
    }

    private long align(long at) {
        return at + (alignment - at % alignment) % alignment;
    }

    private int type(String what) {
        need(4, what + "'s type");
        int t = b.getInt();
        if (t < 0 || t >= SIZE.length) {
            throw refused("its " + what + " has value type " + Integer.toUnsignedString(t) + ", which GGUF does not define");
        }
        return t;
    }

    /** A value of {@code type}; an array's items are checked and skipped, kept only as its type and length. */
    private Object value(int type, String key) {
        if (type == ARRAY) {
            int item = type("array " + key);
            if (item == ARRAY) {
                throw refused("its metadata " + Printable.name(key) + " is an array of arrays, which GGUF readers (ggml's) refuse");
            }
            need(8, "the length of array " + key);
            long n = b.getLong();
            long room = b.remaining();
            if (n < 0 || n > room / SIZE[item]) {
                throw refused("its metadata array " + Printable.name(key) + " declares " + Long.toUnsignedString(n) + " "
                        + TYPE_NAMES[item] + " items, where " + room + " bytes are left");
            }
            if (item == STRING) {
                for (long i = 0; i < n; i++) {
                    string(0, "item " + i + " of " + key);
                }
            } else {
                b.position(b.position() + (int) (n * SIZE[item]));
            }
            return new ArrayValue(TYPE_NAMES[item], n);
        }
        if (type == STRING) {
            return string(KEEP_STRING, "metadata " + key);
        }
        need(SIZE[type], "metadata " + key);
        return switch (type) {
            case 0 -> (long) (b.get() & 0xFF);
            case 1 -> (long) b.get();
            case 2 -> (long) (b.getShort() & 0xFFFF);
            case 3 -> (long) b.getShort();
            case 4 -> Integer.toUnsignedLong(b.getInt());
            case 5 -> (long) b.getInt();
            case 6 -> (double) b.getFloat();
            case 7 -> b.get() != 0;
            case 10, 11 -> b.getLong();
            default -> b.getDouble();
        };
    }

    /** A length-prefixed string: its length checked against the bytes left, and against {@code max} unless 0; at most {@code keep} characters kept. */
    private String string(int keep, String what) {
        need(8, "the length of " + what);
        long n = b.getLong();
        if (n < 0 || n > b.remaining()) {
            throw refused("its " + what + " declares " + Long.toUnsignedString(n) + " bytes, where " + b.remaining() + " are left");
        }
        if (keep == MAX_KEY && n > MAX_KEY) {
            throw refused("its " + what + " is " + n + " bytes long; GGUF allows at most " + MAX_KEY);
        }
        int len = (int) n;
        if (keep == 0) {
            b.position(b.position() + len);
            return "";
        }
        byte[] s = new byte[Math.min(len, keep == MAX_KEY ? len : keep * 4)];
        b.get(s);
        b.position(b.position() + len - s.length);
        String v = new String(s, StandardCharsets.UTF_8);
        return keep != MAX_KEY && (v.length() > keep || s.length < len) ? v.substring(0, Math.min(v.length(), keep)) + "..." : v;
    }

    private void need(long n, String what) {
        if (b.remaining() < n) {
            throw refused("it is cut short: " + what + " needs " + n + " bytes at byte " + b.position() + ", where "
                    + (b.capacity() < fileSize ? "the header may take at most " + b.capacity() + " bytes" : "the file ends at "
                    + fileSize));
        }
    }

    private ModelLoadException refused(String what) {
        return new ModelLoadException(path, "GGUF: " + what);
    }
}
