package io.nnviz.backend.djl;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.spi.SafeFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A TorchScript file checked before libtorch reads it. libtorch recurses on nesting: 20,000 nested
 * parentheses in the archive's {@code code/} or 100,000 nested containers in its {@code data.pkl}
 * ended the JVM with a native stack overflow. So the archive's entries are checked ({@link SafeFiles}),
 * the code's bracket depth is measured, and each pickle is run through a small model of the
 * unpickler's stack that tracks only how deep each value nests (no value is built).
 */
final class TorchScriptArchive {
    /** Deeper than any real module's code or data, far shallower than the native stack allows. */
    static final int MAX_DEPTH = 1000;
    static final long MAX_CODE_BYTES = 64L << 20;

    private TorchScriptArchive() {
    }

    static void check(Path p, long budget) {
        try (ZipFile z = new ZipFile(p.toFile())) {
            for (ZipEntry e : SafeFiles.checkedEntries(p, z, budget)) {
                String n = e.getName();
                if (n.endsWith(".py") || n.endsWith(".pkl")) {
                    if (e.getSize() > MAX_CODE_BYTES) {
                        throw new ModelLoadException(p, "its entry " + SafeFiles.printable(n) + " is " + e.getSize() + " bytes (at most "
                                + MAX_CODE_BYTES + ")");
                    }
                    byte[] b;
                    try (InputStream in = SafeFiles.bounded(p, n, z.getInputStream(e), e.getSize())) {
                        b = in.readAllBytes();
                    }
                    int depth = n.endsWith(".py") ? codeDepth(b) : pickleDepth(p, n, b);
                    if (depth > MAX_DEPTH) {
                        throw new ModelLoadException(p, "its " + SafeFiles.printable(n) + " nests deeper than " + MAX_DEPTH
                                + " levels, which would overflow libtorch's native stack");
                    }
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new ModelLoadException(p, "not a TorchScript file (not a readable zip archive: " + e.getMessage() + ")");
        } catch (IOException e) {
            throw new ModelLoadException(p, "cannot read it (" + e.getMessage() + ")", e);
        }
    }

    /** The deepest bracket nesting of Python source outside its string literals. */
    static int codeDepth(byte[] code) {
        int depth = 0, max = 0;
        byte quote = 0;
        for (int i = 0; i < code.length; i++) {
            byte c = code[i];
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '#') {
                while (i < code.length && code[i] != '\n') {
                    i++;
                }
            } else if (c == '(' || c == '[' || c == '{') {
                max = Math.max(max, ++depth);
            } else if (c == ')' || c == ']' || c == '}') {
                depth = Math.max(0, depth - 1);
            }
        }
        return max;
    }

    /**
     * How deep the values of a pickle nest, by its opcodes (protocols 0 to 5): each stack slot holds
     * the nesting depth of its value; containers are one deeper than their items. Stops at the
     * first value deeper than {@link #MAX_DEPTH}.
     */
    static int pickleDepth(Path p, String entry, byte[] b) {
        List<Integer> stack = new ArrayList<>();
        List<Integer> marks = new ArrayList<>();
        List<Integer> memo = new ArrayList<>();
        java.util.Map<Long, Integer> memoByKey = new java.util.HashMap<>();
        int max = 0, i = 0;
        while (i < b.length) {
            int op = b[i++] & 0xFF;
            int push = -1; // the depth of a value pushed, or -1
            switch (op) {
                case '.': // STOP
                    return max;
                case '(': // MARK
                    marks.add(stack.size());
                    break;
                case '0': // POP
                    pop(p, entry, stack, 1);
                    break;
                case '1': // POP_MARK
                    toMark(p, entry, stack, marks);
                    break;
                case '2': // DUP
                    push = top(p, entry, stack);
                    break;
                case 'N', 0x88, 0x89, ')', 0x97:
                    push = op == ')' ? 1 : 0; // NONE, NEWTRUE, NEWFALSE, EMPTY_TUPLE, NEXT_BUFFER
                    break;
                case 'P': // PERSID: a line
                    i = line(b, i);
                    push = 0;
                    break;
                case 'Q': // BINPERSID
                    push = 1 + pop(p, entry, stack, 1);
                    break;
                case 'F', 'I', 'L', 'S', 'V': // text arguments
                    i = line(b, i);
                    push = 0;
                    break;
                case 'J':
                    i += 4;
                    push = 0;
                    break;
                case 'K':
                    i += 1;
                    push = 0;
                    break;
                case 'M':
                    i += 2;
                    push = 0;
                    break;
                case 'G':
                    i += 8;
                    push = 0;
                    break;
                case 'T', 'X', 'B': // 4-byte length, then the data
                    i = skip(p, entry, b, i + 4, le(b, i, 4));
                    push = 0;
                    break;
                case 'U', 'C', 0x8c: // 1-byte length
                    i = skip(p, entry, b, i + 1, le(b, i, 1));
                    push = 0;
                    break;
                case 0x8a: // LONG1
                    i = skip(p, entry, b, i + 1, le(b, i, 1));
                    push = 0;
                    break;
                case 0x8b: // LONG4
                    i = skip(p, entry, b, i + 4, le(b, i, 4));
                    push = 0;
                    break;
                case 0x8d, 0x8e, 0x96: // 8-byte length
                    i = skip(p, entry, b, i + 8, le(b, i, 8));
                    push = 0;
                    break;
                case 0x95: // FRAME
                    i += 8;
                    break;
                case 0x80: // PROTO
                    i += 1;
                    break;
                case 0x82, 0x83, 0x84: // EXT1, EXT2, EXT4
                    i += op == 0x82 ? 1 : op == 0x83 ? 2 : 4;
                    push = 0;
                    break;
                case 'c': // GLOBAL: two lines
                    i = line(b, line(b, i));
                    push = 0;
                    break;
                case 0x93: // STACK_GLOBAL
                    pop(p, entry, stack, 2);
                    push = 0;
                    break;
                case ']', '}', 0x8f: // EMPTY_LIST, EMPTY_DICT, EMPTY_SET
                    push = 1;
                    break;
                case 0x85, 0x86, 0x87: // TUPLE1..3
                    push = 1 + pop(p, entry, stack, op - 0x84);
                    break;
                case 't', 'l', 'd', 0x91: // TUPLE, LIST, DICT, FROZENSET from the mark
                    push = 1 + toMark(p, entry, stack, marks);
                    break;
                case 'i': // INST: two lines, items from the mark
                    i = line(b, line(b, i));
                    push = 1 + toMark(p, entry, stack, marks);
                    break;
                case 'o': // OBJ
                    push = 1 + toMark(p, entry, stack, marks);
                    break;
                case 'a', 'b': { // APPEND, BUILD: the item into the value below it
                    int item = pop(p, entry, stack, 1);
                    into(p, entry, stack, item);
                    break;
                }
                case 's': { // SETITEM
                    int item = pop(p, entry, stack, 2);
                    into(p, entry, stack, item);
                    break;
                }
                case 'e', 'u', 0x90: { // APPENDS, SETITEMS, ADDITEMS
                    int items = toMark(p, entry, stack, marks);
                    into(p, entry, stack, items);
                    break;
                }
                case 'R', 0x81: // REDUCE, NEWOBJ: callable and arguments
                    push = 1 + pop(p, entry, stack, 2);
                    break;
                case 0x92: // NEWOBJ_EX
                    push = 1 + pop(p, entry, stack, 3);
                    break;
                case 'p': // PUT: a line
                    i = line(b, i);
                    memo.add(top(p, entry, stack));
                    break;
                case 'q':
                    memoByKey.put((long) le(b, i, 1), top(p, entry, stack));
                    i += 1;
                    break;
                case 'r':
                    memoByKey.put(le(b, i, 4), top(p, entry, stack));
                    i += 4;
                    break;
                case 0x94: // MEMOIZE
                    memoByKey.put((long) memoByKey.size(), top(p, entry, stack));
                    break;
                case 'g': // GET: a line
                    i = line(b, i);
                    push = memo.isEmpty() ? 0 : memo.get(memo.size() - 1);
                    break;
                case 'h':
                    push = memoByKey.getOrDefault((long) le(b, i, 1), 0);
                    i += 1;
                    break;
                case 'j':
                    push = memoByKey.getOrDefault(le(b, i, 4), 0);
                    i += 4;
                    break;
                case 0x98: // READONLY_BUFFER
                    break;
                default:
                    throw new ModelLoadException(p, "its " + SafeFiles.printable(entry) + " is not a pickle (opcode 0x"
                            + Integer.toHexString(op) + " at byte " + (i - 1) + ")");
            }
            if (push >= 0) {
                stack.add(push);
                max = Math.max(max, push);
            }
            max = Math.max(max, Math.max(marks.size(), stack.isEmpty() ? 0 : stack.get(stack.size() - 1)));
            if (max > MAX_DEPTH) {
                return max;
            }
        }
        return max;
    }

    /** Pops {@code n} values; the deepest of them. */
    private static int pop(Path p, String entry, List<Integer> stack, int n) {
        if (stack.size() < n) {
            throw new ModelLoadException(p, "its " + SafeFiles.printable(entry) + " is not a valid pickle (its stack runs out)");
        }
        int d = 0;
        for (int k = 0; k < n; k++) {
            d = Math.max(d, stack.remove(stack.size() - 1));
        }
        return d;
    }

    private static int top(Path p, String entry, List<Integer> stack) {
        if (stack.isEmpty()) {
            throw new ModelLoadException(p, "its " + SafeFiles.printable(entry) + " is not a valid pickle (its stack runs out)");
        }
        return stack.get(stack.size() - 1);
    }

    /** The values above the last mark, popped with it; the deepest of them. */
    private static int toMark(Path p, String entry, List<Integer> stack, List<Integer> marks) {
        if (marks.isEmpty()) {
            throw new ModelLoadException(p, "its " + SafeFiles.printable(entry) + " is not a valid pickle (no mark to pop to)");
        }
        int at = marks.remove(marks.size() - 1);
        int d = 0;
        while (stack.size() > at) {
            d = Math.max(d, stack.remove(stack.size() - 1));
        }
        return d;
    }

    /** Items of depth {@code d} added to the container on top: it is at least one deeper. */
    private static void into(Path p, String entry, List<Integer> stack, int d) {
        int top = top(p, entry, stack);
        stack.set(stack.size() - 1, Math.max(top, 1 + d));
    }

    private static int line(byte[] b, int i) {
        while (i < b.length && b[i] != '\n') {
            i++;
        }
        return i + 1;
    }

    private static long le(byte[] b, int i, int n) {
        long v = 0;
        for (int k = n - 1; k >= 0; k--) {
            v = v << 8 | (i + k < b.length ? b[i + k] & 0xFF : 0);
        }
        return v;
    }

    private static int skip(Path p, String entry, byte[] b, int from, long n) {
        if (n < 0 || from + n > b.length) {
            throw new ModelLoadException(p, "its " + SafeFiles.printable(entry) + " declares " + n + " bytes past its end");
        }
        return (int) (from + n);
    }
}
