package io.nnviz.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 27 through {@code nnviz inspect}, in this JVM (no child to catch a crash): TorchScript files
 * that crash libtorch are exit 3 with one line naming the file and what is wrong, from the DJL
 * backend's check. Built from the backend's PyTorch-made fixture; the archive with one entry twice
 * is the backend's fuzz regression file (made by its HostileTorchScriptTest).
 */
@Tag("natives")
class HostileTorchScriptCliTest {
    private static final String FIXTURE = "backend-djl/src/test/resources/torchscript/small_cnn.pt";
    private static final String CODE = "small_cnn/code/__torch__.py";

    @TempDir
    Path dir;

    /** The fixture with entry {@code name}'s bytes replaced, stored as PyTorch stores them. */
    private Path with(String file, String name, byte[] content) throws Exception {
        Path src = CliRun.fixture(FIXTURE, Files.createTempDirectory(dir, "src")), p = dir.resolve(file);
        try (ZipFile in = new ZipFile(src.toFile()); ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(p))) {
            for (ZipEntry e : Collections.list(in.entries())) {
                byte[] b = e.getName().equals(name) ? content : in.getInputStream(e).readAllBytes();
                ZipEntry o = new ZipEntry(e.getName());
                o.setMethod(ZipEntry.STORED);
                o.setSize(b.length);
                CRC32 crc = new CRC32();
                crc.update(b);
                o.setCrc(crc.getValue());
                out.putNextEntry(o);
                out.write(b);
            }
        }
        return p;
    }

    private void refused(Path p, String reason) {
        CliRun r = CliRun.of("inspect", p, "--out", dir.resolve("never")).refused(3, p.getFileName().toString());
        assertTrue(r.err.contains(reason), r.err);
    }

    @Test
    void inspectRefusesEachWayPastIssue17WithOneLine() throws Exception {
        refused(CliRun.fixture("backend-djl/src/test/resources/io/nnviz/backend/djl/LoaderFuzzTestInputs/torchScript/twice3.pt", dir),
                "its archive holds '" + CODE + "' twice");
        String code;
        try (ZipFile z = new ZipFile(CliRun.fixture(FIXTURE, Files.createTempDirectory(dir, "head")).toFile())) {
            code = new String(z.getInputStream(z.getEntry(CODE)).readAllBytes(), StandardCharsets.UTF_8);
        }
        String head = code.substring(0, code.indexOf("    fc = self.fc"));
        refused(with("sum.pt", CODE, (head + "    return x" + " + x".repeat(50_000) + "\n").getBytes(StandardCharsets.UTF_8)),
                "its '" + CODE + "' nests deeper than 200 levels at line 10");
        // 100,000 nested tuples in a .debug_pkl, which libtorch reads when a forward fails
        ByteArrayOutputStream marks = new ByteArrayOutputStream();
        marks.writeBytes(new byte[] {(byte) 0x80, 2});
        marks.writeBytes("(".repeat(100_000).getBytes(StandardCharsets.ISO_8859_1));
        marks.write(')');
        marks.writeBytes("t".repeat(100_000).getBytes(StandardCharsets.ISO_8859_1));
        marks.write('.');
        refused(with("debug.pt", CODE + ".debug_pkl", marks.toByteArray()), "its '" + CODE + ".debug_pkl' nests deeper than 1000 levels");
        // lists memoized empty, filled after: 200,000 deep
        ByteArrayOutputStream memo = new ByteArrayOutputStream();
        memo.writeBytes(new byte[] {(byte) 0x80, 2, '('});
        for (int k = 199_999; k >= 0; k--) {
            memo.writeBytes(new byte[] {']', 'r', (byte) k, (byte) (k >> 8), (byte) (k >> 16), 0});
            if (k < 199_999) {
                memo.writeBytes(new byte[] {'j', (byte) (k + 1), (byte) (k + 1 >> 8), (byte) (k + 1 >> 16), 0, 'a'});
            }
        }
        memo.writeBytes(new byte[] {'t', '.'});
        refused(with("memo.pt", "small_cnn/data.pkl", memo.toByteArray()), "its 'small_cnn/data.pkl' nests deeper than 1000 levels");
    }
}
