package io.nnviz.recording.format;

import com.sun.management.ThreadMXBean;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.analysis.Curve;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.recording.sink.EventLogSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Event-log lines are read with a bound: a line longer than it is skipped as it streams (never
 * held as a String) and counted as bad, and the records around it are read as usual.
 */
class BoundedLinesTest {
    @TempDir
    Path dir;

    private static List<String> all(BoundedLines lines) throws IOException {
        List<String> out = new ArrayList<>();
        for (String l = lines.next(); l != null; l = lines.next()) {
            out.add(l);
        }
        return out;
    }

    private static BoundedLines of(String text, int max) {
        return new BoundedLines(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), max);
    }

    @Test
    void linesUpToTheBoundAreReadAndLongerOnesSkippedAndCounted() throws Exception {
        String ten = "0123456789";
        BoundedLines lines = of("a\n" + ten + "\n" + ten + "x\n\n" + ten + "\r\n" + ten + "xy\r\n" + "é€\n" + "last", 10);
        assertEquals(List.of("a", ten, "", ten, "é€", "last"), all(lines));
        assertEquals(2, lines.skipped(), "the 11- and 12-byte lines");
        assertNull(lines.next(), "the end stays the end");

        BoundedLines tail = of("ok\n" + "x".repeat(11), 10); // a long last line without its '\n'
        assertEquals(List.of("ok"), all(tail));
        assertEquals(1, tail.skipped());
        assertEquals(List.of(), all(of("", 10)));
        BoundedLines longOnly = of("y".repeat(100) + "\n" + "z".repeat(100) + "\n", 10); // consecutive long lines
        assertEquals(List.of(), all(longOnly));
        assertEquals(2, longOnly.skipped());
    }

    /** Random lines around the bound, across the reader's 64 KiB buffer: the same lines as a plain split, minus the long ones. */
    @Test
    void itAgreesWithAPlainSplitAndNeverReturnsALineOverTheBound() throws Exception {
        Random random = new Random(27);
        for (int max : new int[] {1, 100, 70_000}) {
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            List<String> expected = new ArrayList<>();
            int skipped = 0;
            while (text.size() < 3_000_000) {
                int len = random.nextInt(4) == 0 ? max + random.nextInt(3) - 1 : random.nextInt(3 * max + 2);
                char[] c = new char[Math.max(0, len)];
                Arrays.fill(c, (char) ('a' + random.nextInt(26)));
                String line = new String(c);
                text.writeBytes(line.getBytes(StandardCharsets.UTF_8));
                text.write('\n');
                if (line.length() <= max) {
                    expected.add(line);
                } else {
                    skipped++;
                }
            }
            // a stream that hands out odd-sized pieces, as a socket or HDFS may
            InputStream chunky = new ByteArrayInputStream(text.toByteArray()) {
                @Override
                public synchronized int read(byte[] b, int off, int n) {
                    return super.read(b, off, Math.min(n, 1 + random.nextInt(9000)));
                }
            };
            BoundedLines lines = new BoundedLines(chunky, max);
            List<String> got = all(lines);
            assertTrue(got.stream().allMatch(l -> l.length() <= max), "no line over " + max);
            assertEquals(expected, got, "max " + max);
            assertEquals(skipped, lines.skipped(), "max " + max);
        }
    }

    @Test
    void aFiftyMegabyteLineInAnEventLogIsSkippedAndTheRecordsAroundItRead() throws Exception {
        Path file = dir.resolve("events.jsonl");
        MutableRunLog log = MutableRunLog.create(RunInfo.named("long-line"), 100);
        EventLogSink before = new EventLogSink(file, log);
        before.scalar("loss", 1, 0.5);
        before.close(log);
        long bigLine = 50L << 20;
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.APPEND)) {
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte) '7');
            out.write("{\"s\":\"loss\",\"step\":2,\"v\":0.".getBytes(StandardCharsets.US_ASCII)); // looks like a record, but 50 MB long
            for (long n = 0; n < bigLine; n += chunk.length) {
                out.write(chunk);
            }
            out.write("}\n".getBytes(StandardCharsets.US_ASCII));
        }
        EventLogSink after = new EventLogSink(file, log); // appends to the log as a resumed run would
        after.scalar("loss", 3, 0.25);
        after.close(log);
        assertTrue(Files.size(file) > bigLine);

        var threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId(), allocated = threads.getThreadAllocatedBytes(id);
        RunEvents.Read read = RunEvents.read(file, 100);
        allocated = threads.getThreadAllocatedBytes(id) - allocated;

        Curve loss = read.log().stepSeries("loss");
        assertEquals(2, loss.size(), "both records around the long line");
        assertArrayEquals(new double[] {1, 0.5, 3, 0.25}, new double[] {loss.x(0), loss.y(0), loss.x(1), loss.y(1)});
        assertEquals(1, read.badLines(), "the long line is a bad line");
        assertFalse(read.tornLast());
        // a String of the line alone would be 50 MB (BufferedReader's buffers about twice more); the bound is 1 MiB a line
        assertTrue(allocated < 16L << 20, "reading allocated " + (allocated >> 20) + " MiB");
    }

    @Test
    void aLogWhoseFirstLineIsOverTheBoundIsNotALog() throws Exception {
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, "{\"run\":{\"name\":\"" + "n".repeat(RunEvents.MAX_LINE_BYTES) + "\"}}\n"
                + "{\"run\":{\"name\":\"second\"}}\n");
        var e = assertThrows(IOException.class, () -> RunEvents.read(file, 100));
        assertTrue(e.getMessage().contains("not an nnviz event log") && e.getMessage().contains("first line"), e.getMessage());
        assertTrue(e.getMessage().length() < 300, "the message does not carry the line");
    }
}
