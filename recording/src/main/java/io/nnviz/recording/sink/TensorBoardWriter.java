package io.nnviz.recording.sink;

import io.nnviz.api.Histogram;
import io.nnviz.recording.storage.LocalRunStore;
import io.nnviz.recording.storage.RunStore;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Writes TensorBoard event files in pure Java: scalars, histograms and PNG images, so a run
 * recorded by nnviz opens in TensorBoard ({@code tensorboard --logdir DIR}).
 *
 * <p>The file is a TFRecord stream (length, masked CRC-32C of the length, data, masked CRC-32C of
 * the data) of {@code tensorflow.Event} protocol buffers, encoded here field by field: the few
 * messages TensorBoard reads need no protobuf library.
 *
 * <pre>{@code
 * try (TensorBoardWriter tb = TensorBoardWriter.create(Path.of("runs/lenet"))) {
 *     tb.scalar("loss", step, loss);
 *     tb.histogram("fc1/kernel", step, Histogram.of(weights, 30));
 *     tb.image("filters/conv1", step, pngBytes, width, height);
 * }
 * }</pre>
 */
public final class TensorBoardWriter implements AutoCloseable {
    private final String file;
    private final OutputStream out;
    private boolean closed;

    private TensorBoardWriter(String file, OutputStream raw) throws IOException {
        this.file = file;
        this.out = new BufferedOutputStream(raw, 1 << 16);
        event(0, w -> w.string(3, "brain.Event:2")); // file_version
        out.flush();
    }

    /** Creates {@code dir} if needed and a new event file in it, named as TensorBoard expects. */
    public static TensorBoardWriter create(Path dir) throws IOException {
        Files.createDirectories(dir);
        return create(new LocalRunStore(dir), "");
    }

    /** A new event file in {@code dir} of {@code store} ({@code ""}: its root), named as TensorBoard expects. */
    public static TensorBoardWriter create(RunStore store, String dir) throws IOException {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        String name = "events.out.tfevents." + System.currentTimeMillis() / 1000 + "." + host.replaceAll("[^A-Za-z0-9._-]", "_")
                + "." + ProcessHandle.current().pid() + ".nnviz";
        for (int i = 0; ; i++) { // a second writer in the same folder and second gets a file of its own, never truncates one
            try {
                String path = (dir.isEmpty() ? "" : dir + "/") + (i == 0 ? name : name + "." + i);
                return new TensorBoardWriter(store.location().replaceAll("/+$", "") + "/" + path, store.create(path));
            } catch (FileAlreadyExistsException e) {
                if (i == 1000) {
                    throw e;
                }
            }
        }
    }

    /** The event file being written: the store's location and the file's path in it. */
    public String location() {
        return file;
    }

    /** A scalar (loss, accuracy, learning rate) at a step. */
    public synchronized void scalar(String tag, long step, double value) throws IOException {
        Objects.requireNonNull(tag, "tag");
        event(step, e -> e.message(5, summary -> summary.message(1, v -> {
            v.string(1, tag);
            v.fixed32(2, Float.floatToIntBits((float) value));
        })));
    }

    /** A histogram at a step, in TensorBoard's bucket form (right edges and counts). */
    public synchronized void histogram(String tag, long step, Histogram h) throws IOException {
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(h, "histogram");
        int bins = h.bins();
        double[] limits = new double[bins], counts = new double[bins];
        double num = 0, sum = 0, sumSq = 0;
        for (int b = 0; b < bins; b++) {
            double lo = h.min() + b * h.binWidth(), hi = b == bins - 1 ? h.max() : lo + h.binWidth();
            limits[b] = hi;
            counts[b] = h.count(b);
            double centre = (lo + hi) / 2;
            num += counts[b];
            sum += counts[b] * centre;
            sumSq += counts[b] * centre * centre;
        }
        double total = num, s = sum, sq = sumSq;
        event(step, e -> e.message(5, summary -> summary.message(1, v -> {
            v.string(1, tag);
            v.message(5, histo -> {
                histo.fixed64(1, Double.doubleToLongBits(h.min()));
                histo.fixed64(2, Double.doubleToLongBits(h.max()));
                histo.fixed64(3, Double.doubleToLongBits(total));
                histo.fixed64(4, Double.doubleToLongBits(s));
                histo.fixed64(5, Double.doubleToLongBits(sq));
                histo.packedDoubles(6, limits);
                histo.packedDoubles(7, counts);
            });
        })));
    }

    /** A PNG image at a step (for example a figure from {@code Figures.toPng}). */
    public synchronized void image(String tag, long step, byte[] png, int width, int height) throws IOException {
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(png, "png");
        event(step, e -> e.message(5, summary -> summary.message(1, v -> {
            v.string(1, tag);
            v.message(4, img -> {
                img.varint(1, height);
                img.varint(2, width);
                img.varint(3, 4); // RGBA
                img.bytes(4, png);
            });
        })));
    }

    /** Pushes what was written to the file, so TensorBoard sees it now. */
    public synchronized void flush() throws IOException {
        out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            out.close();
        }
    }

    private interface Body {
        void write(Proto p) throws IOException;
    }

    private void event(long step, Body body) throws IOException {
        if (closed) {
            throw new IOException("the TensorBoard writer for " + file + " is closed");
        }
        Proto e = new Proto();
        e.fixed64(1, Double.doubleToLongBits(System.currentTimeMillis() / 1000.0)); // wall_time
        e.varint(2, step);
        body.write(e);
        record(e.toByteArray());
    }

    /** One TFRecord: length, masked CRC of the length, data, masked CRC of the data (all little-endian). */
    private void record(byte[] data) throws IOException {
        byte[] len = new byte[8];
        long n = data.length;
        for (int i = 0; i < 8; i++) {
            len[i] = (byte) (n >>> (8 * i));
        }
        out.write(len);
        writeInt(maskedCrc(len, len.length));
        out.write(data);
        writeInt(maskedCrc(data, data.length));
    }

    private void writeInt(int v) throws IOException {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    /** TFRecord's masked CRC-32C: rotate right by 15 bits and add a constant. */
    static int maskedCrc(byte[] data, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, 0, length);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + 0xa282ead8;
    }

    /** Just enough protocol-buffer encoding for TensorBoard's messages. */
    private static final class Proto {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        private void tag(int field, int wire) {
            rawVarint(((long) field << 3) | wire);
        }

        private void rawVarint(long v) {
            while ((v & ~0x7FL) != 0) {
                buf.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            buf.write((int) v);
        }

        void varint(int field, long v) {
            tag(field, 0);
            rawVarint(v);
        }

        void fixed64(int field, long v) {
            tag(field, 1);
            rawFixed64(v);
        }

        private void rawFixed64(long v) {
            for (int i = 0; i < 8; i++) {
                buf.write((int) (v >>> (8 * i)));
            }
        }

        void fixed32(int field, int v) {
            tag(field, 5);
            for (int i = 0; i < 4; i++) {
                buf.write(v >>> (8 * i));
            }
        }

        void bytes(int field, byte[] b) {
            tag(field, 2);
            rawVarint(b.length);
            buf.writeBytes(b);
        }

        void string(int field, String s) {
            bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        void packedDoubles(int field, double[] values) {
            tag(field, 2);
            rawVarint(values.length * 8L);
            for (double d : values) {
                rawFixed64(Double.doubleToLongBits(d));
            }
        }

        void message(int field, Body body) throws IOException {
            Proto inner = new Proto();
            body.write(inner);
            bytes(field, inner.toByteArray());
        }

        byte[] toByteArray() {
            return buf.toByteArray();
        }
    }
}
