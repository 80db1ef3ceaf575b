package io.nnviz.backend.djl.safetensors;

import io.nnviz.NNViz;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.ModelView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 29 with #27's rules: a safetensors header that declares more than its bytes is refused at once, in one line. */
class HostileSafetensorsTest {
    @TempDir
    Path dir;

    private Path file(String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.write(h);
        out.write(new byte[dataBytes]);
        return Files.write(dir.resolve(name), out.toByteArray());
    }

    private String refusal(Path p, String says) {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> NNViz.load(p).close());
        assertTrue(e.getMessage().contains(says), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aWellFormedFileOpensWithItsValues() throws Exception {
        Path p = file("ok.safetensors", "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}", 24);
        try (ModelView m = NNViz.load(p)) {
            assertEquals(6, m.parameterCount());
            assertEquals(4, m.weights("fc").get(0).values().size());
        }
    }

    @Test
    void declaredBytesPastTheFileOverlapsAndUnknownDtypesAreRefused() throws Exception {
        refusal(file("past.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000],\"data_offsets\":[0,4000000]}}", 16),
                "declares 1000000 F32 values in bytes 0 to 4000000, where the file holds 16 bytes of data");
        refusal(file("lie.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[8],\"data_offsets\":[0,16]}}", 16),
                "declares 8 F32 values in bytes 0 to 16");
        refusal(file("overlap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16), "overlap");
        refusal(file("dtype.safetensors", "{\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2),
                "is not described as the format says");
        refusal(file("json.safetensors", "{\"w\": [", 0), "not JSON");
    }

    @Test
    void aHeaderLongerThanTheFileIsRefusedBeforeItIsRead() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(64).array());
        out.write("{\"w\":1}".getBytes(StandardCharsets.UTF_8));
        Path p = Files.write(dir.resolve("short.safetensors"), out.toByteArray());
        refusal(p, "its safetensors header declares 64 bytes, the file holds 7 after the length");
    }

    @Test
    void aTensorLargerThanTheBudgetIsRefusedAsTooLarge() throws Exception {
        // 2^28 float32 values are 1 GiB; the file holds them all, the budget is 64 MiB
        Path p = dir.resolve("big.safetensors");
        byte[] h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[268435456],\"data_offsets\":[0,1073741824]}}".getBytes(StandardCharsets.UTF_8);
        try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, h.length));
            ch.write(ByteBuffer.wrap(h));
            ch.write(ByteBuffer.allocate(1), 8 + h.length + (1L << 30) - 1); // sparse: no gigabyte written
        }
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> NNViz.load(p, LoadOptions.defaults().memoryBudget(64L << 20)).close());
        assertInstanceOf(ModelTooLargeException.class, e, e.getMessage());
    }
}
