package io.nnviz.backend.tensorflow.tflite;

import com.google.flatbuffers.Table;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * One flatbuffer table of an untrusted file, read through flatbuffers' {@link Table} only after
 * every position it would use is checked against the buffer: the table and its vtable inside it,
 * each field inside the table's inline bytes, each offset to a table, string or vector landing
 * inside the buffer, and each vector's declared length fitting in what follows it. A check that
 * fails is a {@link ModelLoadException} naming what was being read; nothing is read out of bounds
 * and nothing is allocated before its size is known to fit in the file, and what all reads of one
 * file allocate is held to the load's memory budget ({@link Budget}).
 */
final class TfliteTable extends Table {
    /** What reading a table costs in memory, at least (the objects made from it), charged to the load's budget. */
    static final int TABLE_COST = 64;

    private final Path path;
    private final String what;
    private final int limit;
    private final int inlineSize;
    private final Budget budget;

    /**
     * The memory the values read from one file take, held to the load's budget as they are read: a
     * file can name the same tables, strings and vectors any number of times, and each naming is read
     * anew, so what is read is bounded by this, not by the file's size.
     */
    static final class Budget {
        private final Path path;
        private final long limit;
        private long used;

        Budget(Path path, long limit) {
            this.path = path;
            this.limit = limit;
        }

        void charge(long bytes) {
            used += bytes;
            if (used > limit) {
                throw new ModelTooLargeException(path, "what its tables name (counting each time a table, string or vector is named)",
                        used, limit);
            }
        }

        long used() {
            return used;
        }
    }

    private TfliteTable(Path path, ByteBuffer bb, int pos, String what, Budget budget) {
        this.path = path;
        this.what = what;
        this.budget = budget;
        budget.charge(TABLE_COST);
        this.limit = bb.limit();
        if (pos < 0 || pos > limit - 4) {
            throw damaged(what + " at byte " + Integer.toUnsignedString(pos) + " lies past the end");
        }
        long vtable = (long) pos - bb.getInt(pos);
        if (vtable < 0 || vtable > limit - 4) {
            throw damaged(what + " points to its field table at byte " + vtable + ", outside the file");
        }
        int vtableSize = bb.getShort((int) vtable) & 0xFFFF;
        int tableSize = bb.getShort((int) vtable + 2) & 0xFFFF;
        if (vtableSize < 4 || vtableSize % 2 != 0 || vtable + vtableSize > limit || tableSize < 4 || (long) pos + tableSize > limit) {
            throw damaged(what + " declares a field table of " + vtableSize + " bytes and " + tableSize + " bytes of fields"
                    + " that do not fit in the file");
        }
        this.inlineSize = tableSize;
        __reset(pos, bb);
    }

    /** The root table of a flatbuffer whose identifier is {@code identifier} (4 characters at byte 4). */
    static TfliteTable root(Path path, ByteBuffer bb, String identifier, Budget budget) {
        bb.order(ByteOrder.LITTLE_ENDIAN);
        if (bb.limit() < 12) {
            throw new ModelLoadException(path, "not a TFLite file: " + bb.limit() + " bytes, shorter than a flatbuffer's header");
        }
        if (!__has_identifier(bb, identifier)) {
            throw new ModelLoadException(path, "not a TFLite file: its flatbuffer identifier is not " + identifier);
        }
        long root = bb.getInt(0) & 0xFFFFFFFFL;
        if (root > bb.limit() - 4) {
            throw new ModelLoadException(path, "the TFLite file is truncated or damaged: its model table at byte " + root
                    + " lies past the end (" + bb.limit() + " bytes)");
        }
        return new TfliteTable(path, bb, (int) root, "the model table", budget);
    }

    /** A ModelLoadException for this file, saying what is wrong with it. */
    ModelLoadException damaged(String detail) {
        return new ModelLoadException(path, "the TFLite file is truncated or damaged: " + detail + " (" + limit + " bytes)");
    }

    String what() {
        return what;
    }

