package io.nnviz.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A protobuf message read as a tree of fields without its schema, so that a mutant can change one
 * field deep inside (a tensor's dims, a node's op, a signature) and still carry correct lengths
 * around it: the parser then gets past the envelope to the edit. A length-delimited payload is
 * taken as a nested message only when it parses and encodes back to the same bytes; otherwise it
 * stays raw (strings, tensor data).
 */
final class ProtoTree {
    private static final int MAX_DEPTH = 24;

    /** One field: its number and wire type, and a varint value, raw bytes or nested fields. */
    static final class Field {
        int number, wire;
        long varint;
        byte[] raw;
        List<Field> kids;
        /** Written instead of the true tag or length when set: a lie the mutant tells. */
        Long tagLie, lengthLie;

        Field(int number, int wire) {
            this.number = number;
            this.wire = wire;
        }

        static Field varint(int number, long v) {
            Field f = new Field(number, 0);
            f.varint = v;
            return f;
        }

        static Field string(int number, String s) {
            Field f = new Field(number, 2);
            f.raw = s.getBytes(StandardCharsets.UTF_8);
            return f;
        }

        static Field message(int number, List<Field> kids) {
            Field f = new Field(number, 2);
            f.kids = new ArrayList<>(kids);
            return f;
        }

        /** The payload as text (a string field), or null if it is a message. */
        String text() {
            return raw == null ? null : new String(raw, StandardCharsets.UTF_8);
        }

        /** The first direct child numbered {@code n}, or null. */
        Field kid(int n) {
            if (kids != null) {
                for (Field k : kids) {
                    if (k.number == n) {
                        return k;
                    }
                }
            }
            return null;
        }

        /** The direct children numbered {@code n}. */
        List<Field> all(int n) {
            return kids == null ? List.of() : kids.stream().filter(k -> k.number == n).toList();
        }

        Field copy() {
            Field f = new Field(number, wire);
            f.varint = varint;
            f.raw = raw == null ? null : raw.clone();
            f.kids = kids == null ? null : new ArrayList<>(kids.stream().map(Field::copy).toList());
            f.tagLie = tagLie;
            f.lengthLie = lengthLie;
            return f;
        }
    }

    private ProtoTree() {
    }

    /** The fields of {@code b}, or null if it is not a protobuf message. */
    static List<Field> parse(byte[] b) {
        List<Field> fields = parse(b, 0, b.length, 0);
        return fields != null && Arrays.equals(encode(fields), b) ? fields : null;
    }

    private static List<Field> parse(byte[] b, int from, int to, int depth) {
        List<Field> out = new ArrayList<>();
        int[] at = {from};
        while (at[0] < to) {
            long tag = readVarint(b, at, to);
            if (tag < 0 || (tag >>> 3) == 0 || (tag >>> 3) > 536_870_911L) {
                return null;
            }
            Field f = new Field((int) (tag >>> 3), (int) (tag & 7));
            switch (f.wire) {
                case 0 -> {
                    if (at[0] >= to) {
                        return null;
                    }
                    long v = readVarint(b, at, to);
                    if (at[0] < 0) {
                        return null;
                    }
                    f.varint = v;
                }
                case 1, 5 -> {
                    int n = f.wire == 1 ? 8 : 4;
                    if (to - at[0] < n) {
                        return null;
                    }
                    f.raw = Arrays.copyOfRange(b, at[0], at[0] + n);
                    at[0] += n;
                }
                case 2 -> {
                    long len = readVarint(b, at, to);
                    if (at[0] < 0 || len < 0 || len > to - at[0]) {
                        return null;
                    }
                    int end = at[0] + (int) len;
                    List<Field> kids = depth < MAX_DEPTH && len >= 2 ? parse(b, at[0], end, depth + 1) : null;
                    if (kids != null && Arrays.equals(encode(kids), Arrays.copyOfRange(b, at[0], end))) {
                        f.kids = kids;
                    } else {
                        f.raw = Arrays.copyOfRange(b, at[0], end);
                    }
                    at[0] = end;
                }
                default -> {
                    return null; // groups (3, 4) and the unused 6, 7: none of the formats nnviz reads uses them
                }
            }
            if (at[0] < 0) {
                return null;
            }
            out.add(f);
        }
        return out;
    }

    /** A varint at {@code at[0]}; on a bad one sets {@code at[0]} to -1 and returns -1. */
    private static long readVarint(byte[] b, int[] at, int to) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at[0] >= to) {
                at[0] = -1;
                return -1;
            }
            byte x = b[at[0]++];
            v |= (long) (x & 0x7f) << shift;
            if (x >= 0) {
                return v;
            }
        }
        at[0] = -1;
        return -1;
    }

    static byte[] encode(List<Field> fields) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (Field f : fields) {
            writeVarint(o, f.tagLie != null ? f.tagLie : ((long) f.number << 3) | f.wire);
            if (f.wire == 0 && f.raw == null && f.kids == null) {
                writeVarint(o, f.varint);
                continue;
            }
            byte[] payload = f.kids != null ? encode(f.kids) : f.raw != null ? f.raw : new byte[0];
            if (f.wire == 2 || f.kids != null) {
                writeVarint(o, f.lengthLie != null ? f.lengthLie : payload.length);
            }
            o.writeBytes(payload);
        }
        return o.toByteArray();
    }

    static void writeVarint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7fL) != 0) {
            o.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }

    /** Every field of the tree, depth first, each with the list that holds it. */
    static void walk(List<Field> fields, java.util.function.BiConsumer<Field, List<Field>> visit) {
        for (Field f : new ArrayList<>(fields)) {
            visit.accept(f, fields);
            if (f.kids != null) {
                walk(f.kids, visit);
            }
        }
    }

    /** The messages of the tree that {@code is} accepts. */
    static List<Field> find(List<Field> fields, java.util.function.Predicate<Field> is) {
        List<Field> out = new ArrayList<>();
        Consumer<Field> add = f -> {
            if (f.kids != null && is.test(f)) {
                out.add(f);
            }
        };
        walk(fields, (f, parent) -> add.accept(f));
        return out;
    }
}
