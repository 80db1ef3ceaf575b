package io.nnviz.backend.djl.torchscript;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.spi.Printable;
import io.nnviz.backend.djl.torchscript.PlainPickle.Call;
import io.nnviz.backend.djl.torchscript.PlainPickle.Global;
import io.nnviz.backend.djl.torchscript.PlainPickle.PersistentId;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a TorchScript archive's or a PyTorch checkpoint's pickle's tensors declare, checked against the bytes that back them. A tensor
 * is a storage (a persistent id naming its type, its zip entry and its element count) seen through
 * an offset, a shape and strides. libtorch sizes a storage from its entry, so a storage that declares
 * more elements than its entry holds, or a view reaching past its storage, is a damaged or hostile
 * file, refused here with what it declares and what it holds; and a view can declare far more
 * elements than it has bytes (strides of 0), which nnviz would copy out dense, so the elements all
 * tensors declare are counted against the memory budget.
 */
public final class TorchScriptStorages {
    /** Bytes per element of each storage type PyTorch writes. */
    static final Map<String, Integer> ELEMENT_BYTES = Map.ofEntries(
            Map.entry("FloatStorage", 4), Map.entry("DoubleStorage", 8), Map.entry("HalfStorage", 2), Map.entry("BFloat16Storage", 2),
            Map.entry("LongStorage", 8), Map.entry("IntStorage", 4), Map.entry("ShortStorage", 2), Map.entry("CharStorage", 1),
            Map.entry("ByteStorage", 1), Map.entry("BoolStorage", 1), Map.entry("ComplexFloatStorage", 8),
            Map.entry("ComplexDoubleStorage", 16), Map.entry("QInt8Storage", 1), Map.entry("QUInt8Storage", 1),
            Map.entry("QInt32Storage", 4), Map.entry("QUInt4x2Storage", 1), Map.entry("QUInt2x4Storage", 1),
            Map.entry("UInt16Storage", 2), Map.entry("UInt32Storage", 4), Map.entry("UInt64Storage", 8),
            Map.entry("Float8_e5m2Storage", 1), Map.entry("Float8_e4m3fnStorage", 1), Map.entry("Float8_e5m2fnuzStorage", 1),
            Map.entry("Float8_e4m3fnuzStorage", 1));
    /** The most dimensions a tensor has in libtorch. */
    private static final int MAX_RANK = 64;
    /** A pickle holding more values than this is not a model's. */
    private static final int MAX_VALUES = 1 << 22;

    private final Path path;
    private final String pickle;
    /** Entry sizes by their names folded to lower case, as libtorch finds them. */
    private final Map<String, Long> entryBytes;
    /** The folder of the pickle's storages, folded: {@code archive/data/} for {@code archive/data.pkl}. */
    private final String folder;

    private TorchScriptStorages(Path path, String pickle, Map<String, Long> entryBytes) {
        this.path = path;
        this.pickle = pickle;
        this.entryBytes = entryBytes;
        this.folder = pickle.substring(0, pickle.length() - ".pkl".length()).toLowerCase(Locale.ROOT) + "/";
    }

    /**
     * The elements the tensors of {@code value} (read from {@code pickle}) declare, after checking every
     * storage and view against {@code entryBytes} (entry sizes by folded name).
     */
    public static long check(Path path, String pickle, Object value, Map<String, Long> entryBytes) {
        return new TorchScriptStorages(path, pickle, entryBytes).walk(value);
    }

    /** Bytes per element of a storage type PyTorch writes ({@code FloatStorage}: 4), or null for a type it does not have. */
    public static Integer elementBytes(String storageType) {
        return ELEMENT_BYTES.get(storageType);
    }

    /** Refuses tensors that declare more than {@code budget} bytes of float copies in all. */
    public static void checkBudget(Path path, long elements, long heldBytes, long budget) {
        long bytes = elements > Long.MAX_VALUE / 4 ? -1 : elements * 4;
        if (bytes < 0 || bytes > budget) {
            throw new ModelTooLargeException(path, "its tensors (" + elements + " weights, where the file holds " + heldBytes
                    + " bytes of storage)", bytes, budget);
        }
    }

