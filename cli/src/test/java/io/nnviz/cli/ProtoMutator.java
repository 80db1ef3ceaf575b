package io.nnviz.cli;

import io.nnviz.cli.ProtoTree.Field;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Structure-aware edits of the protobuf files nnviz reads: ONNX {@code ModelProto}, a frozen
 * {@code GraphDef}, a SavedModel's {@code saved_model.pb}. Generic ones on any field (a tag's
 * number or wire type, a length that lies, a varint set to a value that breaks parsers, a field
 * dropped, doubled or moved, a raw payload edited with the lengths around it kept right), and
 * ones that know the schema: a tensor's dims and dtype (ONNX {@code TensorProto}, TensorFlow
 * {@code TensorProto}), a node's op and inputs, and a SavedModel's init ops, signatures and saver.
 */
final class ProtoMutator {
    /** Ops a hostile graph would use: side effects outside the process, control flow, calls, nothing at all. */
    private static final String[] OPS = {"WriteFile", "ReadFile", "PrintV2", "Print", "MatchingFiles", "SaveV2", "RestoreV2",
            "Assert", "PyFunc", "StatefulPartitionedCall", "PartitionedCall", "While", "NoOp", "Placeholder", "Const",
            "VarHandleOp", "AssignVariableOp", "_Retval", "", "NoSuchOp\u001b[2J"};
    private static final String[] INIT_KEYS = {"__saved_model_init_op", "saved_model_main_op", "legacy_init_op",
            "saved_model_train_op", "table_initializer"};

    private ProtoMutator() {
    }

    /**
     * One structure-aware edit of {@code b} ({@code kind} "onnx", "graph" or "savedmodel"), or null
     * if {@code b} is no protobuf message.
     */
    static Mutations.Mutant mutate(byte[] b, String kind, Random r) {
        List<Field> root = ProtoTree.parse(b);
        if (root == null || root.isEmpty()) {
            return null;
        }
        String what = switch (r.nextInt(kind.equals("onnx") ? 8 : 10)) {
            case 0, 1 -> tensor(root, r);
            case 2 -> varint(root, r);
            case 3 -> tag(root, r);
            case 4 -> length(root, r);
            case 5 -> reshape(root, r);
            case 6 -> payload(root, r);
            case 7 -> kind.equals("onnx") ? onnxNode(root, r) : node(root, r);
            case 8 -> kind.equals("savedmodel") ? savedModel(root, r) : node(root, r);
            default -> kind.equals("savedmodel") ? savedModel(root, r) : tensor(root, r);
        };
        if (what == null) {
            what = varint(root, r);
        }
        return what == null ? null : new Mutations.Mutant(ProtoTree.encode(root), "protobuf " + what);
    }

    private static <T> T pick(List<T> l, Random r) {
        return l.isEmpty() ? null : l.get(r.nextInt(l.size()));
    }

    private static List<Field> fields(List<Field> root, java.util.function.Predicate<Field> is) {
        List<Field> out = new ArrayList<>();
        ProtoTree.walk(root, (f, parent) -> {
            if (is.test(f)) {
                out.add(f);
            }
        });
        return out;
    }

    private static long interesting(Random r) {
        return r.nextInt(3) == 0 ? r.nextInt(300) - 20 : Mutations.INTERESTING[r.nextInt(Mutations.INTERESTING.length)];
    }

    private static String varint(List<Field> root, Random r) {
        Field f = pick(fields(root, x -> x.wire == 0 && x.raw == null && x.kids == null), r);
        if (f == null) {
            return null;
        }
        long was = f.varint;
        f.varint = interesting(r);
        return "varint field " + f.number + ": " + was + " -> " + f.varint;
    }

    private static String tag(List<Field> root, Random r) {
        Field f = pick(fields(root, x -> true), r);
        int number = r.nextBoolean() ? f.number : new int[] {1, 2, 3, 15, 16, 2047, 536_870_911}[r.nextInt(7)];
        int wire = r.nextBoolean() ? f.wire : r.nextInt(8);
        f.tagLie = ((long) number << 3) | wire;
        return "tag of field " + f.number + "/" + f.wire + " -> " + number + "/" + wire;
    }

    private static String length(List<Field> root, Random r) {
        Field f = pick(fields(root, x -> x.wire == 2), r);
        if (f == null) {
            return null;
        }
        int real = ProtoTree.encode(List.of(f)).length; // an upper bound of the payload's length: enough for ±1 lies
        f.lengthLie = r.nextBoolean() ? Math.max(0, real + r.nextInt(5) - 2) : interesting(r);
        return "length of field " + f.number + " -> " + f.lengthLie;
    }

