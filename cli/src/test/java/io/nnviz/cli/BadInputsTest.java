package io.nnviz.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Inputs refused before any framework loads: the promised exit code, one line naming the file, nothing left behind. */
class BadInputsTest {
    @TempDir
    Path dir;

    @Test
    void emptyMissingAndForeignFilesAreUnreadableModels() throws Exception {
        Path out = dir.resolve("out");
        Path empty = Files.createFile(dir.resolve("empty.onnx"));
        assertTrue(CliRun.of("inspect", empty, "--out", out).refused(3, "empty.onnx").err.contains("empty file"));
        CliRun.of("inspect", dir.resolve("missing.zip"), "--out", out).refused(3, "missing.zip");
        byte[] noise = new byte[4096];
        new Random(1).nextBytes(noise);
        noise[0] = 0x55; // neither a protobuf's first tag nor a signature: rejected by content, whatever the name says
        for (String name : List.of("random.zip", "random.h5", "random.pt", "random.bin")) {
            Path p = Files.write(dir.resolve(name), noise);
            CliRun.of("inspect", p, "--out", out).refused(3, name);
        }
        Path notSaved = Files.createDirectories(dir.resolve("not_a_saved_model"));
        Files.writeString(notSaved.resolve("README"), "hello");
        assertTrue(CliRun.of("inspect", notSaved, "--out", out).refused(3, "not_a_saved_model").err.contains("saved_model.pb"));
        Path zip = dir.resolve("other.zip");
        try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            z.putNextEntry(new java.util.zip.ZipEntry("hello.txt"));
            z.write("hi".getBytes());
        }
        assertTrue(CliRun.of("inspect", zip, "--out", out).refused(3, "other.zip").err.contains("a zip archive, but no model format nnviz knows"));
        assertEquals(List.of(), CliRun.files(out), "no outputs, not even the folder");
    }

    /** Issue 29: a legacy torch.save file or a GGUF file cut short is refused by its reader, in one line naming the format. */
    @Test
    void aLegacyCheckpointOrGgufFileCutShortIsRefusedByItsReader() throws Exception {
        Path out = dir.resolve("out");
        Path legacy = Files.write(dir.resolve("weights.bin"), new byte[] {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc,
                (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19, '.'});
        String err = CliRun.of("inspect", legacy, "--out", out).refused(3, "weights.bin").err;
        assertTrue(err.contains("its legacy torch.save stream holds pickles PyTorch does not read"), err);
        Path gguf = Files.write(dir.resolve("model.onnx"), "GGUF\u0003\0\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        err = CliRun.of("inspect", gguf, "--out", out).refused(3, "model.onnx").err;
        assertTrue(err.contains("GGUF: it is cut short"), "content, not the name: " + err);
        assertEquals(List.of(), CliRun.files(out), "no outputs");
    }

    @Test
    void usageErrorsExitWithTwo() throws Exception {
        Path model = Files.write(dir.resolve("m.onnx"), new byte[] {0x55});
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertTrue(CliRun.of("inspect", model, "--out", file).refused(2, "a-file").err.contains("not a folder"));
        assertTrue(CliRun.of("inspect", model, "--out", dir.resolve("o"), "--format", "gif").refused(2, "gif").err.contains("svg, png, html"));
        CliRun.of("inspect", model, "--layers", "conv[").refused(2, "conv[");
        CliRun.of("inspect", model, "--out", dir.resolve("o"), "--max-memory", "12q").refused(2, "--max-memory 12q");
        CliRun.of("inspect", model, "--out", dir.resolve("o"), "--max-memory", "10m").refused(2, "at least 256m");
        CliRun.of("inspect", model, "--out", dir.resolve("o"), "--timeout", "-1").refused(2, "--timeout -1");
        CliRun.of("attribute", model, "--input", file, "--methods", "magic").refused(2, "--methods magic");
        CliRun.of("attribute", model, "--input", file, "--steps", "0").refused(2, "--steps 0");
        CliRun.of("inspect").expect(2);
        CliRun.of("frobnicate").expect(2);
        CliRun.of("activations", model).expect(2); // --input is required
        CliRun r = CliRun.of("--help").expect(0);
        assertTrue(r.out.contains("inspect") && r.out.contains("activations") && r.out.contains("Exit codes"), r.out);
    }
}
