package io.nnviz.backend.djl.torchscript;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Zip archives written byte by byte, stored as PyTorch stores its entries, so that a test can make
 * what {@code ZipOutputStream} refuses to: a name twice, a local header naming another entry, a
 * second directory in the archive's comment.
 */
final class StoredZip {
    /** An entry: its name in the central directory, the one its local header gives, its bytes. */
    record Item(String name, String localName, byte[] data) {
        Item(String name, byte[] data) {
            this(name, name, data);
        }
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private StoredZip() {
    }

    /** The entries of the test fixture {@code small_cnn.pt}, PyTorch's own, in its order. */
    static List<Item> smallCnn() throws Exception {
        Path tmp = Files.createTempFile("small_cnn", ".pt");
        try (InputStream in = StoredZip.class.getResourceAsStream("/torchscript/small_cnn.pt")) {
            Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            List<Item> items = new ArrayList<>();
            try (ZipFile z = new ZipFile(tmp.toFile())) {
                for (ZipEntry e : Collections.list(z.entries())) {
                    items.add(new Item(e.getName(), z.getInputStream(e).readAllBytes()));
                }
            }
            return items;
        } finally {
            Files.delete(tmp);
        }
    }

    static byte[] entry(List<Item> items, String name) {
        return items.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow().data();
    }

    /** {@code items} with {@code name}'s bytes replaced. */
    static List<Item> replaced(List<Item> items, String name, byte[] data) {
        List<Item> out = new ArrayList<>();
        for (Item i : items) {
            out.add(i.name().equals(name) ? new Item(name, data) : i);
        }
        return out;
    }

    /** A plain archive of {@code items}. */
    static Path write(Path file, List<Item> items) throws Exception {
        StoredZip z = new StoredZip();
        long[] offsets = z.locals(items);
        byte[] dir = z.directory(items, offsets);
        long at = z.out.size();
        z.out.writeBytes(dir);
        z.out.writeBytes(z.end(items.size(), dir.length, at, 0));
        return Files.write(file, z.out.toByteArray());
    }

    /**
     * One archive holding two: the local entries of both, then {@code minizSees}'s directory,
     * {@code javaSees}'s directory and end record, whose comment holds an end record pointing at
     * {@code minizSees}'s directory and one byte more. Java's reader takes an end record only when
     * its comment reaches the end of the file or its directory lies right before it, and reads that
     * directory; miniz takes the last end record it finds and the directory it points at.
     */
    static Path writeTwoDirectories(Path file, List<Item> javaSees, List<Item> minizSees) throws Exception {
        StoredZip z = new StoredZip();
        long[] a = z.locals(javaSees), b = z.locals(minizSees);
        byte[] dirA = z.directory(javaSees, a), dirB = z.directory(minizSees, b);
        long atB = z.out.size(), atA = atB + dirB.length;
        z.out.writeBytes(dirB);
        z.out.writeBytes(dirA);
        z.out.writeBytes(z.end(javaSees.size(), dirA.length, atA, 22 + 1));
        z.out.writeBytes(z.end(minizSees.size(), dirB.length, atB, 0));
        z.out.write(0);
        return Files.write(file, z.out.toByteArray());
    }

    private long[] locals(List<Item> items) {
        long[] at = new long[items.size()];
        for (int k = 0; k < items.size(); k++) {
            Item i = items.get(k);
            at[k] = out.size();
            byte[] n = i.localName().getBytes(StandardCharsets.UTF_8);
            ByteBuffer h = le(30 + n.length).putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 0)
                    .putInt(0).putInt((int) crc(i.data())).putInt(i.data().length).putInt(i.data().length).putShort((short) n.length)
                    .putShort((short) 0).put(n);
            out.writeBytes(h.array());
            out.writeBytes(i.data());
        }
        return at;
    }

    private byte[] directory(List<Item> items, long[] offsets) {
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        for (int k = 0; k < items.size(); k++) {
            Item i = items.get(k);
            byte[] n = i.name().getBytes(StandardCharsets.UTF_8);
            d.writeBytes(le(46 + n.length).putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0)
                    .putShort((short) 0).putInt(0).putInt((int) crc(i.data())).putInt(i.data().length).putInt(i.data().length)
                    .putShort((short) n.length).putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                    .putInt(0).putInt((int) offsets[k]).put(n).array());
        }
        return d.toByteArray();
    }

    private byte[] end(int count, int dirSize, long dirOffset, int comment) {
        return le(22).putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) count).putShort((short) count)
                .putInt(dirSize).putInt((int) dirOffset).putShort((short) comment).array();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }
}
