package io.nnviz.cli;

import io.nnviz.api.spi.Printable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CLI's side of issue 17: bad images, tensors and options are usage errors (exit 2) naming
 * what is wrong, before anything large is allocated; hostile names cannot drive the terminal or
 * break Graphviz; staging folders of killed runs are cleaned up.
 */
class HostileInputsTest {
    @TempDir
    Path dir;

    /** A PNG of the given header size: IHDR with a valid CRC, an empty IDAT, IEND (no pixel data at all). */
    static byte[] png(int w, int h, byte[] idat) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(d, "IHDR", ihdr.array());
        chunk(d, "IDAT", idat);
        chunk(d, "IEND", new byte[0]);
        return b.toByteArray();
    }

    private static void chunk(DataOutputStream d, String type, byte[] data) throws IOException {
        d.writeInt(data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }

    /** A 24-bit BMP header claiming {@code w x h} pixels, followed by a few bytes of data. */
    static byte[] bmp(int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(54 + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'B').put((byte) 'M').putInt(54 + 16).putInt(0).putInt(54);
        b.putInt(40).putInt(w).putInt(h).putShort((short) 1).putShort((short) 24).putInt(0).putInt(0).putInt(2835).putInt(2835).putInt(0).putInt(0);
        return b.array();
    }

    @Test
    void hugeOrDamagedImagesAreRefusedFromTheirHeader() throws Exception {
        Path huge = Files.write(dir.resolve("huge.png"), png(65_535, 65_535, new byte[0]));
        Main.UsageException e = org.junit.jupiter.api.Assertions.assertThrows(Main.UsageException.class, () -> InputData.imageSize(huge));
        assertTrue(e.getMessage().contains("huge.png") && e.getMessage().contains("65535 x 65535"), e.getMessage());
        Path hugeBmp = Files.write(dir.resolve("huge.bmp"), bmp(65_535, 65_535));
        e = org.junit.jupiter.api.Assertions.assertThrows(Main.UsageException.class, () -> InputData.readImage(hugeBmp));
        assertTrue(e.getMessage().contains("huge.bmp"), e.getMessage());
        Path damaged = Files.write(dir.resolve("damaged.png"), png(64, 64, new byte[] {1, 2, 3, 4, 5}));
        e = org.junit.jupiter.api.Assertions.assertThrows(Main.UsageException.class, () -> InputData.readImage(damaged));
        assertTrue(e.getMessage().contains("damaged.png") && e.getMessage().contains("damaged image"), e.getMessage());
        Path text = Files.writeString(dir.resolve("text.png"), "not an image at all");
        e = org.junit.jupiter.api.Assertions.assertThrows(Main.UsageException.class, () -> InputData.imageSize(text));
        assertTrue(e.getMessage().contains("not an image"), e.getMessage());
        // a real image of a sane size passes, and decodes to its header's size
        Path ok = CliRun.fashionPng(dir);
        assertEquals(28, InputData.readImage(ok).getWidth());
    }

    /** A .npy file with the given header dictionary and {@code data} bytes after it. */
    static byte[] npy(String dict, int data) {
        String header = dict + " ".repeat(Math.floorMod(16 - (10 + dict.length() + 1), 16)) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    @Test
    void malformedNpyHeadersAreUsageErrors() throws Exception {
        String[][] cases = {
                {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 3), }", "shape"},
                {"{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647, 2147483647, 2147483647), }", "shape"},
                {"{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }", "shape"},
                {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1, 1), }", "shape"},
                {"{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 1000), }", "truncated"},
                {"{'descr': '<f4', 'fortran_order': False, 'shape': (abc), }", "shape"},
        };
        int i = 0;
        for (String[] c : cases) {
            Path p = Files.write(dir.resolve("bad" + i++ + ".npy"), npy(c[0], 16));
            Main.UsageException e = org.junit.jupiter.api.Assertions.assertThrows(Main.UsageException.class, () -> InputData.npy(p), c[0]);
            assertTrue(e.getMessage().contains(p.getFileName().toString()) && e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
        }
        // the magic bytes alone, and the magic with half a header length (issue 27: an EOFException ended as "internal error")
        for (byte[] cut : List.of("\u0093NUMPY".getBytes(StandardCharsets.ISO_8859_1), new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 10})) {
            Path p = Files.write(dir.resolve("cut" + cut.length + ".npy"), cut);
            Main.UsageException e = org.junit.jupiter.api.Assertions.assertThrows(Main.UsageException.class, () -> InputData.npy(p));
            assertTrue(e.getMessage().contains(p.getFileName().toString()) && e.getMessage().contains("too short"), e.getMessage());
        }
        Path good = Files.write(dir.resolve("good.npy"), DjlFormatsTest.npy(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        assertEquals(List.of(2, 3), java.util.Arrays.stream(InputData.npy(good).shape().toArray()).boxed().toList());
    }

    @Test
    @Tag("natives")
    void everyBadOptionIsExitTwoNamingIt() throws Exception {
        Path pt = CliRun.fixture("backend-djl/src/test/resources/torchscript/small_cnn.pt", dir);
        Path img = CliRun.fashionPng(dir);
        Path never = dir.resolve("never");
        Object[][] bad = {
                {"--scale", "NaN", "--scale"}, {"--scale", "-1", "--scale"}, {"--scale", "Infinity", "--scale"},
                {"--mean", "0.5,0.5", "--mean"}, {"--std", "0", "--std"}, {"--std", "NaN", "--std"}, {"--mean", "1,2,3,4", "--mean"},
                {"--channels", "2", "--channels"}, {"--target", "-1", "--target"},
                {"--size", "20000x20000", "--size"}, {"--size", "0x28", "--size"}, {"--size", "28", "--size"}, {"--size", "5000x5000", "--size"},
                {"--out", "", "--out"},
        };
        for (Object[] b : bad) {
            List<Object> args = new java.util.ArrayList<>(List.of("activations", pt, "--input", img, b[0], b[1], "--quiet"));
            if (!b[0].equals("--out")) {
                args.addAll(List.of("--out", never));
            }
            CliRun.of(args.toArray()).refused(2, (String) b[2]);
        }
        // a target past the model's outputs is known once it ran: still exit 2, naming the option and the count
        CliRun r = CliRun.of("activations", pt, "--input", img, "--target", "999", "--layers", "output", "--out", never, "--quiet").refused(2, "--target");
        assertTrue(r.err.contains("3 outputs"), r.err);
        CliRun.of("activations", pt, "--input", Files.write(dir.resolve("huge.png"), png(65_535, 65_535, new byte[0])), "--out", never,
                "--quiet").refused(2, "huge.png");
        CliRun.of("activations", pt, "--input", dir.resolve("nothing.png"), "--out", never, "--quiet").refused(2, "nothing.png");
        assertEquals(List.of(), CliRun.files(never), "nothing written for a refused run");
        // picocli's own parse errors are one line too, pointing to --help
        assertTrue(CliRun.of("activations", pt, "--input", img, "--scale", "abc", "--out", never).refused(2, "--scale").err.contains("--help"));
        // and the same options, sane, succeed
        CliRun.of("activations", pt, "--input", img, "--target", "2", "--layers", "output", "--out", dir.resolve("ok"), "--quiet").expect(0);
    }

    @Test
    void stagingFoldersOfDeadRunsAreRemovedOnStart() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        // a pid no process has (above Linux's pid_max), as left by a run killed with SIGKILL
        Path dead = Files.createDirectories(out.resolve(Outputs.STAGING + "4194305-123"));
        Files.writeString(dead.resolve("architecture.svg"), "<svg/>");
        Path live = Files.createDirectories(out.resolve(Outputs.STAGING + ProcessHandle.current().pid() + "-456"));
        Path mine = Files.writeString(out.resolve("keep.txt"), "the user's own file");
        try (Outputs o = Outputs.in(out, "svg")) {
            assertFalse(Files.exists(dead), "a dead run's staging folder is removed");
            assertTrue(Files.isDirectory(live), "a live run's staging folder stays");
            assertTrue(Files.exists(mine));
        }
        Files.delete(live);
        try (var s = Files.list(out)) {
            assertEquals(List.of("keep.txt"), s.map(p -> p.getFileName().toString()).toList(), "the run's own staging folder is gone too");
        }
    }

    /** The inspect table printed U+202E raw (issue 27): every name in it goes through the same escaping as error lines. */
    @Test
    void hostileNamesInTheSummaryTableAreEscaped() {
        String osc = "conv\u001b]0;pwned\u0007\u202eevil\u2066x\u2028y\uFFFE";
        io.nnviz.api.ModelView m = io.nnviz.api.spi.ModelBuilder.of("model\u202e")
                .layer(io.nnviz.api.LayerInfo.builder("in", io.nnviz.api.LayerKind.INPUT).outputShape(io.nnviz.api.Shape.of(-1, 4)).build())
                .layer(io.nnviz.api.LayerInfo.builder(osc, io.nnviz.api.LayerKind.DENSE).outputShape(io.nnviz.api.Shape.of(-1, 2)).build())
                .chain("in", osc).build();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        Summary.print(m, io.nnviz.api.spi.ModelFormat.values()[0], new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
        String table = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(table.codePoints().noneMatch(c -> c != '\n' && (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                || c == 0xFFFE || c == 0x2028)), table);
        assertTrue(table.contains("\\u202e") && table.contains("\\u001b]0;pwned") && table.contains("model\\u202e"), table);
    }

    @Test
    void hostileNamesCannotDriveTheTerminalOrBreakDot() {
        String osc = "conv\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202eevil\u2028x\uFFFE";
        String line = Printable.oneLine("m.onnx: layer " + osc + " is bad");
        assertTrue(line.codePoints().noneMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT || c == 0xFFFE
                || c == 0x2028), line);
        assertTrue(line.contains("\\u001b]0;pwned\\u0007") && line.contains("\\u202e") && line.contains("\\ufffe"), line);
        String q = Dot.quote("a\"b\\c" + osc + "\uD800z\uD83D\uDE00");
        assertTrue(q.codePoints().noneMatch(c -> Character.isISOControl(c) || c == 0xFFFE || c == 0x202E), q);
        assertTrue(q.startsWith("a\\\"b\\\\c") && q.contains("\uFFFDz") && q.endsWith("\uD83D\uDE00"), "quotes escaped, a lone surrogate replaced, a real emoji kept: " + q);
    }
}
