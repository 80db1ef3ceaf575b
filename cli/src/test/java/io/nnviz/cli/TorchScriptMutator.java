package io.nnviz.cli;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Structure-aware edits of a TorchScript archive's entries: its pickles ({@code data.pkl},
 * {@code constants.pkl}, {@code .debug_pkl}) as a stream of opcodes, and its code
 * ({@code code/__torch__/*.py}) as lines and tokens. Pickle edits: an opcode swapped, dropped or
 * doubled, an integer argument (memo index, tensor size, stride, offset) set to a value that
 * breaks arithmetic, a length that lies, a string (storage key, device) replaced, a GLOBAL
 * pointing at another storage type (the tensor's dtype) or another callable. Code edits: lines
 * dropped, doubled, swapped or re-indented, literals and type annotations changed, identifiers
 * swapped, deeply nested expressions and unknown ops inserted.
 */
final class TorchScriptMutator {
    /** Opcodes without an argument; any may replace another. */
    private static final byte[] BARE = "()]}tRbaesuQ.N01 2ldo".replace(" ", "").getBytes(StandardCharsets.ISO_8859_1);
    private static final String[] GLOBALS = {"torch\nFloatStorage", "torch\nDoubleStorage", "torch\nHalfStorage", "torch\nLongStorage",
            "torch\nIntStorage", "torch\nBoolStorage", "torch\nByteStorage", "torch\nBFloat16Storage", "torch\nComplexFloatStorage",
            "torch._utils\n_rebuild_tensor_v2", "torch._utils\n_rebuild_parameter", "torch._utils\n_rebuild_qtensor",
            "collections\nOrderedDict", "torch.jit._pickle\nbuild_intlist", "torch.jit._pickle\nrestore_type_tag", "os\nsystem",
            "builtins\neval", "__torch__\nNoSuchClass", "torch\nTensor"};

    /** One opcode: where it starts and ends (argument included). */
    private record Op(int start, int end, int code) {
    }

    private TorchScriptMutator() {
    }

    /** The opcodes of a pickle, up to the first one not known (or the end). */
    static List<Op> ops(byte[] b) {
        List<Op> out = new ArrayList<>();
        int at = 0;
        while (at < b.length) {
            int code = b[at] & 0xff, arg = switch (code) {
                case 'K', 'q', 'h', 0x80, 0x82 -> 1;
                case 'M', 0x83 -> 2;
                case 'J', 'r', 'j', 0x84 -> 4;
                case 'G', 0x95 -> 8;
                case 0x8d, 0x8e, 0x96 -> 8 + (at + 9 <= b.length ? (int) Math.min(Integer.MAX_VALUE - 16,
                        Math.max(-9, ByteBuffer.wrap(b, at + 1, 8).order(ByteOrder.LITTLE_ENDIAN).getLong())) : 0);
                case 0x8a, 'U', 'C', 0x8c -> 1 + (at + 1 < b.length ? b[at + 1] & 0xff : 0);
                case 'X', 'T', 'B', 0x8b -> 4 + (at + 5 <= b.length ? ByteBuffer.wrap(b, at + 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() : 0);
                case 'c', 'i' -> lines(b, at + 1, 2);
                case 'I', 'L', 'S', 'V', 'F', 'p', 'g', 'P' -> lines(b, at + 1, 1);
                default -> bare(code) ? 0 : -1;
            };
            if (arg < 0 || (long) at + 1 + arg > b.length) {
                break;
            }
            out.add(new Op(at, at + 1 + arg, code));
            at += 1 + arg;
        }
        return out;
    }

    private static boolean bare(int code) {
        for (byte x : BARE) {
            if (x == code) {
                return true;
            }
        }
        return code >= 0x81 && code <= 0x98; // the protocol 2 to 5 opcodes without arguments (NEWOBJ, TUPLE1..3, NEWTRUE, MEMOIZE, ...)
    }

    private static int lines(byte[] b, int from, int n) {
        int at = from;
        for (int i = 0; i < n; i++) {
            while (at < b.length && b[at] != '\n') {
                at++;
            }
            if (at >= b.length) {
                return -1;
            }
            at++;
        }
        return at - from;
    }

    /** One edit of a pickle, or null if it does not start as one. */
    static Mutations.Mutant pickle(byte[] b, Random r) {
        List<Op> ops = ops(b);
        if (ops.size() < 3) {
            return null;
        }
        Op op = ops.get(r.nextInt(ops.size()));
        byte[] head = java.util.Arrays.copyOf(b, op.start()), tail = java.util.Arrays.copyOfRange(b, op.end(), b.length);
        byte[] self = java.util.Arrays.copyOfRange(b, op.start(), op.end());
        String name = opName(op.code());
        switch (r.nextInt(6)) {
            case 0 -> { // an argument: integers (sizes, strides, offsets, memo indices) and lengths
                List<Op> withArg = ops.stream().filter(o -> o.end() - o.start() > 1 && "KMJqhrjX\u008c".indexOf(o.code()) >= 0).toList();
                if (!withArg.isEmpty()) {
                    return pickle(b, withArg.get(r.nextInt(withArg.size())), r);
                }
                return new Mutations.Mutant(concat(head, tail), "pickle drop " + name + " at " + op.start());
            }
            case 1 -> {
                byte to = BARE[r.nextInt(BARE.length)];
                return new Mutations.Mutant(concat(head, new byte[] {to}, tail), "pickle " + name + " at " + op.start() + " -> " + opName(to));
            }
            case 2 -> {
                return new Mutations.Mutant(concat(head, tail), "pickle drop " + name + " at " + op.start());
            }
            case 3 -> {
                return new Mutations.Mutant(concat(head, self, self, tail), "pickle double " + name + " at " + op.start());
            }
            case 4 -> { // a GLOBAL: another storage type (the tensor's dtype) or another callable
                List<Op> globals = ops.stream().filter(o -> o.code() == 'c').toList();
                if (globals.isEmpty()) {
                    return new Mutations.Mutant(concat(head, new byte[] {'('}, self, tail), "pickle MARK before " + name);
                }
                Op g = globals.get(r.nextInt(globals.size()));
                String to = GLOBALS[r.nextInt(GLOBALS.length)];
                String was = new String(b, g.start() + 1, g.end() - g.start() - 2, StandardCharsets.UTF_8).replace('\n', '.');
                return new Mutations.Mutant(concat(java.util.Arrays.copyOf(b, g.start()), ("c" + to + "\n").getBytes(StandardCharsets.UTF_8),
                        java.util.Arrays.copyOfRange(b, g.end(), b.length)), "pickle GLOBAL " + was + " -> " + to.replace('\n', '.'));
            }
            default -> { // a string: storage keys, devices, names
                List<Op> strings = ops.stream().filter(o -> o.code() == 'X' || o.code() == 0x8c).toList();
                if (strings.isEmpty()) {
                    return new Mutations.Mutant(concat(head, tail), "pickle drop " + name + " at " + op.start());
                }
                Op s = strings.get(r.nextInt(strings.size()));
                String to = new String[] {"", "../../../../etc/passwd", "99999", "0", "cuda:7", "meta", "data/0\u0000x", "x".repeat(70_000)}[r.nextInt(8)];
                byte[] t = to.getBytes(StandardCharsets.UTF_8);
                ByteBuffer enc = ByteBuffer.allocate(5 + t.length).order(ByteOrder.LITTLE_ENDIAN).put((byte) 'X').putInt(t.length).put(t);
                return new Mutations.Mutant(concat(java.util.Arrays.copyOf(b, s.start()), enc.array(), java.util.Arrays.copyOfRange(b, s.end(), b.length)),
                        "pickle string at " + s.start() + " -> " + (to.length() > 40 ? to.length() + " chars" : to));
            }
        }
    }

    /** An integer or length argument of {@code op} overwritten in place. */
    private static Mutations.Mutant pickle(byte[] b, Op op, Random r) {
        byte[] c = b.clone();
        long v = r.nextBoolean() ? r.nextInt(600) - 100 : Mutations.INTERESTING[r.nextInt(Mutations.INTERESTING.length)];
        ByteBuffer bb = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
        switch (op.code()) {
            case 'K', 'q', 'h', 0x8c -> c[op.start() + 1] = (byte) v;
            case 'M' -> bb.putShort(op.start() + 1, (short) v);
            default -> bb.putInt(op.start() + 1, (int) v);
        }
        return new Mutations.Mutant(c, "pickle " + opName(op.code()) + " argument at " + op.start() + " -> " + v);
    }

    private static String opName(int code) {
        return code >= 0x21 && code < 0x7f ? "'" + (char) code + "'" : String.format("0x%02x", code);
    }

    /** One edit of TorchScript code (Python-like text), or null if it is not text. */
    static Mutations.Mutant code(byte[] b, Random r) {
        String text = new String(b, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (lines.size() < 2 || text.indexOf('\u0000') >= 0) {
            return null;
        }
        int i = r.nextInt(lines.size()), j = r.nextInt(lines.size());
        String what;
        switch (r.nextInt(9)) {
            case 0 -> {
                lines.remove(i);
                what = "drop line " + i;
            }
            case 1 -> {
                lines.add(i, lines.get(i));
                what = "double line " + i;
            }
            case 2 -> {
                String x = lines.get(i);
                lines.set(i, lines.get(j));
                lines.set(j, x);
                what = "swap lines " + i + " and " + j;
            }
            case 3 -> {
                lines.set(i, r.nextBoolean() ? "    " + lines.get(i) : lines.get(i).stripLeading());
                what = "re-indent line " + i;
            }
            case 4 -> {
                String to = new String[] {"-1", "0", "9223372036854775807", "99999999999999999999", "1e309", "-0.0"}[r.nextInt(6)];
                lines.set(i, lines.get(i).replaceFirst("\\b\\d+\\b", to));
                what = "number on line " + i + " -> " + to;
            }
            case 5 -> {
                String to = new String[] {"int", "List[Tensor]", "Optional[Tensor]", "NoSuchType", "__torch__.Nope", "Tuple[()]"}[r.nextInt(6)];
                lines.set(i, lines.get(i).replaceFirst("\\bTensor\\b", java.util.regex.Matcher.quoteReplacement(to)));
                what = "type on line " + i + " -> " + to;
            }
            case 6 -> {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z_0-9]*").matcher(lines.get(j));
                List<String> ids = new ArrayList<>();
                while (m.find()) {
                    ids.add(m.group());
                }
                String to = ids.isEmpty() ? "nosuch" : ids.get(r.nextInt(ids.size()));
                lines.set(i, lines.get(i).replaceFirst("[A-Za-z_][A-Za-z_0-9]*", to));
                what = "identifier on line " + i + " -> " + to;
            }
            case 7 -> {
                int depth = r.nextBoolean() ? 50 + r.nextInt(200) : 2_000 + r.nextInt(40_000);
                String indent = lines.get(i).replaceAll("^(\\s*).*", "$1");
                lines.add(i, indent + "_nested = " + "(".repeat(depth) + "1" + ")".repeat(depth));
                what = "expression nested " + depth + " deep at line " + i;
            }
            default -> {
                String call = new String[] {"ops.prim.RaiseException(\"x\")", "torch.ops.aten.nosuch(x)", "torch.ops.nnviz.write_file(\"/tmp/x\")",
                        "while True:", "import os", "\u0000"}[r.nextInt(6)];
                String indent = lines.get(i).replaceAll("^(\\s*).*", "$1");
                lines.add(i, indent + call);
                what = "insert '" + call.replace("\u0000", "\\0") + "' at line " + i;
            }
        }
        return new Mutations.Mutant(String.join("\n", lines).getBytes(StandardCharsets.UTF_8), "code " + what);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }
}