    /** A field dropped, doubled or moved into another message. */
    private static String reshape(List<Field> root, Random r) {
        List<Field[]> sites = new ArrayList<>();
        List<List<Field>> parents = new ArrayList<>();
        ProtoTree.walk(root, (f, parent) -> {
            sites.add(new Field[] {f});
            parents.add(parent);
        });
        int i = r.nextInt(sites.size());
        Field f = sites.get(i)[0];
        List<Field> parent = parents.get(i);
        switch (r.nextInt(3)) {
            case 0 -> {
                parent.remove(f);
                return "drop field " + f.number;
            }
            case 1 -> {
                parent.add(parent.indexOf(f) + 1, f.copy());
                return "double field " + f.number;
            }
            default -> {
                List<Field> to = parents.get(r.nextInt(parents.size()));
                to.add(r.nextInt(to.size() + 1), f.copy());
                return "copy field " + f.number + " elsewhere";
            }
        }
    }

    /** A raw payload (a string, tensor data) edited as bytes; the lengths around it are recomputed. */
    private static String payload(List<Field> root, Random r) {
        Field f = pick(fields(root, x -> x.wire == 2 && x.raw != null), r);
        if (f == null) {
            return null;
        }
        Mutations.Mutant m = Mutations.bytes(f.raw, r);
        f.raw = m.bytes();
        return "payload of field " + f.number + ": " + m.what();
    }

    /** An ONNX TensorProto (dims 1, data_type 2, name 8) or a TensorFlow one (dtype 1, tensor_shape 2). */
    private static String tensor(List<Field> root, Random r) {
        List<Field> onnx = ProtoTree.find(root, m -> m.kid(8) != null && m.kid(8).raw != null && m.kid(2) != null && m.kid(2).wire == 0
                && (m.kid(9) != null || m.kid(1) != null || m.kid(4) != null || m.kid(7) != null || m.kid(13) != null));
        List<Field> tf = ProtoTree.find(root, m -> m.kid(1) != null && m.kid(1).wire == 0 && m.kid(1).varint > 0 && m.kid(1).varint < 32
                && m.kid(2) != null && m.kid(2).wire == 2 && (m.kid(4) != null || m.kid(5) != null || m.kid(7) != null || m.kid(8) != null));
        boolean useOnnx = !onnx.isEmpty() && (tf.isEmpty() || r.nextBoolean());
        Field t = pick(useOnnx ? onnx : tf, r);
        if (t == null) {
            return null;
        }
        if (r.nextInt(3) == 0) { // dtype
            Field dt = t.kid(useOnnx ? 2 : 1);
            long was = dt.varint;
            dt.varint = r.nextInt(4) == 0 ? interesting(r) : r.nextInt(useOnnx ? 24 : 124);
            return (useOnnx ? "ONNX" : "TF") + " tensor dtype " + was + " -> " + dt.varint;
        }
        List<Long> dims = new ArrayList<>();
        int rank = r.nextInt(4) == 0 ? r.nextInt(40) : 1 + r.nextInt(5);
        for (int i = 0; i < rank; i++) {
            dims.add(r.nextBoolean() ? interesting(r) : 1 + r.nextInt(64));
        }
        if (useOnnx) {
            t.kids.removeIf(k -> k.number == 1);
            java.io.ByteArrayOutputStream packed = new java.io.ByteArrayOutputStream();
            dims.forEach(d -> ProtoTree.writeVarint(packed, d));
            Field f = new Field(1, 2);
            f.raw = packed.toByteArray();
            t.kids.add(0, f);
        } else {
            List<Field> shape = new ArrayList<>();
            dims.forEach(d -> shape.add(Field.message(2, List.of(Field.varint(1, d)))));
            t.kids.set(t.kids.indexOf(t.kid(2)), Field.message(2, shape));
        }
        return (useOnnx ? "ONNX" : "TF") + " tensor dims -> " + dims;
    }

    /** An ONNX NodeProto (input 1, output 2, name 3, op_type 4): its op, an input, an output. */
    private static String onnxNode(List<Field> root, Random r) {
        List<Field> nodes = ProtoTree.find(root, m -> m.kid(4) != null && m.kid(4).raw != null && m.kid(1) != null && m.kid(1).raw != null);
        Field n = pick(nodes, r);
        if (n == null) {
            return null;
        }
        List<String> names = new ArrayList<>(); // the graph's value names (node outputs); an output that parsed as a message is no name
        nodes.forEach(x -> x.all(2).stream().map(Field::text).filter(java.util.Objects::nonNull).forEach(names::add));
        if (r.nextBoolean()) {
            String op = r.nextBoolean() ? pick(nodes, r).kid(4).text() : new String[] {"Loop", "If", "Scan", "", "Custom", "Identity"}[r.nextInt(6)];
            n.kid(4).raw = op.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return "ONNX node op -> " + op;
        }
        Field in = pick(n.all(1), r);
        String own = n.all(2).isEmpty() ? null : n.all(2).get(0).text(), other = pick(names, r);
        String to = r.nextBoolean() && own != null ? own : r.nextBoolean() && other != null ? other : "missing:0";
        in.raw = to.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        in.kids = null;
        return "ONNX node input -> " + to;
    }

