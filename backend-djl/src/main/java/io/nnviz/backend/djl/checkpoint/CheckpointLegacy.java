package io.nnviz.backend.djl.checkpoint;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelView;
import io.nnviz.api.spi.Printable;
import io.nnviz.backend.djl.torchscript.PlainPickle;
import io.nnviz.backend.djl.torchscript.PlainPickle.Global;
import io.nnviz.backend.djl.torchscript.PlainPickle.PersistentId;
import io.nnviz.backend.djl.torchscript.TorchScriptPickles;
import io.nnviz.backend.djl.torchscript.TorchScriptStorages;
import net.razorvine.pickle.PickleException;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The legacy (before PyTorch 1.6, not a zip) format of {@code torch.save}: a pickle of the magic
 * number {@code 0x1950a86a20f9469cfc6c}, one of the protocol version 1001, one of a dict saying
 * the byte order, then the pickled object, whose tensors point at storages by persistent ids
 * ({@code ('storage', type, key, location, numel, view)}; a module's class is
 * {@code ('module', class, file, source)}, kept as the class's name, never imported), then a pickle
 * of the storage keys, then each storage in that order: an 8-byte little-endian element count and
 * its bytes. Every pickle is read as data ({@link PlainPickle}) after its nesting is measured;
 * every count is checked against what the file has left and the keys against the storages the
 * object names, before anything is read from them. The same contents and model as the zip format.
 */
final class CheckpointLegacy {
    private static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long PROTOCOL = 1001;
    /** The file's head read for the pickles at first, then four times as much while they do not fit, up to {@link CheckpointFiles#MAX_PICKLE_BYTES}. */
    private static final int FIRST_HEAD = 1 << 20;
    private static final String FOLDER = "data/";

    private final Path path;
    private final long size;
    private byte[] head;
    /** Where the next pickle starts in the head; after the pickles, where the storages start. */
    private int at;
    private Object root;
    private List<?> keys;
    /** Set when a refusal comes from pickles read whole, which a longer head would not change. */
    private boolean settled;

    private CheckpointLegacy(Path path, long size) {
        this.path = path;
        this.size = size;
    }

    static ModelView open(Path path, long size, long budget) {
        CheckpointLegacy l = new CheckpointLegacy(path, size);
        long most = Math.min(size, CheckpointFiles.MAX_PICKLE_BYTES);
        try (FileChannel ch = FileChannel.open(path)) {
            for (int n = (int) Math.min(most, FIRST_HEAD); ; n = (int) Math.min(most, 4L * n)) {
                l.head = new byte[n];
                ByteBuffer b = ByteBuffer.wrap(l.head);
                while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                    // the head of the file
                }
                try {
                    l.pickles();
                    break;
                } catch (ModelLoadException | PickleException | IOException e) {
                    if (n >= most || l.settled) { // the pickles do not fit the head only when they are not pickles torch.save wrote
                        throw e instanceof ModelLoadException m ? m : l.refused("holds pickles PyTorch does not read ("
                                + Printable.oneLine(String.valueOf(e.getMessage())) + ")");
                    }
                }
            }
            l.head = null;
            return l.model(ch, budget);
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot read it (" + Printable.oneLine(String.valueOf(e.getMessage())) + ")", e);
        } catch (ArithmeticException e) {
            throw new ModelLoadException(path, "its tensors declare more than 2^63 weights");
        }
    }

    /** The five pickles, read from the head: the magic number, the protocol, the system info, the object, the storage keys. */
    private void pickles() throws IOException {
        at = 0;
        if (!MAGIC.equals(asBig(next("magic number", id -> id)))) {
            throw settled("does not start with torch.save's magic number");
        }
        Object protocol = next("protocol version", id -> id);
        if (!(protocol instanceof Number p) || p.longValue() != PROTOCOL) {
            throw settled("declares protocol version " + Printable.name(String.valueOf(protocol)) + "; torch.save wrote " + PROTOCOL);
        }
        if (next("system info", id -> id) instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
            throw settled("was written on a big-endian machine, which nnviz does not read");
        }
        if (TorchScriptPickles.depth(path, "its pickled object", Arrays.copyOfRange(head, at, head.length), CheckpointFiles.MAX_PICKLE_DEPTH)
                > CheckpointFiles.MAX_PICKLE_DEPTH) {
            throw refused("nests deeper than " + CheckpointFiles.MAX_PICKLE_DEPTH + " levels");
        }
        root = next("pickled object", CheckpointLegacy::persistentLoad);
        if (!(next("list of storage keys", id -> id) instanceof List<?> k)) {
            throw settled("has no list of storage keys after its object");
        }
        keys = k;
    }

    /** The storages after the pickles, each count checked against the file, and the model. */
    private ModelView model(FileChannel ch, long budget) throws IOException {
        Map<String, String> types = storageTypes(root);
        if (!new HashSet<Object>(keys).equals(types.keySet()) || keys.size() != types.size()) {
            throw refused("lists storage keys " + Printable.name(String.valueOf(keys)) + ", where its object names storages "
                    + Printable.name(String.valueOf(types.keySet())));
        }
        Map<String, long[]> ranges = new LinkedHashMap<>();
        Map<String, Long> sizes = new HashMap<>();
        long pos = at;
        for (Object k : keys) {
            String key = (String) k;
            Integer element = TorchScriptStorages.elementBytes(types.get(key));
            if (element == null) {
                throw refused("names a storage type PyTorch does not have: " + Printable.name(types.get(key)));
            }
            ByteBuffer count = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (pos > size - 8 || ch.read(count, pos) != 8) {
                throw refused("ends before storage " + Printable.name(key) + " (its element count at byte " + pos + ")");
            }
            long n = count.getLong(0), room = (size - pos - 8) / element;
            if (n < 0 || n > room) {
                throw refused("storage " + Printable.name(key) + " declares " + Long.toUnsignedString(n) + " elements at byte " + pos
                        + ", where the file has room for " + room);
            }
            if (n * element > Integer.MAX_VALUE) {
                throw refused("storage " + Printable.name(key) + " holds " + n * element + " bytes, more than 2 GiB in one storage");
            }
            ranges.put(FOLDER + key, new long[] {pos + 8, n * element});
            sizes.put((FOLDER + key).toLowerCase(Locale.ROOT), n * element);
            pos += 8 + n * element;
        }
        long elements = TorchScriptStorages.check(path, "data.pkl", root, sizes);
        TorchScriptStorages.checkBudget(path, elements, pos - at, budget);
        CheckpointDescriber.Contents contents = CheckpointDescriber.contents(root, FOLDER);
        if (contents.parameters().isEmpty()) {
            throw new ModelLoadException(path, "a PyTorch checkpoint (legacy format) without a model's parameters (it holds "
                    + (contents.others().size() + contents.buffers().size()) + " other tensors)");
        }
        return new CheckpointModel(path, String.valueOf(path.getFileName()), contents, CheckpointDescriber.tree(contents.parameters(), contents.buffers()),
                ranges);
    }

    /** The next pickle of the head; its persistent ids through {@code load}. */
    private Object next(String what, UnaryOperator<Object> load) throws IOException {
        if (at >= head.length) {
            throw new IOException("the file ends before its " + what);
        }
        PlainPickle.Read r = PlainPickle.read(head, at, load);
        at = r.end();
        return r.value();
    }

    /** A module's class ({@code ('module', class, file, source)}) is its name; a storage stays a persistent id. */
    private static Object persistentLoad(Object id) {
        if (id instanceof Object[] t && t.length >= 2 && "module".equals(t[0]) && t[1] instanceof Global g) {
            return g;
        }
        return new PersistentId(id);
    }

    private static BigInteger asBig(Object o) {
        return o instanceof BigInteger b ? b : o instanceof Number n ? BigInteger.valueOf(n.longValue()) : null;
    }

    /** The type of each storage the object names, by key. */
    private Map<String, String> storageTypes(Object root) {
        Map<String, String> types = new LinkedHashMap<>();
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object> todo = new ArrayDeque<>();
        todo.push(root == null ? List.of() : root);
        while (!todo.isEmpty()) {
            Object v = todo.pop();
            if (v == null || !seen.add(v)) {
                continue;
            }
            if (v instanceof PersistentId id) {
                if (id.id() instanceof Object[] t && t.length >= 5 && "storage".equals(t[0]) && t[1] instanceof Global g
                        && t[2] instanceof String key) {
                    String before = types.putIfAbsent(key, g.name());
                    if (before != null && !before.equals(g.name())) {
                        throw refused("names storage " + Printable.name(key) + " as both " + before + " and " + g.name());
                    }
                }
                continue;
            }
            PlainPickle.pushChildren(v, todo);
        }
        return types;
    }

    private ModelLoadException settled(String what) {
        settled = true;
        return refused(what);
    }

    private ModelLoadException refused(String what) {
        return new ModelLoadException(path, "its legacy torch.save stream " + what);
    }
}
