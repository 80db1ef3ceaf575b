package io.nnviz.cli;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Structure-aware edits of a Keras {@code .h5} (HDF5 with version 1 object headers, as h5py
 * writes by default): the file is scanned for object headers and their continuation blocks, and
 * one message is edited where it matters: a dataset's dataspace (rank, dims), datatype (class,
 * size), layout (address, size, chunking), an attribute's header, dataspace or value, or the
 * {@code model_config} JSON (Keras's model description) rewritten compactly in its own space.
 */
final class Hdf5Mutator {
    static final int DATASPACE = 1, DATATYPE = 3, LAYOUT = 8, ATTRIBUTE = 12, CONTINUATION = 16;

    /** A message found: its type, where its 8-byte header starts, and its size. */
    private record Message(int type, int header, int size) {
        int body() {
            return header + 8;
        }
    }

    private Hdf5Mutator() {
    }

    /** One edit of an HDF5 file, or null if no object header was found. */
    static Mutations.Mutant mutate(byte[] file, Random r) {
        List<Message> all = messages(file);
        if (all.isEmpty()) {
            return null;
        }
        byte[] b = file.clone();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int family = r.nextInt(6);
        List<Message> of = all.stream().filter(m -> m.type() == new int[] {DATASPACE, DATATYPE, LAYOUT, ATTRIBUTE, ATTRIBUTE, -1}[family]).toList();
        Message m = of.isEmpty() ? all.get(r.nextInt(all.size())) : of.get(r.nextInt(of.size()));
        if (family == 4 || family == 3 && r.nextBoolean()) {
            String json = config(b, bb, r);
            if (json != null) {
                return new Mutations.Mutant(b, "hdf5 " + json);
            }
        }
        String what = switch (m.type()) {
            case DATASPACE -> dataspace(bb, m.body(), r);
            case DATATYPE -> datatype(bb, m.body(), r);
            case LAYOUT -> layout(bb, m, r);
            case ATTRIBUTE -> attribute(bb, m, r);
            default -> {
                if (r.nextBoolean()) {
                    bb.putShort(m.header(), (short) r.nextInt(0x19));
                    yield "message type of " + m.type() + " at " + m.header() + " -> " + bb.getShort(m.header());
                }
                bb.putShort(m.header() + 2, (short) Mutations.INTERESTING[r.nextInt(Mutations.INTERESTING.length)]);
                yield "message size of " + m.type() + " at " + m.header() + " -> " + (bb.getShort(m.header() + 2) & 0xffff);
            }
        };
        return new Mutations.Mutant(b, "hdf5 " + what);
    }

    /** The messages of every version 1 object header in the file, and of the continuation blocks they point to. */
    static List<Message> messages(byte[] b) {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        List<Message> out = new ArrayList<>();
        for (int at = 0; at + 24 <= b.length; at += 8) { // h5py aligns object headers to 8
            int n = bb.getShort(at + 2) & 0xffff, size = bb.getInt(at + 8);
            if (b[at] != 1 || b[at + 1] != 0 || n == 0 || n > 4096 || bb.getInt(at + 4) < 1 || bb.getInt(at + 4) > 64
                    || size < 8 || size > b.length - at - 16 || bb.getInt(at + 12) != 0) {
                continue;
            }
            List<Message> block = block(bb, at + 16, size);
            if (block == null) {
                continue;
            }
            out.addAll(block);
            for (int i = 0; i < out.size(); i++) { // continuation blocks (appended as they are found)
                Message c = out.get(i);
                if (c.type() == CONTINUATION && c.size() >= 16) {
                    long addr = bb.getLong(c.body()), len = bb.getLong(c.body() + 8);
                    if (addr > 0 && len > 0 && addr + len <= b.length && out.stream().noneMatch(x -> x.header() == addr)) {
                        List<Message> more = block(bb, (int) addr, (int) len);
                        if (more != null) {
                            out.addAll(more);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static List<Message> block(ByteBuffer bb, int from, int len) {
        List<Message> out = new ArrayList<>();
        int at = from;
        while (at + 8 <= from + len) {
            int type = bb.getShort(at) & 0xffff, size = bb.getShort(at + 2) & 0xffff;
            if (type > 0x18 || at + 8 + size > from + len) {
                return null;
            }
            if (type != 0) {
                out.add(new Message(type, at, size));
            }
            at += 8 + size;
        }
        return out.isEmpty() ? null : out;
    }

    private static long value(Random r) {
        return r.nextBoolean() ? r.nextInt(70) - 3 : Mutations.INTERESTING[r.nextInt(Mutations.INTERESTING.length)];
    }

    /** Dataspace v1: version, rank, flags, 5 reserved, then rank dims of 8 bytes (and max dims). v2: version, rank, flags, type. */
    private static String dataspace(ByteBuffer bb, int at, Random r) {
        int version = bb.get(at), rank = bb.get(at + 1) & 0xff;
        if (rank == 0 || r.nextInt(4) == 0) {
            int to = new int[] {0, 1, 7, 32, 33, 255}[r.nextInt(6)];
            bb.put(at + 1, (byte) to);
            return "dataspace rank " + rank + " -> " + to;
        }
        int dims = at + (version == 1 ? 8 : 4), i = r.nextInt(rank);
        long to = value(r);
        bb.putLong(dims + 8 * i, to);
        return "dataspace dim " + i + " of " + rank + " -> " + to;
    }

    /** Datatype: class and version (1 byte), 3 bytes of bit fields, size (4 bytes), then properties. */
    private static String datatype(ByteBuffer bb, int at, Random r) {
        switch (r.nextInt(3)) {
            case 0 -> {
                int cls = r.nextInt(16);
                bb.put(at, (byte) ((bb.get(at) & 0xf0) | cls));
                return "datatype class -> " + cls;
            }
            case 1 -> {
                long to = value(r);
                bb.putInt(at + 4, (int) to);
                return "datatype size -> " + (int) to;
            }
            default -> {
                bb.put(at + 1 + r.nextInt(3), (byte) r.nextInt(256));
                return "datatype bit fields edited (byte order, sign, padding)";
            }
        }
    }

    /** Layout v3: version, class (0 compact, 1 contiguous: address and size; 2 chunked: rank, B-tree address, dims). */
    private static String layout(ByteBuffer bb, Message m, Random r) {
        int at = m.body(), cls = bb.get(at + 1);
        if (r.nextInt(4) == 0) {
            int to = r.nextInt(4);
            bb.put(at + 1, (byte) to);
            return "layout class " + cls + " -> " + to;
        }
        int field = cls == 2 ? at + 3 + 8 + 4 * r.nextInt(Math.max(1, Math.min(bb.get(at + 2), (m.size() - 11) / 4))) : at + 2 + 8 * r.nextInt(2);
        long to = r.nextBoolean() ? bb.capacity() - r.nextInt(64) : value(r);
        if (cls == 2 && field + 4 <= m.body() + m.size()) {
            bb.putInt(field, (int) to);
        } else if (field + 8 <= m.body() + m.size()) {
            bb.putLong(field, to);
        }
        return "layout (class " + cls + ") field at " + (field - at) + " -> " + to;
    }

    /** Attribute v1: version, reserved, name size, datatype size, dataspace size (2 bytes each), then each part padded to 8. */
    private static String attribute(ByteBuffer bb, Message m, Random r) {
        int at = m.body();
        if (bb.get(at) != 1) {
            bb.putShort(at + 2 + 2 * r.nextInt(3), (short) value(r));
            return "attribute (v" + bb.get(at) + ") header size edited";
        }
        int name = bb.getShort(at + 2) & 0xffff, dt = bb.getShort(at + 4) & 0xffff;
        String label = new String(bb.array(), at + 8, Math.max(0, Math.min(name - 1, 64)), StandardCharsets.ISO_8859_1);
        int dtAt = at + 8 + pad8(name), dsAt = dtAt + pad8(dt);
        return switch (r.nextInt(4)) {
            case 0 -> {
                int which = r.nextInt(3);
                bb.putShort(at + 2 + 2 * which, (short) value(r));
                yield "attribute " + label + " " + new String[] {"name", "datatype", "dataspace"}[which] + " size -> " + (bb.getShort(at + 2 + 2 * which) & 0xffff);
            }
            case 1 -> "attribute " + label + " " + datatype(bb, dtAt, r);
            case 2 -> "attribute " + label + " " + dataspace(bb, dsAt, r);
            default -> {
                int end = m.body() + m.size(), p = dsAt + r.nextInt(Math.max(1, end - dsAt));
                bb.put(p, (byte) (bb.get(p) ^ (1 << r.nextInt(8))));
                yield "attribute " + label + " value bit flipped at " + (p - at);
            }
        };
    }

    private static int pad8(int n) {
        return (n + 7) & ~7;
    }

    /** The model_config (or training_config) attribute's JSON edited and written back compactly in its own space, spaces after. */
    private static String config(byte[] b, ByteBuffer bb, Random r) {
        for (Message a : messages(b)) {
            int at = a.body();
            if (a.type() != ATTRIBUTE || bb.get(at) != 1) {
                continue;
            }
            int name = bb.getShort(at + 2) & 0xffff;
            String label = new String(b, at + 8, Math.max(0, name - 1), StandardCharsets.ISO_8859_1);
            if (!label.equals("model_config") && !label.equals("training_config")) {
                continue;
            }
            int dt = bb.getShort(at + 4) & 0xffff, ds = bb.getShort(at + 6) & 0xffff;
            int data = at + 8 + pad8(name) + pad8(dt) + pad8(ds), len = bb.getInt(at + 8 + pad8(name) + 4);
            if (data + len > a.body() + a.size() || len <= 2) {
                continue;
            }
            String json = new String(b, data, len, StandardCharsets.UTF_8);
            JsonMutator.Edit e = JsonMutator.mutate(json, false, r);
            byte[] out = e == null ? null : e.json().getBytes(StandardCharsets.UTF_8);
            if (out == null || out.length > len) {
                return null;
            }
            System.arraycopy(out, 0, b, data, out.length);
            java.util.Arrays.fill(b, data + out.length, data + len, (byte) ' ');
            return label + " " + e.what();
        }
        return null;
    }
}
