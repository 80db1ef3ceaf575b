package io.nnviz.backend.djl.torchscript;

import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A pickle read into plain values, never constructing or calling anything it names. Python's own
 * unpickler imports every class a pickle names and calls it, which is how a model file runs code;
 * here a class or function is a {@link Global}, calling one ({@code REDUCE}, {@code NEWOBJ},
 * {@code OBJ}, {@code INST}) makes a {@link Call} that holds its arguments and any state
 * {@code BUILD} gives it, and a persistent id (how PyTorch points at a tensor's bytes) is a
 * {@link PersistentId}. Only the four builtin containers become Java ones (an {@code OrderedDict}
 * is filled by the opcodes that follow it). Numbers, strings, lists, tuples ({@code Object[]}),
 * sets are Pyrolite's; dicts keep their order, as Python's do. A length the bytes cannot back is refused before anything is
 * allocated for it. Callers bound the nesting first ({@link TorchScriptPickles}): values are
 * built, not walked recursively here, but Java's hashing of a deeply nested dict key would recurse.
 */
public final class PlainPickle extends Unpickler {
    /** A class or function a pickle names, by module and name; never imported. */
    public record Global(String module, String name) {
        /** {@code module.name}. */
        public String qualified() {
            return module + "." + name;
        }
    }

    /** A call the pickle asks for, kept as data: what it would call, with what, and the state set on its result. */
    public static final class Call {
        final Object callable;
        final List<Object> args;
        final Map<?, ?> kwargs;
        Object state;

        Call(Object callable, Object[] args, Map<?, ?> kwargs) {
            this.callable = callable;
            this.args = Arrays.asList(args);
            this.kwargs = kwargs;
        }

        /** The arguments, as the pickle gave them. */
        public List<Object> args() {
            return args;
        }

        /** The state {@code BUILD} set on the result, or null. */
        public Object state() {
            return state;
        }

        /** The qualified name of what it calls, or {@code ""} when that is not a global. */
        public String name() {
            return callable instanceof Global g ? g.qualified() : "";
        }
    }

    /**
     * Pushes onto {@code todo} the values a pickled value holds (a call's callable, arguments,
     * keyword arguments and state; an array's, a collection's or a map's keys and values), none
     * null: one step of the iterative walks over a pickle's values, which may nest too deep to recurse.
     */
    public static void pushChildren(Object v, Deque<Object> todo) {
        if (v instanceof Call c) {
            push(todo, c.callable);
            c.args.forEach(a -> push(todo, a));
            push(todo, c.state);
            c.kwargs.forEach((k, a) -> {
                push(todo, k);
                push(todo, a);
            });
        } else if (v instanceof Object[] a) {
            Arrays.stream(a).forEach(x -> push(todo, x));
        } else if (v instanceof Collection<?> col) {
            col.forEach(x -> push(todo, x));
        } else if (v instanceof Map<?, ?> m) {
            m.forEach((k, x) -> {
                push(todo, k);
                push(todo, x);
            });
        }
    }

    private static void push(Deque<Object> todo, Object o) {
        if (o != null) {
            todo.push(o);
        }
    }

    /** A persistent id: a reference to data outside the pickle (in PyTorch, a storage's zip entry). */
    public record PersistentId(Object id) {
    }

    /** Builtins whose call makes an empty container the pickle then fills. */
    private static final Set<String> CONTAINERS = Set.of("collections.OrderedDict", "builtins.dict", "__builtin__.dict",
            "builtins.set", "__builtin__.set", "builtins.list", "__builtin__.list");

    /** What a persistent id becomes: a {@link PersistentId}, unless a reader maps it to something else. */
    private final UnaryOperator<Object> persistentLoad;

    private PlainPickle(UnaryOperator<Object> persistentLoad) {
        this.persistentLoad = persistentLoad;
    }

    /** A pickle read from bytes holding several back to back: its value, and the offset just past its {@code STOP}. */
    public record Read(Object value, int end) {
    }

    /** The value the pickle in {@code bytes} holds; {@link PickleException} or {@link IOException} when it is damaged. */
    public static Object read(byte[] bytes) throws IOException {
        return read(bytes, 0, PersistentId::new).value();
    }

    /**
     * The pickle starting at {@code offset} of {@code bytes} (the legacy {@code torch.save} format
     * writes several back to back), each persistent id it meets replaced by {@code persistentLoad}
     * of it (by default a {@link PersistentId}); the values it names are still never constructed.
     */
    public static Read read(byte[] bytes, int offset, UnaryOperator<Object> persistentLoad) throws IOException {
        PlainPickle p = new PlainPickle(persistentLoad);
        ByteArrayInputStream in = new ByteArrayInputStream(bytes, offset, bytes.length - offset);
        try {
            Object v = p.load(in);
            return new Read(v, bytes.length - in.available());
        } catch (ClassCastException | IndexOutOfBoundsException | NumberFormatException | NegativeArraySizeException e) {
            throw new PickleException("an opcode found the wrong value on its stack (" + e.getClass().getSimpleName() + ")");
        } finally {
            p.close();
        }
    }

    @Override
    protected Object dispatch(short op) throws IOException {
        switch (op) {
            case Opcodes.GLOBAL -> stack.add(new Global(PickleUtils.readline(input), PickleUtils.readline(input)));
            case Opcodes.STACK_GLOBAL -> {
                Object name = stack.pop();
                Object module = stack.pop();
                if (!(module instanceof String m) || !(name instanceof String n)) {
                    throw new PickleException("STACK_GLOBAL on values that are not names");
                }
                stack.add(new Global(m, n));
            }
            case Opcodes.INST -> {
                Global g = new Global(PickleUtils.readline(input), PickleUtils.readline(input));
                stack.add(call(g, stack.pop_all_since_marker().toArray(), Map.of()));
            }
            case Opcodes.OBJ -> {
                List<Object> items = stack.pop_all_since_marker();
                if (items.isEmpty()) {
                    throw new PickleException("OBJ with nothing to call");
                }
                stack.add(call(items.get(0), items.subList(1, items.size()).toArray(), Map.of()));
            }
            case Opcodes.REDUCE, Opcodes.NEWOBJ -> {
                Object[] args = tuple(stack.pop());
                stack.add(call(stack.pop(), args, Map.of()));
            }
            case Opcodes.NEWOBJ_EX -> {
                Object kwargs = stack.pop();
                Object[] args = tuple(stack.pop());
                stack.add(call(stack.pop(), args, kwargs instanceof Map<?, ?> m ? m : Map.of()));
            }
            case Opcodes.BUILD -> {
                Object state = stack.pop();
                if (stack.peek() instanceof Call c) {
                    c.state = state;
                } // Python would call __setstate__ on anything else; nothing here needs that state
            }
            case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<>()); // Python's dicts keep their order; a state_dict's is the modules'
            case Opcodes.DICT -> {
                List<Object> items = stack.pop_all_since_marker();
                Map<Object, Object> m = new LinkedHashMap<>();
                for (int i = 0; i + 1 < items.size(); i += 2) {
                    m.put(items.get(i), items.get(i + 1));
                }
                stack.add(m);
            }
            case Opcodes.SETITEMS -> { // Pyrolite gathers the items in a HashMap first, which loses their order
                List<Object> items = stack.pop_all_since_marker();
                if (!(stack.peek() instanceof Map<?, ?> target)) {
                    throw new PickleException("SETITEMS on a value that is not a dict");
                }
                @SuppressWarnings("unchecked")
                Map<Object, Object> m = (Map<Object, Object>) target;
                for (int i = 0; i + 1 < items.size(); i += 2) {
                    m.put(items.get(i), items.get(i + 1));
                }
            }
            case Opcodes.BINPERSID -> stack.add(persistentLoad.apply(stack.pop()));
            case Opcodes.PERSID -> stack.add(persistentLoad.apply(PickleUtils.readline(input)));
            case Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4 -> throw new PickleException("extension registry opcodes name no class here");
            case Opcodes.BINBYTES, Opcodes.BINUNICODE, Opcodes.BINSTRING, Opcodes.LONG4 -> {
                backed(4);
                return super.dispatch(op);
            }
            case Opcodes.BINBYTES8, Opcodes.BINUNICODE8, Opcodes.BYTEARRAY8 -> {
                backed(8);
                return super.dispatch(op);
            }
            default -> {
                return super.dispatch(op);
            }
        }
        return NO_RETURN_VALUE;
    }

    /** Refuses a length prefix of {@code width} bytes (little-endian) that the bytes left cannot back. */
    private void backed(int width) throws IOException {
        InputStream in = input;
        in.mark(width);
        byte[] len = PickleUtils.readbytes(in, width);
        in.reset();
        long n = 0;
        for (int k = width - 1; k >= 0; k--) {
            n = (n << 8) | (len[k] & 0xFF);
        }
        if (n < 0 || n > in.available() - width) {
            throw new PickleException("a value declares " + Long.toUnsignedString(n) + " bytes where " + Math.max(0, in.available() - width)
                    + " are left");
        }
    }

    private static Object[] tuple(Object o) {
        if (o instanceof Object[] a) {
            return a;
        }
        throw new PickleException("a call's arguments are not a tuple");
    }

    private static Object call(Object callable, Object[] args, Map<?, ?> kwargs) {
        if (callable instanceof Global g && CONTAINERS.contains(g.qualified()) && kwargs.isEmpty()) {
            Object from = args.length == 1 ? args[0] : null;
            boolean set = g.name().equals("set");
            boolean list = g.name().equals("list");
            if (args.length == 0 || from instanceof Collection<?> || from instanceof Object[]) {
                Collection<?> items = from == null ? List.of() : from instanceof Object[] a ? Arrays.asList(a) : (Collection<?>) from;
                if (set) {
                    return new HashSet<>(items);
                }
                if (list) {
                    return new ArrayList<>(items);
                }
                Map<Object, Object> m = new LinkedHashMap<>();
                for (Object pair : items) {
                    if (!(pair instanceof Object[] kv) || kv.length != 2) {
                        throw new PickleException(g.qualified() + " built from items that are not pairs");
                    }
                    m.put(kv[0], kv[1]);
                }
                return m;
            }
        }
        return new Call(callable, args, kwargs);
    }
}
