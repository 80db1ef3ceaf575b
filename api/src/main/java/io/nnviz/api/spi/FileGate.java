package io.nnviz.api.spi;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The one place that tells what a model file is, from its content only: magic bytes (HDF5, GGUF,
 * NumPy, pickle), the flatbuffer identifier (TFLite), the length-prefixed JSON header of
 * safetensors, a zip's entries (DL4J, Keras 3, TorchScript, PyTorch checkpoints) and the
 * top-level field numbers and wire types of a protobuf (ONNX's ModelProto, TensorFlow's GraphDef
 * and SavedModel). A file's name is never asked: an ONNX model named {@code x.bin} is an ONNX
 * model. Every backend's {@code canLoad}, {@link Backends} and the CLI ask here, so they agree.
 *
 * <p>Reading is bounded (the head of the file, a zip's directory, a protobuf's top-level tags,
 * which are skipped over, never parsed) and never throws: a file that cannot be read is
 * recognised as nothing, with the reason. Thread-safe and stateless.
 */
public final class FileGate {
    private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    /** torch.save's legacy format starts by pickling this number (protocol 2: PROTO 2, LONG1 of 10 bytes). */
    private static final byte[] TORCH_LEGACY_MAGIC = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46,
            (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};
    /** A safetensors header larger than this is not one (the format caps it at 100 MB). */
    private static final long MAX_SAFETENSORS_HEADER = 100L << 20;
    /** Top-level protobuf fields walked at most (a GraphDef has one per node). */
    private static final int MAX_PROTO_FIELDS = 5_000_000;
    private static final int VARINT = 0, FIXED64 = 1, LEN = 2, FIXED32 = 5;

    /** Top-level fields of the protobufs nnviz reads: field number to wire type. */
    private static final Map<Integer, Integer> ONNX_MODEL = Map.ofEntries(Map.entry(1, VARINT), Map.entry(2, LEN), Map.entry(3, LEN),
            Map.entry(4, LEN), Map.entry(5, VARINT), Map.entry(6, LEN), Map.entry(7, LEN), Map.entry(8, LEN), Map.entry(14, LEN),
            Map.entry(20, LEN), Map.entry(25, LEN));
    private static final Map<Integer, Integer> GRAPH_DEF = Map.of(1, LEN, 2, LEN, 3, VARINT, 4, LEN);
    private static final Map<Integer, Integer> SAVED_MODEL = Map.of(1, VARINT, 2, LEN);

    private FileGate() {
    }

    /**
     * What a file is: a format, or none with what it looks like.
     *
     * @param format    the format, or null when the file is none nnviz knows
     * @param what      a phrase saying what the file is or looks like, for a message
     * @param byContent true when the content decided: a format, or surely none (an empty file, a
     *                  readable zip of something else, a folder); false when the content is bytes
     *                  nnviz cannot place, and then the format, if any, is the one the file's
     *                  extension claims (a damaged file of that format, most often, which that
     *                  format's reader then refuses with its reason)
     */
    public record Recognition(ModelFormat format, String what, boolean byContent) {
        /** Whether the file is one of {@code formats}. */
        public boolean is(ModelFormat... formats) {
            return format != null && Arrays.asList(formats).contains(format);
        }

        /**
         * One line for a user who gave this file to a backend that cannot read it: what the file is,
         * and what to do (the format's advice, or which artifact reads it).
         */
        public String line() {
            if (format == null) {
                return what;
            }
            if (format.advice() != null) {
                return what + ": " + format.advice();
            }
            return what + ", which the " + format.backend() + " backend reads (" + format.artifact() + ")";
        }
    }

    /** Extensions exporters give each format: what an unrecognised file claims to be. */
    private static final Map<String, ModelFormat> CLAIMS = Map.ofEntries(Map.entry(".onnx", ModelFormat.ONNX),
            Map.entry(".pt", ModelFormat.TORCHSCRIPT), Map.entry(".pth", ModelFormat.TORCHSCRIPT), Map.entry(".torchscript", ModelFormat.TORCHSCRIPT),
            Map.entry(".ckpt", ModelFormat.PYTORCH_CHECKPOINT), Map.entry(".pb", ModelFormat.FROZEN_GRAPH), Map.entry(".h5", ModelFormat.KERAS_HDF5),
            Map.entry(".hdf5", ModelFormat.KERAS_HDF5), Map.entry(".keras", ModelFormat.KERAS_V3), Map.entry(".zip", ModelFormat.DL4J_ZIP),
            Map.entry(".safetensors", ModelFormat.SAFETENSORS), Map.entry(".gguf", ModelFormat.GGUF), Map.entry(".tflite", ModelFormat.TFLITE));

