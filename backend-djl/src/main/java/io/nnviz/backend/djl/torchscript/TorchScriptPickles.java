package io.nnviz.backend.djl.torchscript;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.spi.Printable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * How deep the values of a pickle (protocols 0 to 5) nest once unpickled, found without building
 * them. libtorch frees and walks unpickled values recursively, so a list nested 40,000 deep ends the
 * JVM with a native stack overflow (libtorch 2.7.1 on a 1 MiB stack), and a depth taken from the stack
 * alone can be fooled: a list memoized while empty, got back from the memo and filled later, is
 * deeper than it was when stored. So every value that can still change (a list, dict, set or object)
 * is a node, the memo and the stack hold nodes, and each item put into one is an edge; the depth is
 * the containment graph's longest path, found after the whole pickle is read (iteratively, from the
 * leaves up), and a container holding itself is refused. Tuples and other values that cannot change
 * once made keep only their depth. The graph is bounded: at most {@link #MAX_NODES} containers.
 */
public final class TorchScriptPickles {
    /** Containers, items put into them and memo entries a pickle may hold: far above a real module's. */
    static final int MAX_NODES = 1 << 20;

    private final Path path;
    private final String entry;
    private final byte[] b;
    private final int limit;
    /** Stack slots: a node's id (0 or more), or a value that cannot change, as -1 - its depth. */
    private int[] stack = new int[64], marks = new int[16];
    private int sp, mp;
    /** Per node: the least depth its unchanging items give it. */
    private int[] base = new int[64];
    private int nodes;
    /** Edges parent to child, between nodes. */
    private int[] from = new int[64], to = new int[64];
    private int edges;
    private final PickleMemo memo = new PickleMemo(MAX_NODES);
    private boolean memoizes, puts;
    /** The deepest unchanging value made. */
    private int finalMax;

    private TorchScriptPickles(Path path, String entry, byte[] b, int limit) {
        this.path = path;
        this.entry = entry;
        this.b = b;
        this.limit = limit;
    }

    /** The nesting depth of the pickle in {@code b}, or more than {@code limit} once it passes it; refuses broken or cyclic pickles. */
    public static int depth(Path path, String entry, byte[] b, int limit) {
        TorchScriptPickles p = new TorchScriptPickles(path, entry, b, limit);
        p.read();
        return p.finalMax > limit ? p.finalMax : Math.max(p.finalMax, p.longestPath());
    }

    private void read() {
        int i = 0;
        while (i < b.length) {
            int op = b[i++] & 0xFF;
            switch (op) {
                case '.' -> { // STOP: libtorch reads no further
                    return;
                }
                case '(' -> mark();
                case '0' -> pop(1);
                case '1' -> toMark();
                case '2' -> push(top());
                case 'N', 0x88, 0x89, 0x97 -> push(leaf(0)); // NONE, NEWTRUE, NEWFALSE, NEXT_BUFFER
                case ')' -> push(leaf(1)); // EMPTY_TUPLE
                case 'P' -> { // PERSID
                    i = line(i);
                    push(leaf(1));
                }
                case 'Q' -> push(made(false, pop(1))); // BINPERSID
                case 'F', 'I', 'L', 'S', 'V' -> {
                    i = line(i);
                    push(leaf(0));
                }
                case 'J', 'K', 'M', 'G' -> {
                    i += op == 'J' ? 4 : op == 'K' ? 1 : op == 'M' ? 2 : 8;
                    push(leaf(0));
                }
                case 'T', 'X', 'B', 0x8b -> { // 4-byte length, then the data
                    i = skip(i + 4, le(i, 4));
                    push(leaf(0));
                }
                case 'U', 'C', 0x8c, 0x8a -> { // 1-byte length
                    i = skip(i + 1, le(i, 1));
                    push(leaf(0));
                }
                case 0x8d, 0x8e, 0x96 -> { // 8-byte length
                    i = skip(i + 8, le(i, 8));
                    push(leaf(0));
                }
                case 0x95 -> i += 8; // FRAME
                case 0x80 -> i += 1; // PROTO
                case 0x82, 0x83, 0x84 -> { // EXT1, EXT2, EXT4
                    i += op == 0x82 ? 1 : op == 0x83 ? 2 : 4;
                    push(leaf(0));
                }
                case 'c' -> { // GLOBAL: two lines
                    i = line(line(i));
                    push(leaf(0));
                }
                case 0x93 -> { // STACK_GLOBAL
                    pop(2);
                    push(leaf(0));
                }
                case ']', '}', 0x8f -> push(node()); // EMPTY_LIST, EMPTY_DICT, EMPTY_SET
                case 0x85, 0x86, 0x87 -> push(made(false, pop(op - 0x84))); // TUPLE1..3
                case 't' -> push(made(false, toMark())); // TUPLE
                case 'l', 'd', 0x91 -> push(made(true, toMark())); // LIST, DICT, FROZENSET
                case 'i' -> { // INST: two lines, arguments from the mark
                    i = line(line(i));
                    push(made(true, toMark()));
                }
                case 'o' -> push(made(true, toMark())); // OBJ
                case 'R', 0x81 -> push(made(true, pop(2))); // REDUCE, NEWOBJ
                case 0x92 -> push(made(true, pop(3))); // NEWOBJ_EX
                case 'a', 'b' -> into(pop(1)); // APPEND, BUILD
                case 's' -> into(pop(2)); // SETITEM
                case 'e', 'u', 0x90 -> into(toMark()); // APPENDS, SETITEMS, ADDITEMS
                case 'p' -> { // PUT: the key as a line
                    int end = line(i);
                    put(decimal(i, end - 1));
                    i = end;
                }
                case 'q', 'r' -> { // BINPUT, LONG_BINPUT
                    put(le(i, op == 'q' ? 1 : 4));
                    i += op == 'q' ? 1 : 4;
                }
                case 0x94 -> { // MEMOIZE: the next key
                    memoizes = true;
                    mixed();
                    remember(memo.size(), top());
                }
                case 'g' -> { // GET: the key as a line
                    int end = line(i);
                    push(memo.get(decimal(i, end - 1)));
                    i = end;
                }
                case 'h', 'j' -> { // BINGET, LONG_BINGET
                    push(memo.get(le(i, op == 'h' ? 1 : 4)));
                    i += op == 'h' ? 1 : 4;
                }
                case 0x98 -> {
                    // READONLY_BUFFER: the value stays as it is
                }
                default -> throw refused("is not a pickle (opcode 0x" + Integer.toHexString(op) + " at byte " + (i - 1) + ")");
            }
            if (finalMax > limit) {
                return;
            }
        }
    }

    // ---- values -------------------------------------------------------------------------------------

    private static int leaf(int depth) {
        return -1 - depth;
    }

    private int leafDepth(int v) {
        return -1 - v;
    }

    private int node() {
        if (nodes == MAX_NODES) {
            throw refused("holds more than " + MAX_NODES + " containers");
        }
        if (nodes == base.length) {
            base = Arrays.copyOf(base, nodes * 2);
        }
        base[nodes] = 1;
        return nodes++;
    }

    /**
     * A value made of the items popped into {@link #items}: a node if it can change or holds one, else
     * an unchanging value one deeper than its deepest item.
     */
    private int made(boolean mutable, int count) {
        boolean holdsNode = false;
        int deepest = 0;
        for (int k = 0; k < count; k++) {
            int v = stack[sp + k];
            holdsNode |= v >= 0;
            deepest = v < 0 ? Math.max(deepest, leafDepth(v)) : deepest;
        }
        if (!mutable && !holdsNode) {
            return leaf(deepest + 1);
        }
        int n = node();
        add(n, sp, count);
        return n;
    }

    /** Items popped (just above {@code sp}) put into the container on top of the stack. */
    private void into(int count) {
        int target = top();
        if (target < 0) {
            throw refused("is not a valid pickle (it adds items to a tuple or a scalar)");
        }
        add(target, sp, count);
    }

    private void add(int n, int at, int count) {
        for (int k = 0; k < count; k++) {
            int v = stack[at + k];
            if (v < 0) {
                base[n] = Math.max(base[n], leafDepth(v) + 1);
                finalMax = Math.max(finalMax, base[n]);
            } else {
                if (edges == 2 * MAX_NODES) {
                    throw refused("puts more than " + 2 * MAX_NODES + " items into containers");
                }
                if (edges == from.length) {
                    from = Arrays.copyOf(from, edges * 2);
                    to = Arrays.copyOf(to, edges * 2);
                }
                from[edges] = n;
                to[edges++] = v;
            }
        }
    }

    // ---- the stack, marks and memo -------------------------------------------------------------------

    private void push(int v) {
        if (sp == stack.length) {
            stack = Arrays.copyOf(stack, sp * 2);
        }
        stack[sp++] = v;
        if (v < 0) {
            finalMax = Math.max(finalMax, leafDepth(v));
        }
    }

    /** Pops {@code n} values, which stay readable just above {@code sp}; returns {@code n}. */
    private int pop(int n) {
        if (sp - (mp > 0 ? marks[mp - 1] : 0) < n) {
            throw refused("is not a valid pickle (its stack runs out)");
        }
        sp -= n;
        return n;
    }

    private int top() {
        if (sp == 0 || mp > 0 && sp == marks[mp - 1]) {
            throw refused("is not a valid pickle (its stack runs out)");
        }
        return stack[sp - 1];
    }

    private void mark() {
        if (mp == marks.length) {
            marks = Arrays.copyOf(marks, mp * 2);
        }
        marks[mp++] = sp;
    }

    /** Pops the values above the last mark and the mark; how many there were. */
    private int toMark() {
        if (mp == 0) {
            throw refused("is not a valid pickle (no mark to pop to)");
        }
        int at = marks[--mp], n = sp - at;
        sp = at;
        return n;
    }

    private void put(long key) {
        puts = true;
        mixed();
        if (key < 0 || key > 0xFFFF_FFFFL) {
            throw refused("is not a valid pickle (memo key " + key + ")");
        }
        remember((int) key, top());
    }

    private void remember(int key, int value) {
        if (!memo.put(key, value)) {
            throw refused("memoizes more than " + MAX_NODES + " values");
        }
    }

    /** MEMOIZE numbers its entries by the memo's size, which Python and libtorch count differently once keys are given too. */
    private void mixed() {
        if (memoizes && puts) {
            throw refused("mixes numbered and given memo keys");
        }
    }

    // ---- depth --------------------------------------------------------------------------------------

    /** The deepest node: from nodes holding no node upwards (Kahn's order); nodes left over lie on a cycle. */
    private int longestPath() {
        int[] pending = new int[nodes], firstParent = new int[nodes + 1], parents = new int[edges], depth = base;
        for (int e = 0; e < edges; e++) {
            pending[from[e]]++;
            firstParent[to[e] + 1]++;
        }
        for (int n = 0; n < nodes; n++) {
            firstParent[n + 1] += firstParent[n];
        }
        int[] fill = Arrays.copyOf(firstParent, nodes);
        for (int e = 0; e < edges; e++) {
            parents[fill[to[e]]++] = from[e];
        }
        int[] queue = fill; // reused: as many slots as nodes
        int head = 0, tail = 0, max = 0;
        for (int n = 0; n < nodes; n++) {
            if (pending[n] == 0) {
                queue[tail++] = n;
            }
        }
        while (head < tail) {
            int n = queue[head++];
            max = Math.max(max, depth[n]);
            for (int k = firstParent[n]; k < firstParent[n + 1]; k++) {
                int p = parents[k];
                depth[p] = Math.max(depth[p], depth[n] + 1);
                if (--pending[p] == 0) {
                    queue[tail++] = p;
                }
            }
        }
        if (tail < nodes) {
            throw refused("holds a container inside itself");
        }
        return max;
    }

    // ---- bytes --------------------------------------------------------------------------------------

    private int line(int i) {
        while (i < b.length && b[i] != '\n') {
            i++;
        }
        return i + 1;
    }

    private long decimal(int from, int end) {
        String s = new String(b, from, Math.max(0, Math.min(end, b.length) - from), StandardCharsets.ISO_8859_1).trim();
        try {
            return s.length() > 12 ? -1 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private long le(int i, int n) {
        long v = 0;
        for (int k = n - 1; k >= 0; k--) {
            v = v << 8 | (i + k < b.length ? b[i + k] & 0xFF : 0);
        }
        return v;
    }

    private int skip(int from, long n) {
        if (n < 0 || from + n > b.length) {
            throw refused("declares " + n + " bytes past its end");
        }
        return (int) (from + n);
    }

    private ModelLoadException refused(String what) {
        return new ModelLoadException(path, "its " + Printable.name(entry) + " " + what);
    }
}