    /** The position of a field's inline bytes, or 0 when the field is absent; checked to lie inside the table. */
    private int field(int slot, int width) {
        int o = __offset(slot);
        if (o == 0) {
            return 0;
        }
        if (o < 4 || o + width > inlineSize) {
            throw damaged(what + " has a field at offset " + o + " outside its " + inlineSize + " bytes");
        }
        return bb_pos + o;
    }

    boolean has(int slot) {
        return __offset(slot) != 0;
    }

    int int8(int slot, int dflt) {
        int at = field(slot, 1);
        return at == 0 ? dflt : bb.get(at);
    }

    int uint8(int slot, int dflt) {
        int at = field(slot, 1);
        return at == 0 ? dflt : bb.get(at) & 0xFF;
    }

    int int32(int slot, int dflt) {
        int at = field(slot, 4);
        return at == 0 ? dflt : bb.getInt(at);
    }

    long uint32(int slot, long dflt) {
        int at = field(slot, 4);
        return at == 0 ? dflt : bb.getInt(at) & 0xFFFFFFFFL;
    }

    long uint64(int slot, long dflt) {
        int at = field(slot, 8);
        return at == 0 ? dflt : bb.getLong(at);
    }

    /** Where an offset field at {@code at} points, checked to leave at least {@code room} bytes. */
    private int target(int at, int room, String of) {
        long t = at + (bb.getInt(at) & 0xFFFFFFFFL);
        if (t > limit - room) {
            throw damaged(of + " at byte " + t + " lies past the end");
        }
        return (int) t;
    }

    /** The table in field {@code slot}, or null when absent. */
    TfliteTable table(int slot, String of) {
        int at = field(slot, 4);
        return at == 0 ? null : new TfliteTable(path, bb, target(at, 4, of), of, budget);
    }

    /** A vector: where its elements start and how many there are, checked to fit in the buffer. */
    record Vec(int start, int length) {
    }

    /** The vector in field {@code slot} of elements of {@code width} bytes; an absent one is empty. */
    Vec vector(int slot, int width, String of) {
        int at = field(slot, 4);
        if (at == 0) {
            return new Vec(0, 0);
        }
        int start = target(at, 4, of);
        long length = bb.getInt(start) & 0xFFFFFFFFL;
        if (length * width > limit - start - 4L) {
            throw damaged(of + " declares " + length + " elements of " + width + " bytes at byte " + start
                    + ", past the end of the file");
        }
        return new Vec(start + 4, (int) length);
    }

    int vectorLength(int slot, String of) {
        return vector(slot, 4, of).length();
    }

    /** Element {@code i} of a vector of tables. */
    TfliteTable tableAt(Vec v, int i, String of) {
        return new TfliteTable(path, bb, target(v.start() + 4 * i, 4, of), of, budget);
    }

    /** A vector of int32, copied (its size is bounded by the file's, checked). */
    int[] ints(int slot, String of) {
        Vec v = vector(slot, 4, of);
        budget.charge(4L * v.length());
        int[] out = new int[v.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = bb.getInt(v.start() + 4 * i);
        }
        return out;
    }

    float[] floats(int slot, String of) {
        Vec v = vector(slot, 4, of);
        budget.charge(4L * v.length());
        float[] out = new float[v.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = bb.getFloat(v.start() + 4 * i);
        }
        return out;
    }

    long[] longs(int slot, String of) {
        Vec v = vector(slot, 8, of);
        budget.charge(8L * v.length());
        long[] out = new long[v.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = bb.getLong(v.start() + 8 * i);
        }
        return out;
    }

    /** The string in field {@code slot} (UTF-8, malformed bytes replaced), or null when absent. */
    String string(int slot, String of) {
        Vec v = vector(slot, 1, of);
        if (!has(slot)) {
            return null;
        }
        budget.charge(3L * v.length()); // the bytes, then the string's
        byte[] b = new byte[v.length()];
        bb.get(v.start(), b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Charges {@code bytes} read from this file to the load's budget. */
    void charge(long bytes) {
        budget.charge(bytes);
    }

    /** The buffer, for reading checked ranges. */
    ByteBuffer buffer() {
        return bb;
    }
}
