package io.nnviz.backend.djl.torchscript;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * TorchScript code and pickles shaped as issue 27's attacks, built on the test fixture's own
 * {@code code/__torch__.py}: its class and {@code forward} signature, with a body that nests
 * {@code n} levels one way (the syntax libtorch's parser accepts; most would fail to type-check, but
 * libtorch recurses on them before it gets there).
 */
final class HostileCode {
    static final String CODE = "small_cnn/code/__torch__.py", DATA = "small_cnn/data.pkl";

    /** The ways code nests that libtorch recurses on, each with a body of {@code n} levels. */
    enum Shape {
        PARENTHESES, NOT, UNARY_MINUS, POWER, CONDITIONAL, ATTRIBUTES, SUM, COMPARISONS, AND, CALLS, SUBSCRIPTS, NESTED_IFS,
        ELIFS, EARLY_RETURNS;

        String body(int n) {
            return switch (this) {
                case PARENTHESES -> "    return " + "(".repeat(n) + "x" + ")".repeat(n) + "\n";
                case NOT -> "    return " + "not ".repeat(n) + "x\n";
                case UNARY_MINUS -> "    return " + "-".repeat(n) + "x\n";
                case POWER -> "    return x" + " ** x".repeat(n) + "\n";
                case CONDITIONAL -> "    return " + "x if bool(x) else ".repeat(n) + "x\n";
                case ATTRIBUTES -> "    return x" + ".a".repeat(n) + "\n";
                case SUM -> "    return x" + " + x".repeat(n) + "\n";
                case COMPARISONS -> "    return x" + " < x".repeat(n) + "\n";
                case AND -> "    return bool(x)" + " and bool(x)".repeat(n) + "\n";
                case CALLS -> "    return x" + "()".repeat(n) + "\n";
                case SUBSCRIPTS -> "    return x" + "[0]".repeat(n) + "\n";
                case NESTED_IFS -> {
                    StringBuilder s = new StringBuilder();
                    for (int k = 0; k < n; k++) {
                        s.append(" ".repeat(4 + k)).append("if bool(torch.gt(torch.sum(x), -1.0e9)):\n");
                    }
                    yield s + " ".repeat(4 + n) + "x = torch.relu(x)\n    return x\n";
                }
                case ELIFS -> "    if bool(x):\n      x = x\n" + "    elif bool(x):\n      x = x\n".repeat(n) + "    return x\n";
                case EARLY_RETURNS -> "    if bool(x):\n      return x\n".repeat(n) + "    return x\n";
            };
        }
    }

    private HostileCode() {
    }

    /** The fixture's {@code __torch__.py} with {@code forward}'s body replaced. */
    static byte[] module(List<StoredZip.Item> fixture, String body) {
        String code = new String(StoredZip.entry(fixture, CODE), StandardCharsets.UTF_8);
        return (code.substring(0, code.indexOf("    fc = self.fc")) + body).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A pickle of lists {@code n} deep that a depth model reading only the stack sees as 3 deep: each
     * list is memoized empty, got back from the memo and filled after; they stay on the stack in an
     * order that frees the outermost last, which makes libtorch free them recursively.
     */
    static byte[] memoizedLists(int n) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x80, 2, '('});
        for (int k = n - 1; k >= 0; k--) {
            b.write(']');
            longKey(b, 'r', k); // LONG_BINPUT k
            if (k < n - 1) {
                longKey(b, 'j', k + 1); // LONG_BINGET k+1
                b.write('a'); // APPEND: list k+1 into list k
            }
        }
        b.writeBytes(new byte[] {'t', '.'});
        return b.toByteArray();
    }

    /** A pickle of tuples {@code n} deep by marks, the shape issue 17 found. */
    static byte[] nestedMarks(int n) {
        byte[] p = new byte[2 + 2 * n + 2];
        p[0] = (byte) 0x80;
        p[1] = 2;
        java.util.Arrays.fill(p, 2, 2 + n, (byte) '(');
        p[2 + n] = ')';
        java.util.Arrays.fill(p, 3 + n, 3 + 2 * n, (byte) 't');
        p[p.length - 1] = '.';
        return p;
    }

    private static void longKey(java.io.ByteArrayOutputStream b, char op, int k) {
        b.write(op);
        b.writeBytes(new byte[] {(byte) k, (byte) (k >> 8), (byte) (k >> 16), (byte) (k >>> 24)});
    }
}
