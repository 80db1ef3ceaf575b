package io.nnviz.renderers.canvas;

import java.io.ByteArrayOutputStream;
import java.util.zip.Adler32;
import java.util.zip.Deflater;

/**
 * The zlib stream of a PNG's image data, compressed by zlib's deflate ({@link Deflater}, raw) but for
 * long runs of rows equal to the row above: those rows, filtered Up, are a filter byte and zeros,
 * and are written here as deflate matches in a fixed-Huffman block of a few bytes instead of going
 * through the compressor. Figures are mostly such runs (a filter grid's cells, a diagram's boxes):
 * on a 2,000-node graph's inspect, compressing their zeros took 0.7 s of the command's 5 s of CPU.
 *
 * <p>Before such a block the compressor's output is flushed with {@link Deflater#FULL_FLUSH}: byte
 * aligned, and with its history forgotten, so that nothing it writes after refers back across the
 * block. The block ends with an empty stored block, which leaves the stream byte aligned again (as
 * zlib's own sync flush does). The Adler-32 of the whole is kept here (the compressor sees only
 * part of the data): each compressed part's from {@link Adler32}, combined, and a run's computed.
 */
final class PngDeflate {
    private static final int BASE = 65521;
    /** Deflate's length codes 257-285: the least length of each, and its extra bits. */
    private static final int[] LENGTH_BASE = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
        131, 163, 195, 227, 258};
    private static final int[] LENGTH_EXTRA = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    /** Deflate's distance codes 0-29: the least distance of each, and its extra bits. */
    private static final int[] DISTANCE_BASE = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
        2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    private static final int[] DISTANCE_EXTRA = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
        13, 13};
    private static final int MAX_MATCH = 258, MIN_MATCH = 3, WINDOW = 32768;

    private final Deflater deflater;
    private final ByteArrayOutputStream out;
    private final byte[] buf = new byte[1 << 16];
    private final Adler32 part = new Adler32();
    /** The Adler-32 of everything so far, as its two sums. */
    private long a = 1, b;
    /** Bits not yet written (deflate packs them from the least significant bit up), and how many. */
    private long bits;
    private int bitCount;

    /** A stream into {@code out} through {@code raw}, a deflater without zlib's header (nowrap), reset. */
    PngDeflate(Deflater raw, ByteArrayOutputStream out) {
        this.deflater = raw;
        this.out = out;
        out.write(0x78); // deflate, 32K window
        out.write(0x01); // no dictionary, the check bits that make the header a multiple of 31
    }

    /** Compresses {@code len} bytes of rows (their filter bytes included) from {@code data[off]}. */
    void rows(byte[] data, int off, int len) {
        if (len == 0) {
            return;
        }
        part.reset();
        part.update(data, off, len);
        long p = part.getValue(), pa = p & 0xFFFF, pb = p >>> 16, n = len % BASE;
        // Adler-32 of X then Y from each's: a = aX + aY - 1, b = bX + bY + |Y| (aX - 1)
        b = (b + pb + n * ((a + BASE - 1) % BASE)) % BASE;
        a = (a + pa + BASE - 1) % BASE;
        deflater.setInput(data, off, len);
        while (!deflater.needsInput()) {
            out.write(buf, 0, deflater.deflate(buf));
        }
    }

    /** Writes {@code rows} rows of {@code rowBytes} bytes each, a row filtered Up that equals the one above: 2, then zeros. */
    void upRows(int rows, int rowBytes) {
        for (int i = 0; i < rows; i++) {
            a = (a + 2) % BASE;
            b = (b + a) % BASE;
            b = (b + (long) (rowBytes - 1) % BASE * a) % BASE;
        }
        int n;
        do { // the compressor's pending output, byte aligned, its history dropped
            n = deflater.deflate(buf, 0, buf.length, Deflater.FULL_FLUSH);
            out.write(buf, 0, n);
        } while (n == buf.length);
        put(2, 3); // not the last block; fixed Huffman codes
        int first = rowBytes <= WINDOW ? 1 : rows; // rows written out; the others copy the row before (distance rowBytes)
        for (int i = 0; i < first; i++) {
            symbol(2); // the literals: filter Up, then the first zero
            symbol(0);
            copy(rowBytes - 2, 1);
        }
        copy((long) (rows - first) * rowBytes, rowBytes);
        symbol(256); // end of block
        put(0, 3); // an empty stored block (not the last): aligned, then its length 0 and the length's complement
        align();
        out.write(0);
        out.write(0);
        out.write(0xFF);
        out.write(0xFF);
    }

    /** Ends the stream: the compressor's last block, and the Adler-32. */
    void finish() {
        deflater.finish();
        while (!deflater.finished()) {
            out.write(buf, 0, deflater.deflate(buf));
        }
        long adler = b << 16 | a;
        out.write((int) (adler >>> 24) & 0xFF);
        out.write((int) (adler >>> 16) & 0xFF);
        out.write((int) (adler >>> 8) & 0xFF);
        out.write((int) adler & 0xFF);
    }

    /** {@code count} bytes copied from {@code distance} back: matches of at most 258, none under 3 (zeros as literals if fewer). */
    private void copy(long count, int distance) {
        if (count < MIN_MATCH) { // only zeros come this short: the rest of a first row of 3 or 4 bytes
            for (long i = 0; i < count; i++) {
                symbol(0);
            }
            return;
        }
        while (count > 0) {
            int len = count > MAX_MATCH ? (count - MAX_MATCH < MIN_MATCH ? (int) count - MIN_MATCH : MAX_MATCH) : (int) count;
            match(len, distance);
            count -= len;
        }
    }

    private void match(int len, int distance) {
        int lc = LENGTH_BASE.length - 1;
        while (LENGTH_BASE[lc] > len) {
            lc--;
        }
        symbol(257 + lc);
        put(len - LENGTH_BASE[lc], LENGTH_EXTRA[lc]);
        int dc = DISTANCE_BASE.length - 1;
        while (DISTANCE_BASE[dc] > distance) {
            dc--;
        }
        huffman(dc, 5); // fixed distance codes: 5 bits each
        put(distance - DISTANCE_BASE[dc], DISTANCE_EXTRA[dc]);
    }

    /** A literal (0-255), the end of a block (256) or a length code (257-285), in deflate's fixed Huffman code. */
    private void symbol(int s) {
        if (s < 144) {
            huffman(0x30 + s, 8);
        } else if (s < 256) {
            huffman(0x190 + s - 144, 9);
        } else if (s < 280) {
            huffman(s - 256, 7);
        } else {
            huffman(0xC0 + s - 280, 8);
        }
    }

    /** A Huffman code of {@code length} bits: deflate packs codes from their most significant bit. */
    private void huffman(int code, int length) {
        put(Integer.reverse(code) >>> (32 - length), length);
    }

    /** {@code count} bits of {@code value}, least significant first. */
    private void put(int value, int count) {
        bits |= (long) value << bitCount;
        bitCount += count;
        while (bitCount >= 8) {
            out.write((int) bits & 0xFF);
            bits >>>= 8;
            bitCount -= 8;
        }
    }

    private void align() {
        if (bitCount > 0) {
            out.write((int) bits & 0xFF);
        }
        bits = 0;
        bitCount = 0;
    }
}
