package io.nnviz.backend.dl4j.keras;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.GlobalHeap;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.dataset.ContiguousDataset;
import io.jhdf.exceptions.UnsupportedHdfException;
import io.jhdf.object.datatype.DataType;
import io.jhdf.object.datatype.FixedPoint;
import io.jhdf.object.datatype.FloatingPoint;
import io.jhdf.object.datatype.VariableLength;
import io.jhdf.object.message.DataLayout;
import io.jhdf.storage.HdfBackingStorage;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.spi.Printable;
import io.nnviz.api.spi.SafeFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Checks of an untrusted Keras file before nnviz reads it, each failure one line naming the file:
 * <ul>
 * <li>an archive's entries few, bounded, not bombs, within the memory budget, and none named
 *     outside the archive ({@code ../}, an absolute path);</li>
 * <li>its JSON bounded in size and nesting (Jackson's read constraints: no stack overflow);</li>
 * <li>the weights file's HDF5 structure (jHDF, which reads structure and allocates nothing for
 *     data): every attribute readable, with the variable-length element size the file format
 *     stores and each element's length that of the heap object it names; no links or external storage (which name other files), every dataset's declared size
 *     backed by the file's bytes, compressed at most {@value #MAX_COMPRESSION_RATIO}:1, the sum
 *     within the budget, groups nested at most {@value #MAX_DEPTH} deep and at most
 *     {@value #MAX_NODES} objects; every number stored in a layout a reader converts exactly (IEEE
 *     half, single and double precision, bfloat16; whole bytes for integers).</li>
 * </ul>
 */
final class KerasChecks {
    static final long MAX_JSON_BYTES = 64L << 20;
    static final int MAX_JSON_DEPTH = 256;
    static final long MAX_COMPRESSION_RATIO = 1100;
    static final int MAX_NODES = 200_000, MAX_DEPTH = 64;
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build()).build());

    private final Path file;
    private final long bytes, budget;
    /** The bytes a variable-length element takes in this file: its length (4), a global heap collection's address, an index (4). */
    private int varLengthBytes = 16;
    private HdfBackingStorage storage;
    /** Global heap collections read so far, by address: an attribute's strings share one. */
    private final Map<Long, GlobalHeap> heaps = new HashMap<>();
    private long declared;
    private int nodes;

    private KerasChecks(Path file, long bytes, long budget) {
        this.file = file;
        this.bytes = bytes;
        this.budget = budget;
    }

    /** The entries of a .keras archive, checked, and none named outside it. */
    static List<ZipEntry> entries(Path p, ZipFile z, long budget) {
        List<ZipEntry> entries = SafeFiles.checkedEntries(p, z, budget);
        for (ZipEntry e : entries) {
            String n = e.getName().replace('\\', '/');
            if (n.startsWith("/") || n.equals("..") || n.startsWith("../") || n.contains("/../") || n.endsWith("/..")
                    || n.matches("^[A-Za-z]:.*")) {
                throw new ModelLoadException(p, "its archive names an entry outside itself: " + Printable.name(e.getName()));
            }
        }
        return entries;
    }

    /** An archive entry's bytes, at most {@code limit} and no more than it declares. */
    static byte[] read(Path p, ZipFile z, ZipEntry e, long limit) throws IOException {
        if (e.getSize() > limit) {
            throw new ModelLoadException(p, "its " + Printable.name(e.getName()) + " is " + e.getSize() + " bytes (nnviz reads at most "
                    + limit + ")");
        }
        try (InputStream in = SafeFiles.bounded(p, Printable.name(e.getName()), z.getInputStream(e), e.getSize())) {
            return in.readNBytes((int) e.getSize());
        }
    }

    /** JSON text parsed within the size and nesting limits; {@code what} names it in a message. */
    static JsonNode json(Path p, String what, byte[] text) {
        if (text.length > MAX_JSON_BYTES) {
            throw new ModelLoadException(p, "its " + what + " is " + text.length + " bytes (at most " + MAX_JSON_BYTES + ")");
        }
        try {
            JsonNode n = JSON.readTree(new String(text, StandardCharsets.UTF_8).replace("\u0000", ""));
            if (n == null || !n.isObject()) {
                throw new ModelLoadException(p, "its " + what + " is not a JSON object");
            }
            return n;
        } catch (StreamConstraintsException e) {
            throw new ModelLoadException(p, "its " + what + " nests deeper than " + MAX_JSON_DEPTH + " levels");
        } catch (JsonProcessingException e) {
            throw new ModelLoadException(p, "its " + what + " is not JSON (" + Printable.oneLine(e.getOriginalMessage()) + ")");
        }
    }

    /**
     * Checks the Keras HDF5 file {@code p} as {@link #hdf5} does, and reads its root
     * {@code model_config} attribute (at most {@value #MAX_JSON_BYTES} bytes; null if it has none):
     * what DL4J's import is given, checked before any native code runs.
     */
    static KerasFiles.Hdf5Contents hdf5File(Path p, long budget) {
        long size = SafeFiles.requireRegularFile(p);
        try (HdfFile h5 = open(p)) {
            long declared = hdf5(p, h5, size, budget);
            return new KerasFiles.Hdf5Contents(modelConfig(p, h5), declared);
        } catch (ModelLoadException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException(p, "its Keras HDF5 structure could not be read (" + Printable.oneLine(String.valueOf(e.getMessage())) + ")", e);
        }
    }

    /**
     * A Keras HDF5 file opened for jHDF over a read-only map of its bytes (one past 2 GB from the file): jHDF reading a file
     * allocates a buffer of whatever size an object header states before reading it (a fuzzed 13 KB file had it allocate 4
     * GB), where over a map of the file a part past its end is an error, and every read a view of the map, not a copy.
     */
    static HdfFile open(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size <= Integer.MAX_VALUE) {
                return HdfFile.fromByteBuffer(ch.map(FileChannel.MapMode.READ_ONLY, 0, size));
            }
        }
        return new HdfFile(p);
    }

    private static String modelConfig(Path p, HdfFile f) {
        Attribute a = f.getAttribute("model_config");
        if (a == null) {
            return null;
        }
        if (a.getSizeInBytes() > MAX_JSON_BYTES) {
            throw new ModelLoadException(p, "its model_config is " + a.getSizeInBytes() + " bytes (at most " + MAX_JSON_BYTES + ")");
        }
        Object v = a.getData();
        if (v instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return v instanceof String s ? s : null;
    }

    /** Checks the HDF5 structure of {@code h5} ({@code bytes} long: the file, or the archive's entry); the bytes its datasets declare. */
    static long hdf5(Path p, HdfFile h5, long bytes, long budget) {
        KerasChecks c = new KerasChecks(p, bytes, budget);
        try {
            c.storage = h5.getHdfBackingStorage();
            c.varLengthBytes = 8 + c.storage.getSizeOfOffsets();
            c.attributes(h5);
            c.group(h5, 0);
            return c.declared;
        } catch (ModelLoadException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof UnsupportedHdfException u) {
                    throw c.unsupported(null, u);
                }
            }
            throw new ModelLoadException(p, "its Keras HDF5 structure could not be read (" + Printable.oneLine(String.valueOf(e.getMessage())) + ")", e);
        }
    }

    private void group(Group g, int depth) {
        if (depth > MAX_DEPTH) {
            throw new ModelLoadException(file, "its HDF5 groups nest deeper than " + MAX_DEPTH);
        }
        for (Node n : g.getChildren().values()) {
            if (++nodes > MAX_NODES) {
                throw new ModelLoadException(file, "it holds more than " + MAX_NODES + " HDF5 objects");
            }
            if (n.isLink()) {
                throw new ModelLoadException(file, "HDF5 object " + Printable.name(n.getPath()) + " is a link; nnviz reads only objects the"
                        + " model file holds");
            }
            try {
                attributes(n);
                if (n instanceof Group child) {
                    group(child, depth + 1);
                } else if (n instanceof Dataset d) {
                    dataset(d);
                }
            } catch (UnsupportedHdfException e) {
                throw unsupported(n.getPath(), e);
            }
        }
    }

    /**
     * Every attribute of {@code n} (DL4J's import reads the root's {@code model_config} and each layer group's
     * {@code weight_names}) read here first: HDF5's native reader takes a variable-length datatype's size on trust, and a
     * size other than what the file format stores sent it copying from a wild address (a SIGSEGV in libc's memcpy, from
     * a mutant whose {@code model_config} datatype said 12 bytes).
     */
    private void attributes(Node n) {
        for (Attribute a : n.getAttributes().values()) {
            DataType t = a.getDataType();
            String name = Printable.name(a.getName()) + " of " + Printable.name(n.getPath());
            if (t instanceof VariableLength v && v.getSize() != varLengthBytes) {
                throw new ModelLoadException(file, "its HDF5 attribute " + name + " declares variable-length elements of " + v.getSize()
                        + " bytes (this file's are " + varLengthBytes + ")");
            }
            numbers("attribute " + name, t);
            if (t instanceof VariableLength v) {
                heapLengths(name, a, v);
            }
            if (a.getSizeInBytes() > MAX_JSON_BYTES) {
                throw new ModelLoadException(file, "its HDF5 attribute " + name + " is " + a.getSizeInBytes() + " bytes (at most "
                        + MAX_JSON_BYTES + ")");
            }
            a.getData(); // what the native reader will follow (heap references, lengths) must read here
        }
    }

    /**
     * Each variable-length element's stated length against the heap object it names: HDF5's native reader sizes its buffer
     * from the length and copies the object into it, so a length cut short (a mutant's model_config said 1,574 bytes of a
     * 5,670-byte object) overruns the buffer (glibc's "free(): invalid size", in h5py as in DL4J).
     */
    private void heapLengths(String name, Attribute a, VariableLength v) {
        ByteBuffer raw = a.getBuffer().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int offsets = storage.getSizeOfOffsets(), unit = Math.max(1, v.getParent().getSize());
        for (int k = 0, at = 0; at + varLengthBytes <= raw.limit(); k++, at += varLengthBytes) {
            long length = raw.getInt(at) & 0xffffffffL;
            long address = offsets == 8 ? raw.getLong(at + 4) : raw.getInt(at + 4) & 0xffffffffL;
            int index = raw.getInt(at + 4 + offsets);
            if (length == 0 && address == 0) {
                continue; // an empty element names no heap object
            }
            long held = heaps.computeIfAbsent(address, x -> new GlobalHeap(storage, x)).getObjectData(index).remaining();
            if (length * unit != held) {
                throw new ModelLoadException(file, "its HDF5 attribute " + name + " says its element " + k + " is " + length * unit
                        + " bytes; the object it names holds " + held);
            }
        }
    }

    private void dataset(Dataset d) {
        numbers("dataset " + Printable.name(d.getPath()), d.getDataType());
        if (d.isEmpty() || d.isVariableLength() || d.isScalar()) {
            return;
        }
        long size;
        try {
            size = d.getSizeInBytes();
        } catch (ArithmeticException e) {
            size = -1;
        }
        String name = Printable.name(d.getPath());
        if (size < 0) {
            throw new ModelLoadException(file, "dataset " + name + " declares more than 2^63 bytes");
        }
        declared += size;
        if (declared > budget) {
            throw new ModelTooLargeException(file, "its datasets", declared, budget);
        }
        DataLayout layout = d.getDataLayout();
        if (layout == DataLayout.CONTIGUOUS && d instanceof ContiguousDataset c) {
            long address = c.getDataAddress();
            if (address >= 0 && (address > bytes || size > bytes - address)) {
                throw new ModelLoadException(file, "dataset " + name + " declares " + size + " bytes, the file holds "
                        + Math.max(0, bytes - Math.min(address, bytes)) + " after its start");
            }
        } else if (layout == DataLayout.CHUNKED) {
            long stored = d.getStorageInBytes();
            if (stored > bytes) {
                throw new ModelLoadException(file, "dataset " + name + " declares chunks of " + stored + " bytes in a file of " + bytes);
            }
            if (size > Math.max(stored, 1) * MAX_COMPRESSION_RATIO) {
                throw new ModelLoadException(file, "dataset " + name + " declares " + size + " bytes, its chunks hold " + stored);
            }
        }
    }

    /**
     * Refuses a number type no reader stores: HDF5's native conversion takes a type's size and bit
     * fields on trust, and a float of 22 bytes (a mutant of a 4-byte kernel) crashed it (a SIGSEGV
     * closing the dataset, on some runs). h5py refuses such a type too ("insufficient precision").
     */
    private void numbers(String what, DataType t) {
        if (t instanceof FloatingPoint f) {
            int size = f.getSize(), bits = f.getBitPrecision(), e = f.getExponentSize(), m = f.getMantissaSize();
            boolean known = f.getBitOffset() == 0 && bits == size * 8 && e + m + 1 == bits
                    && (size == 2 && (e == 5 || e == 8) || size == 4 && e == 8 || size == 8 && e == 11);
            if (!known) {
                throw new ModelLoadException(file, "its HDF5 " + what + " stores floating-point numbers of " + size + " bytes, " + bits
                        + " bits (" + e + " exponent, " + m + " mantissa); nnviz reads IEEE half, single and double precision and bfloat16");
            }
        } else if (t instanceof FixedPoint i) {
            int size = i.getSize();
            if (i.getBitOffset() != 0 || i.getBitPrecision() != size * 8 || !(size == 1 || size == 2 || size == 4 || size == 8)) {
                throw new ModelLoadException(file, "its HDF5 " + what + " stores integers of " + size + " bytes, " + i.getBitPrecision()
                        + " bits from bit " + i.getBitOffset() + "; nnviz reads integers of 1, 2, 4 or 8 whole bytes");
            }
        }
    }

    private ModelLoadException unsupported(String path, UnsupportedHdfException e) {
        String what = path == null ? "an HDF5 object" : "HDF5 object " + Printable.name(path);
        if (String.valueOf(e.getMessage()).contains("External Data Files")) {
            return new ModelLoadException(file, what + " keeps its values in another file (HDF5 external storage); nnviz reads only"
                    + " what the model file holds");
        }
        return new ModelLoadException(file, what + " uses an HDF5 feature nnviz does not read (" + Printable.oneLine(String.valueOf(e.getMessage()))
                + ")", e);
    }
}