    private long walk(Object root) {
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object> todo = new ArrayDeque<>();
        todo.push(root == null ? List.of() : root);
        long elements = 0;
        while (!todo.isEmpty()) {
            Object v = todo.pop();
            if (v == null || !seen.add(v)) {
                continue;
            }
            if (seen.size() > MAX_VALUES) {
                throw refused("holds more than " + MAX_VALUES + " values");
            }
            if (v instanceof Call c && !c.args.isEmpty() && c.args.get(0) instanceof PersistentId id) {
                elements = Math.addExact(elements, view(c, storage(id)));
            } else if (v instanceof PersistentId id) {
                storage(id);
            }
            PlainPickle.pushChildren(v, todo);
        }
        return elements;
    }

    /** A storage as PyTorch names it: {@code ('storage', torch.FloatStorage, key, location, numel)}. */
    private record Storage(String key, long elements) {
    }

    private Storage storage(PersistentId id) {
        if (!(id.id() instanceof Object[] t) || t.length < 5 || !"storage".equals(t[0]) || !(t[1] instanceof Global type)
                || !(t[2] instanceof String key) || !(t[4] instanceof Number n)) {
            throw refused("points at data outside it in a way PyTorch does not (a persistent id that is not a storage)");
        }
        Integer size = ELEMENT_BYTES.get(type.name());
        if (size == null || !type.module().equals("torch")) {
            throw refused("names a storage type PyTorch does not have: " + Printable.name(type.qualified()));
        }
        String entry = folder + key.toLowerCase(Locale.ROOT);
        Long held = entryBytes.get(entry);
        if (held == null) {
            throw refused("names storage " + Printable.name(key) + ", which the archive does not hold");
        }
        long declared = n instanceof Long || n instanceof Integer ? n.longValue() : -1;
        if (declared < 0 || declared > held / size) {
            throw refused("storage " + Printable.name(key) + " declares " + (declared < 0 ? n : declared) + " weights, holds "
                    + held / size);
        }
        return new Storage(key, held / size);
    }

    /** Checks a view ({@code storage, offset, shape, strides, ...}) against its storage; its element count. */
    private long view(Call c, Storage s) {
        if (c.args.size() < 4 || !(c.args.get(1) instanceof Number offset) || !(c.args.get(2) instanceof Object[] shape)
                || !(c.args.get(3) instanceof Object[] strides) || shape.length != strides.length || shape.length > MAX_RANK) {
            return 0; // not a view PyTorch writes: libtorch refuses it when it rebuilds the tensor
        }
        List<Long> dims = longs(shape);
        List<Long> steps = longs(strides);
        long start = offset instanceof Long || offset instanceof Integer ? offset.longValue() : -1;
        if (dims == null || steps == null || start < 0) {
            throw refused("has a tensor on storage " + Printable.name(s.key()) + " with a negative or non-integer offset, shape or stride");
        }
        long elements = 1;
        long last = start;
        try {
            for (int k = 0; k < dims.size(); k++) {
                elements = Math.multiplyExact(elements, dims.get(k));
                if (dims.get(k) > 0) {
                    last = Math.addExact(last, Math.multiplyExact(dims.get(k) - 1, steps.get(k)));
                }
            }
        } catch (ArithmeticException e) {
            throw refused("has a tensor of shape " + dims + " on storage " + Printable.name(s.key()) + " past 2^63 elements");
        }
        if (elements > 0 && last >= s.elements()) {
            throw refused("has a tensor of shape " + dims + " that reaches element " + last + " of storage " + Printable.name(s.key())
                    + ", which holds " + s.elements());
        }
        return elements;
    }

    private static List<Long> longs(Object[] values) {
        List<Long> out = new ArrayList<>(values.length);
        for (Object o : values) {
            if (!(o instanceof Long || o instanceof Integer) || ((Number) o).longValue() < 0) {
                return null;
            }
            out.add(((Number) o).longValue());
        }
        return out;
    }

    private ModelLoadException refused(String what) {
        return new ModelLoadException(path, "its " + Printable.name(pickle) + " " + what);
    }
}
