package io.nnviz.api.spi;

import io.nnviz.testkit.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The file gate tells formats apart by content: every model of the corpus (files other exporters
 * made) is what its exporter named it, and the same under a name that says nothing; the formats no
 * backend reads yet are named, with what to do.
 */
class FileGateTest {
    /** The format each exporter's file extension claims. */
    static final Map<String, ModelFormat> CLAIMED = Map.of(".onnx", ModelFormat.ONNX, ".pt", ModelFormat.TORCHSCRIPT,
            ".h5", ModelFormat.KERAS_HDF5, ".npy", ModelFormat.NUMPY, "model.json", ModelFormat.TFJS, ".safetensors", ModelFormat.SAFETENSORS,
            ".gguf", ModelFormat.GGUF);

    @TempDir
    Path dir;

    @Test
    @Tag("corpus")
    void everyCorpusModelIsWhatItsExporterSaysEvenUnderAnotherName() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(Corpus.dir())) {
            files = s.filter(Files::isRegularFile).filter(p -> claimed(p) != null).sorted().toList();
        }
        assertTrue(files.size() >= 30, "the corpus has models of every kind: " + files.size());
        List<String> wrong = new ArrayList<>();
        for (Path f : files) {
            ModelFormat expected = claimed(f);
            FileGate.Recognition r = FileGate.recognize(f);
            Path renamed = Files.copy(f, dir.resolve("x.bin"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            FileGate.Recognition again = FileGate.recognize(renamed);
            if (r.format() != expected || again.format() != expected || !again.byContent()) {
                wrong.add(Corpus.dir().relativize(f) + ": " + r.what() + " / as x.bin: " + again.what());
            }
        }
        assertEquals(List.of(), wrong);
    }

    private static ModelFormat claimed(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        String folder = p.getParent().getFileName().toString();
        if (folder.startsWith("checkpoints") && !n.endsWith(".json")) {
            // PyTorch users name checkpoints .pt, .pth and .ckpt alike: torch.save is what made them
            return n.contains("legacy") || folder.equals("checkpoints-legacy") ? ModelFormat.PYTORCH_LEGACY : ModelFormat.PYTORCH_CHECKPOINT;
        }
        return CLAIMED.entrySet().stream().filter(e -> n.endsWith(e.getKey())).map(Map.Entry::getValue).findFirst().orElse(null);
    }

    @Test
    void formatsAreNamedAndThoseNoBackendReadsSayWhatToDo() throws IOException {
        ByteArrayOutputStream st = new ByteArrayOutputStream();
        byte[] header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}".getBytes(StandardCharsets.UTF_8);
        st.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        st.write(header);
        st.write(new byte[8]);
        assertFormat(write("model.safetensors", st.toByteArray()), ModelFormat.SAFETENSORS);
        assertFormat(write("m.gguf", "GGUF\u0003\0\0\0".getBytes(StandardCharsets.ISO_8859_1)), ModelFormat.GGUF);
        assertFormat(write("m.tflite", new byte[] {0x1c, 0, 0, 0, 'T', 'F', 'L', '3', 0, 0}), ModelFormat.TFLITE);
        assertFormat(write("legacy.pth", new byte[] {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46,
                (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19, '.'}), ModelFormat.PYTORCH_LEGACY);
        assertFormat(write("obj.pkl", new byte[] {(byte) 0x80, 0x04, 'N', '.'}), ModelFormat.PICKLE);
        assertFormat(zip("state.pth", "archive/data.pkl", "archive/data/0", "archive/version"), ModelFormat.PYTORCH_CHECKPOINT);
        assertFormat(zip("m.keras", "config.json", "model.weights.h5", "metadata.json"), ModelFormat.KERAS_V3);
        FileGate.Recognition r = FileGate.recognize(dir.resolve("legacy.pth"));
        assertTrue(r.line().startsWith("a PyTorch checkpoint in the legacy format") && r.line().contains("djl backend reads"), r.line());
        assertEquals("djl", FileGate.recognize(dir.resolve("state.pth")).format().backend(), "zip checkpoints are read");
    }

    @Test
    void formatsTheBackendsReadAreToldApartByContent() throws IOException {
        assertFormat(zip("net.bin", "configuration.json", "coefficients.bin"), ModelFormat.DL4J_ZIP);
        assertFormat(zip("script.bin", "m/data.pkl", "m/code/__torch__.py", "m/constants.pkl"), ModelFormat.TORCHSCRIPT);
        // a GraphDef: field 1 (node) holding a NodeDef named "x" with op "Const"; then versions (field 4)
        assertFormat(write("graph.bin", new byte[] {0x0a, 0x0a, 0x0a, 0x01, 'x', 0x12, 0x05, 'C', 'o', 'n', 's', 't', 0x22, 0x02, 0x08, 0x1b}),
                ModelFormat.FROZEN_GRAPH);
        // an ONNX ModelProto: ir_version 8, producer "t", a graph with a name
        assertFormat(write("model.bin", new byte[] {0x08, 0x08, 0x12, 0x01, 't', 0x3a, 0x03, 0x52, 0x01, 'g'}), ModelFormat.ONNX);
        Path saved = Files.createDirectories(dir.resolve("saved"));
        Files.write(saved.resolve("saved_model.pb"), new byte[] {0x08, 0x01, 0x12, 0x00});
        assertFormat(saved, ModelFormat.SAVED_MODEL);
        assertFormat(saved.resolve("saved_model.pb"), ModelFormat.SAVED_MODEL_PROTO);
        byte[] hdf5 = new byte[2048];
        System.arraycopy(new byte[] {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'}, 0, hdf5, 1024, 8);
        assertFormat(write("user-block.h5", hdf5), ModelFormat.KERAS_HDF5);
    }

    @Test
    void anythingElseIsNothingWithWhatItLooksLike() throws IOException {
        FileGate.Recognition r = FileGate.recognize(write("notes.txt", "hello, not a model".getBytes(StandardCharsets.UTF_8)));
        assertNull(r.format(), r.what());
        assertTrue(r.what().startsWith("not a model format nnviz knows: it starts with bytes 68656c6c"), r.what());
        assertNull(FileGate.recognize(zip("photos.jar", "a.jpg", "b.jpg")).format());
        assertNull(FileGate.byContent(write("cut.onnx", new byte[] {0x08, 0x08, 0x3a, 0x7f, 0x52})).format(), "a length past the end");
        assertNull(FileGate.recognize(write("empty.onnx", new byte[0])).format(), "an empty file is nothing, whatever its name");
        assertNull(FileGate.recognize(zip("photos.zip", "a.jpg")).format(), "a readable zip of photos is no DL4J zip");
        assertNull(FileGate.recognize(dir.resolve("missing")).format());
        // a damaged file keeps the claim of its name, so that format's reader refuses it with its own reason
        FileGate.Recognition claimed = FileGate.recognize(dir.resolve("cut.onnx"));
        assertEquals(ModelFormat.ONNX, claimed.format());
        assertTrue(!claimed.byContent() && claimed.what().startsWith("named like an ONNX model, but not a model format nnviz knows"),
                claimed.what());
    }

    private void assertFormat(Path p, ModelFormat expected) {
        FileGate.Recognition r = FileGate.recognize(p);
        assertEquals(expected, r.format(), p.getFileName() + ": " + r.what());
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private Path zip(String name, String... entries) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(out)) {
            for (String e : entries) {
                z.putNextEntry(new ZipEntry(e));
                z.write(e.getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        return p;
    }
}