    /** A TensorFlow NodeDef (name 1, op 2, input 3, device 4): its op, an input, its device. */
    private static String node(List<Field> root, Random r) {
        List<Field> nodes = ProtoTree.find(root, m -> m.kid(1) != null && m.kid(1).raw != null && m.kid(2) != null && m.kid(2).raw != null
                && m.kid(2).raw.length > 0 && Character.isUpperCase(m.kid(2).raw[0] & 0xff));
        Field n = pick(nodes, r);
        if (n == null) {
            return null;
        }
        switch (r.nextInt(3)) {
            case 0 -> {
                String op = r.nextBoolean() ? pick(nodes, r).kid(2).text() : OPS[r.nextInt(OPS.length)];
                n.kid(2).raw = op.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                return "node " + n.kid(1).text() + " op -> " + op;
            }
            case 1 -> {
                String to = switch (r.nextInt(4)) {
                    case 0 -> n.kid(1).text(); // itself: a cycle
                    case 1 -> "^" + pick(nodes, r).kid(1).text();
                    case 2 -> pick(nodes, r).kid(1).text() + ":" + interesting(r);
                    default -> "missing";
                };
                Field in = pick(n.all(3), r);
                if (in == null) {
                    n.kids.add(Field.string(3, to));
                } else {
                    in.raw = to.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    in.kids = null;
                }
                return "node " + n.kid(1).text() + " input -> " + to;
            }
            default -> {
                n.kids.removeIf(k -> k.number == 4);
                n.kids.add(Field.string(4, "/job:ps/replica:0/task:0/device:GPU:7"));
                return "node " + n.kid(1).text() + " device -> GPU:7";
            }
        }
    }

    /** A SavedModel's MetaGraphDef (field 2): an init op added or retargeted, a signature or the saver edited. */
    private static String savedModel(List<Field> root, Random r) {
        Field meta = pick(root.stream().filter(f -> f.number == 2 && f.kids != null).toList(), r);
        if (meta == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        Field graph = meta.kid(2);
        if (graph != null) {
            graph.all(1).forEach(n -> {
                if (n.kids != null && n.kid(1) != null) {
                    names.add(n.kid(1).text());
                }
            });
        }
        String target = names.isEmpty() || r.nextInt(5) == 0 ? "missing" : pick(names, r);
        switch (r.nextInt(4)) {
            case 0 -> { // an init op as TF 2 writes it: a signature whose output names the op to run
                String key = INIT_KEYS[0];
                Field info = Field.message(2, List.of(Field.string(1, key), Field.message(2, List.of(Field.string(1, target)))));
                meta.kids.add(Field.message(5, List.of(Field.string(1, key), Field.message(2, List.of(info)))));
                return "init op signature " + key + " -> " + target;
            }
            case 1 -> { // as TF 1 wrote it: a collection naming the op
                String key = INIT_KEYS[1 + r.nextInt(INIT_KEYS.length - 1)];
                meta.kids.add(Field.message(4, List.of(Field.string(1, key),
                        Field.message(2, List.of(Field.message(1, List.of(Field.string(1, target))))))));
                return "init op collection " + key + " -> " + target;
            }
            case 2 -> { // the saver's restore op and file name
                Field saver = meta.kid(3);
                if (saver == null) {
                    saver = Field.message(3, new ArrayList<>());
                    meta.kids.add(saver);
                }
                saver.kids.removeIf(k -> k.number == 2);
                saver.kids.add(Field.string(2, target));
                return "saver restore op -> " + target;
            }
            default -> { // a signature's TensorInfo (name 1, dtype 2, shape 3)
                List<Field> infos = new ArrayList<>();
                meta.all(5).forEach(e -> ProtoTree.walk(List.of(e), (f, p) -> {
                    if (f.kids != null && f.kid(1) != null && f.kid(1).raw != null && f.kid(1).text().contains(":")) {
                        infos.add(f);
                    }
                }));
                Field info = pick(infos, r);
                if (info == null) {
                    return null;
                }
                switch (r.nextInt(3)) {
                    case 0 -> info.kid(1).raw = (r.nextBoolean() ? target + ":" + interesting(r) : target).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    case 1 -> {
                        info.kids.removeIf(k -> k.number == 2);
                        info.kids.add(Field.varint(2, r.nextInt(124)));
                    }
                    default -> {
                        info.kids.removeIf(k -> k.number == 3);
                        info.kids.add(Field.message(3, List.of(Field.message(2, List.of(Field.varint(1, interesting(r)))))));
                    }
                }
                return "signature tensor -> " + info.kid(1).text();
            }
        }
    }
}