    /**
     * What {@code path} is, from its content; when the content is none nnviz knows, what its
     * extension claims ({@link Recognition#byContent()} false). Never throws.
     */
    public static Recognition recognize(Path path) {
        Recognition r = byContent(path);
        if (r.format() != null || r.byContent() || path == null || !Files.isRegularFile(path) || path.getFileName() == null) {
            return r;
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        for (Map.Entry<String, ModelFormat> c : CLAIMS.entrySet()) {
            if (name.endsWith(c.getKey())) {
                return new Recognition(c.getValue(), "named like " + c.getValue().description() + ", but " + r.what(), false);
            }
        }
        return r;
    }

    /** What {@code path} is, from its content alone; never throws. */
    public static Recognition byContent(Path path) {
        try {
            if (path == null || !Files.exists(path)) {
                return none("no such file or directory");
            }
            if (Files.isDirectory(path)) {
                if (Files.isRegularFile(path.resolve("saved_model.pb")) || Files.isRegularFile(path.resolve("saved_model.pbtxt"))) {
                    return of(ModelFormat.SAVED_MODEL);
                }
                return nothing("a directory, but not a TensorFlow SavedModel (no saved_model.pb in it)");
            }
            if (!Files.isRegularFile(path)) {
                return none("not a regular file");
            }
            long size = Files.size(path);
            if (size == 0) {
                return nothing("an empty file");
            }
            byte[] head = new byte[4096];
            int n;
            try (InputStream in = Files.newInputStream(path)) {
                n = in.readNBytes(head, 0, head.length);
            }
            return recognize(path, head, n, size);
        } catch (IOException | RuntimeException e) {
            return none("not readable (" + Printable.oneLine(String.valueOf(e.getMessage())) + ")");
        }
    }

    private static Recognition recognize(Path path, byte[] head, int n, long size) throws IOException {
        if (starts(head, n, 0, 'P', 'K', 3, 4)) {
            return zip(path);
        }
        if (starts(head, n, 0, HDF5) || hdf5AfterUserBlock(path, size)) {
            return of(ModelFormat.KERAS_HDF5);
        }
        if (starts(head, n, 0, 'G', 'G', 'U', 'F')) {
            return of(ModelFormat.GGUF);
        }
        if (starts(head, n, 4, 'T', 'F', 'L', '3')) {
            return of(ModelFormat.TFLITE);
        }
        if (starts(head, n, 0, (byte) 0x93, 'N', 'U', 'M', 'P', 'Y')) {
            return of(ModelFormat.NUMPY);
        }
        if (starts(head, n, 0, TORCH_LEGACY_MAGIC)) {
            return of(ModelFormat.PYTORCH_LEGACY);
        }
        if (n >= 2 && (head[0] & 0xFF) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            return of(ModelFormat.PICKLE);
        }
        if (n >= 9) {
            long header = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (header >= 2 && header <= Math.min(size - 8, MAX_SAFETENSORS_HEADER) && head[8] == '{') {
                return of(ModelFormat.SAFETENSORS);
            }
        }
        String text = new String(head, 0, n, StandardCharsets.ISO_8859_1);
        if (text.stripLeading().startsWith("{") && (text.contains("\"weightsManifest\"") || text.contains("\"modelTopology\""))) {
            return of(ModelFormat.TFJS);
        }
        ModelFormat proto = protobuf(path);
        if (proto != null) {
            return of(proto);
        }
        return none("not a model format nnviz knows: it starts with bytes " + hex(head, n));
    }

    private static Recognition of(ModelFormat f) {
        return new Recognition(f, f.description(), true);
    }

    /** Content nnviz cannot place: the file's name may still say what it claims to be. */
    private static Recognition none(String what) {
        return new Recognition(null, what, false);
    }

    /** Content that is surely no model format: whatever the name says. */
    private static Recognition nothing(String what) {
        return new Recognition(null, what, true);
    }

    private static boolean starts(byte[] b, int n, int at, byte... prefix) {
        if (n < at + prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean starts(byte[] b, int n, int at, int... prefix) {
        byte[] p = new byte[prefix.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) prefix[i];
        }
        return starts(b, n, at, p);
    }

    /** HDF5 lets a user block precede the superblock, which then sits at 512, 1024, 2048, ... bytes. */
    private static boolean hdf5AfterUserBlock(Path path, long size) throws IOException {
        if (size < 512 + HDF5.length) {
            return false;
        }
        try (var ch = Files.newByteChannel(path)) {
            ByteBuffer b = ByteBuffer.allocate(HDF5.length);
            for (long at = 512; at + HDF5.length <= size && at <= (1L << 40); at *= 2) {
                b.clear();
                ch.position(at);
                while (b.hasRemaining() && ch.read(b) > 0) {
                    // fill
                }
                if (!b.hasRemaining() && Arrays.equals(b.array(), HDF5)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Recognition zip(Path path) {
        Set<String> names;
        try (ZipFile z = new ZipFile(path.toFile())) {
            List<String> all = new ArrayList<>();
            for (var e = z.entries(); e.hasMoreElements() && all.size() <= SafeFiles.MAX_ZIP_ENTRIES; ) {
                ZipEntry entry = e.nextElement();
                all.add(entry.getName());
            }
            names = Set.copyOf(all);
        } catch (IOException | RuntimeException e) {
            return none("a damaged or truncated zip archive (" + Printable.oneLine(String.valueOf(e.getMessage())) + ")");
        }
        if (names.contains("configuration.json")) {
            return of(ModelFormat.DL4J_ZIP);
        }
        if (names.contains("config.json") && names.contains("model.weights.h5")) {
            return of(ModelFormat.KERAS_V3);
        }
        boolean pickle = false, code = false;
        for (String name : names) {
            String lower = name.toLowerCase(Locale.ROOT);
            pickle |= lower.equals("data.pkl") || lower.endsWith("/data.pkl");
            code |= lower.startsWith("code/") || lower.contains("/code/") || lower.endsWith("/constants.pkl") || lower.equals("constants.pkl");
        }
        if (pickle) {
            return of(code ? ModelFormat.TORCHSCRIPT : ModelFormat.PYTORCH_CHECKPOINT);
        }
        List<String> some = new ArrayList<>(names);
        Collections.sort(some);
        return nothing("a zip archive, but no model format nnviz knows (no configuration.json, data.pkl or config.json with"
                + " model.weights.h5; it holds " + Printable.oneLine(String.join(", ", some.subList(0, Math.min(3, some.size()))))
                + (some.size() > 3 ? ", ..." : "") + ")");
    }

    /**
     * The protobuf message the file's top-level fields fit: each field's number and wire type read
     * and its payload skipped, to the end of the file; a tag outside every schema, a length past
     * the end or a group rules the file out.
     */
    private static ModelFormat protobuf(Path path) throws IOException {
        Map<Integer, Integer> seen = new HashMap<>();
        long size = Files.size(path);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
            long pos = 0;
            for (int fields = 0; pos < size; fields++) {
                if (fields >= MAX_PROTO_FIELDS) {
                    return null;
                }
                long[] tag = varint(in);
                if (tag == null) {
                    return null;
                }
                pos += tag[1];
                int number = (int) (tag[0] >>> 3), wire = (int) (tag[0] & 7);
                if (number < 1 || tag[0] >>> 3 > Integer.MAX_VALUE) {
                    return null;
                }
                long skip;
                switch (wire) {
                    case VARINT -> {
                        long[] v = varint(in);
                        if (v == null) {
                            return null;
                        }
                        pos += v[1];
                        skip = 0;
                    }
                    case FIXED64 -> skip = 8;
                    case FIXED32 -> skip = 4;
                    case LEN -> {
                        long[] len = varint(in);
                        if (len == null || len[0] < 0) {
                            return null;
                        }
                        pos += len[1];
                        skip = len[0];
                    }
                    default -> {
                        return null;
                    }
                }
                if (skip > size - pos) {
                    return null;
                }
                in.skipNBytes(skip);
                pos += skip;
                Integer before = seen.putIfAbsent(number, wire);
                if (before != null && before != wire) {
                    return null;
                }
            }
        } catch (IOException e) {
            return null;
        }
        if (fits(seen, ONNX_MODEL) && seen.containsKey(7)) {
            return ModelFormat.ONNX;
        }
        if (fits(seen, GRAPH_DEF) && seen.containsKey(1)) {
            return ModelFormat.FROZEN_GRAPH;
        }
        if (fits(seen, SAVED_MODEL) && seen.containsKey(2)) {
            return ModelFormat.SAVED_MODEL_PROTO;
        }
        return null;
    }

    private static boolean fits(Map<Integer, Integer> seen, Map<Integer, Integer> schema) {
        return !seen.isEmpty() && seen.entrySet().stream().allMatch(e -> e.getValue().equals(schema.get(e.getKey())));
    }

    /** A varint and how many bytes it took, or null at the end of the file or past 10 bytes. */
    private static long[] varint(InputStream in) throws IOException {
        long v = 0;
        for (int i = 0; i < 10; i++) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            v |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                return new long[] {v, i + 1};
            }
        }
        return null;
    }

    private static String hex(byte[] b, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(n, 8); i++) {
            s.append(String.format("%02x", b[i] & 0xff));
        }
        return s.toString();
    }
}
