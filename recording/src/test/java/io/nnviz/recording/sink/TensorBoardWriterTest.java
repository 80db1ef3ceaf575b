package io.nnviz.recording.sink;

import io.nnviz.api.Histogram;
import io.nnviz.api.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.HistogramProto;
import org.tensorflow.proto.Summary;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Event files read back record by record: CRCs verify and TensorFlow's own Event protos parse with the values written. */
public class TensorBoardWriterTest {
    @TempDir
    Path dir;

    @Test
    void scalarsHistogramsAndImagesReadBackWithTensorFlowsProtos() throws Exception {
        float[] w = new float[1000];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i);
        }
        Histogram h = Histogram.of(Tensor.of(w, w.length), 20);
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
        Path file;
        try (TensorBoardWriter tb = TensorBoardWriter.create(dir.resolve("run"))) {
            file = Path.of(tb.location());
            for (int step = 1; step <= 3; step++) {
                tb.scalar("loss", step, 1.0 / step);
            }
            tb.histogram("fc1/kernel", 3, h);
            tb.image("filters", 3, png, 10, 20);
        }
        assertTrue(file.getFileName().toString().startsWith("events.out.tfevents."));
        List<Event> events = read(Files.readAllBytes(file));
        assertEquals(6, events.size());
        assertEquals("brain.Event:2", events.get(0).getFileVersion());
        for (int i = 1; i <= 3; i++) {
            Summary.Value v = events.get(i).getSummary().getValue(0);
            assertEquals(i, events.get(i).getStep());
            assertEquals("loss", v.getTag());
            assertEquals((float) (1.0 / i), v.getSimpleValue());
            assertTrue(events.get(i).getWallTime() > 1.7e9, "wall time in seconds");
        }
        HistogramProto hp = events.get(4).getSummary().getValue(0).getHisto();
        assertEquals(h.min(), hp.getMin());
        assertEquals(h.max(), hp.getMax());
        assertEquals(1000, hp.getNum());
        assertEquals(20, hp.getBucketCount());
        assertEquals(h.max(), hp.getBucketLimit(19));
        double[] counts = new double[20];
        for (int b = 0; b < 20; b++) {
            counts[b] = hp.getBucket(b);
        }
        assertArrayEquals(Arrays.stream(h.counts()).asDoubleStream().toArray(), counts);
        Summary.Image img = events.get(5).getSummary().getValue(0).getImage();
        assertEquals(10, img.getWidth());
        assertEquals(20, img.getHeight());
        assertArrayEquals(png, img.getEncodedImageString().toByteArray());
    }

    @Test
    void aClosedWriterSaysSoAndCrcsCatchCorruption() throws Exception {
        TensorBoardWriter tb = TensorBoardWriter.create(dir);
        tb.scalar("x", 1, 2);
        tb.close();
        tb.close();
        IOException e = assertThrows(IOException.class, () -> tb.scalar("x", 2, 3));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        byte[] bytes = Files.readAllBytes(Path.of(tb.location()));
        bytes[bytes.length - 6] ^= 0x40; // flip a bit in the last record's data
        assertThrows(AssertionError.class, () -> read(bytes));
    }

    @Test
    void theMaskedCrcIsTfRecordsOnTheStandardCheckValue() {
        // CRC-32C("123456789") = 0xE3069283 (the standard check value); TFRecord masks it as
        // rotate-right-15 + 0xA282EAD8 = 0xC78AB0E5
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xC78AB0E5, TensorBoardWriter.maskedCrc(check, check.length));
    }

    /** Reads TFRecords, checking both masked CRCs of each, and parses the Events. */
    /** The events of a TensorBoard event file, its framing checked (for tests of the sinks elsewhere). */
    public static List<Event> read(byte[] file) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<Event> out = new ArrayList<>();
        while (b.hasRemaining()) {
            byte[] len = new byte[8];
            b.get(len);
            int lenCrc = b.getInt();
            if (lenCrc != TensorBoardWriter.maskedCrc(len, 8)) {
                throw new AssertionError("length CRC of record " + out.size());
            }
            int n = (int) ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            byte[] data = new byte[n];
            b.get(data);
            if (b.getInt() != TensorBoardWriter.maskedCrc(data, n)) {
                throw new AssertionError("data CRC of record " + out.size());
            }
            out.add(Event.parseFrom(data));
        }
        return out;
    }
}
