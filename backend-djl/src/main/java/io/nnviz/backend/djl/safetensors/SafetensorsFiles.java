package io.nnviz.backend.djl.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.ModelView;
import io.nnviz.api.spi.FileGate;
import io.nnviz.api.spi.ModelFormat;
import io.nnviz.api.spi.Printable;
import io.nnviz.api.spi.SafeFiles;
import io.nnviz.api.spi.StoredNumbers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The one place that reads safetensors files (HuggingFace's format: an 8-byte little-endian header
 * length, a JSON header naming each tensor's dtype, shape and byte range, then the bytes). The
 * header is bounded (100 MB, as the format says) and checked whole before anything else is read:
 * every dtype known, every shape's bytes equal to its range, every range inside the file, none
 * overlapping; values are then read a tensor at a time from the memory-mapped file. Public only so
 * that the DJL provider can hand files to it. Stateless and thread-safe.
 */
public final class SafetensorsFiles {
    static final long MAX_HEADER = 100L << 20;

    private SafetensorsFiles() {
    }

    /** True for a file the file gate ({@link FileGate}) says is safetensors; never throws. */
    public static boolean canLoad(Path path) {
        return FileGate.recognize(path).is(ModelFormat.SAFETENSORS);
    }

    /** Opens a safetensors file; {@code options} give the memory budget (input shapes do not apply: it has no input). */
    public static ModelView open(Path path, LoadOptions options) {
        long size = SafeFiles.requireRegularFile(path);
        try (FileChannel ch = FileChannel.open(path)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (size < 8 || ch.read(len, 0) != 8) {
                throw new ModelLoadException(path, "not a safetensors file: shorter than its 8-byte header length");
            }
            long n = len.getLong(0);
            if (n < 2 || n > MAX_HEADER || n > size - 8) {
                throw new ModelLoadException(path, "its safetensors header declares " + Long.toUnsignedString(n) + " bytes, the file holds "
                        + (size - 8) + " after the length (at most " + MAX_HEADER + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            while (header.hasRemaining() && ch.read(header, 8 + header.position()) > 0) {
                // read the whole header
            }
            JsonNode root = new ObjectMapper().readTree(new String(header.array(), StandardCharsets.UTF_8));
            if (root == null || !root.isObject()) {
                throw new ModelLoadException(path, "its safetensors header is not a JSON object");
            }
            long dataStart = 8 + n, dataBytes = size - dataStart;
            List<SafetensorsTensors.Ref> refs = refs(path, root, dataBytes);
            long largest = refs.stream().mapToLong(SafetensorsTensors.Ref::elements).max().orElse(0);
            if (largest * 4 > options.memoryBudget()) {
                throw new ModelTooLargeException(path, "its largest tensor", largest * 4, options.memoryBudget());
            }
            JsonNode meta = root.get("__metadata__");
            return SafetensorsModel.of(path, dataStart, refs, meta);
        } catch (JsonProcessingException e) {
            throw new ModelLoadException(path, "its safetensors header is not JSON (" + Printable.oneLine(e.getOriginalMessage()) + ")");
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot read it (" + Printable.oneLine(String.valueOf(e.getMessage())) + ")", e);
        } catch (ArithmeticException e) {
            throw new ModelLoadException(path, "its tensors declare more than 2^63 values");
        }
    }

    /** Every tensor the header names, checked against the format and the data's {@code dataBytes}. */
    private static List<SafetensorsTensors.Ref> refs(Path path, JsonNode root, long dataBytes) {
        List<SafetensorsTensors.Ref> refs = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            String name = e.getKey();
            JsonNode t = e.getValue();
            String dtype = t.path("dtype").asText("");
            StoredNumbers type = SafetensorsTensors.TYPES.get(dtype);
            JsonNode shape = t.path("shape"), offsets = t.path("data_offsets");
            if (type == null || !shape.isArray() || !offsets.isArray() || offsets.size() != 2 || !offsets.get(0).canConvertToLong()
                    || !offsets.get(1).canConvertToLong()) {
                throw new ModelLoadException(path, "its tensor " + Printable.name(name) + " is not described as the format says"
                        + " (dtype " + Printable.name(dtype) + ", shape, data_offsets [begin, end])");
            }
            long[] dims = new long[shape.size()];
            long count = 1;
            for (int i = 0; i < dims.length; i++) {
                if (!shape.get(i).canConvertToLong() || shape.get(i).asLong() < 0) {
                    throw new ModelLoadException(path, "its tensor " + Printable.name(name) + " has a negative or non-integer dimension");
                }
                dims[i] = shape.get(i).asLong();
                count = Math.multiplyExact(count, dims[i]);
            }
            long begin = offsets.get(0).asLong(), end = offsets.get(1).asLong();
            if (begin < 0 || end < begin || end > dataBytes || Math.multiplyExact(count, type.bytes()) != end - begin) {
                throw new ModelLoadException(path, "its tensor " + Printable.name(name) + " declares " + count + " " + dtype
                        + " values in bytes " + begin + " to " + end + ", where the file holds " + dataBytes + " bytes of data");
            }
            refs.add(new SafetensorsTensors.Ref(name, dtype, dims, begin, end));
        }
        List<SafetensorsTensors.Ref> sorted = new ArrayList<>(refs);
        sorted.sort((a, b) -> Long.compare(a.begin(), b.begin()));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).begin() < sorted.get(i - 1).end()) {
                throw new ModelLoadException(path, "its tensors " + Printable.name(sorted.get(i - 1).name()) + " and "
                        + Printable.name(sorted.get(i).name()) + " overlap");
            }
        }
        return refs;
    }
}
