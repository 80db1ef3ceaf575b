package io.nnviz.recording.format;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The lines of a stream, each at most {@code max} bytes: a longer line is skipped as it streams,
 * never held, and counted ({@link #skipped()}). {@code BufferedReader.readLine} holds a line however
 * long it is, so one 200 MB line in an event log cost about 1 GB to read. Lines end at {@code \n}
 * (a {@code \r} before it is dropped); bytes that are not UTF-8 read as U+FFFD, as an
 * {@code InputStreamReader}'s do.
 */
final class BoundedLines implements Closeable {
    private final InputStream in;
    private final int max;
    private final byte[] buf = new byte[1 << 16];
    private int pos, lim;
    private byte[] line = new byte[256]; // a line that spans reads of buf, grown up to max
    private int len;
    private long skipped;

    BoundedLines(InputStream in, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be positive, got " + max);
        }
        this.in = in;
        this.max = max;
    }

    /** The next line no longer than the bound, without its end; null at the end of the stream. */
    String next() throws IOException {
        while (true) {
            len = 0;
            boolean tooLong = false, any = false, ended = false;
            while (!ended) {
                if (pos == lim) {
                    lim = Math.max(0, in.read(buf, 0, buf.length));
                    pos = 0;
                    if (lim == 0) { // the end of the stream: a last line without its '\n', or none
                        String last = any && !tooLong ? text(line, 0, len) : null;
                        if (any && last == null) {
                            skipped++;
                        }
                        return last;
                    }
                }
                any = true;
                int start = pos;
                while (pos < lim && buf[pos] != '\n') {
                    pos++;
                }
                int n = pos - start;
                ended = pos < lim;
                if (ended) {
                    pos++;
                }
                if (tooLong) {
                    continue; // the rest of a skipped line: read past, never kept
                }
                if (ended && len == 0 && n <= max + 1) { // the whole line in buf, as most are: no copy
                    String s = text(buf, start, n);
                    if (s != null) {
                        return s;
                    }
                    tooLong = true;
                } else if (len + n > max + 1) { // + 1: a '\r' before the '\n' is the line's end, not part of it
                    tooLong = true;
                } else {
                    if (len + n > line.length) {
                        line = Arrays.copyOf(line, Math.min(max + 1, Math.max(len + n, line.length * 2)));
                    }
                    System.arraycopy(buf, start, line, len, n);
                    len += n;
                }
            }
            String s = tooLong ? null : text(line, 0, len);
            if (s != null) {
                return s;
            }
            skipped++;
        }
    }

    /** The line in {@code b}, a {@code \r} end dropped; null if it is longer than the bound. */
    private String text(byte[] b, int from, int n) {
        if (n > 0 && b[from + n - 1] == '\r') {
            n--;
        }
        return n > max ? null : new String(b, from, n, StandardCharsets.UTF_8);
    }

    /** Lines skipped for being longer than the bound, so far. */
    long skipped() {
        return skipped;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
