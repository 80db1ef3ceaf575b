package io.nnviz.renderers.canvas;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * PNG encoding. Images this package makes (packed ARGB, 8-bit palette) are written directly with
 * {@link Deflater} at a fast level and no row filter (except filter Up, all zeros, for a packed row
 * equal to the one above: figures repeat rows a lot, and long runs of them are written as deflate
 * matches without the compressor, {@link PngDeflate}), which on figure and tensor data is about three
 * times faster than the JDK's ImageIO writer (which tries adaptive filters on every row) for a size
 * within 20%. Opaque ARGB images are written as RGB. Other image types go through ImageIO.
 */
public final class Png {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final int LEVEL = 2;
    /** Raw bytes converted and compressed at a time. */
    private static final int BLOCK = 1 << 18;
    /**
     * One compressor per drawing thread, reset between images: a new {@link Deflater} allocates zlib's
     * window and tables each time (3% of a 2,000-node graph's inspect for its 440 images). Raw deflate:
     * {@link PngDeflate} writes zlib's header and check around it.
     */
    private static final ThreadLocal<Deflater> RAW_DEFLATER = ThreadLocal.withInitial(() -> new Deflater(LEVEL, true));
    /**
     * Runs of repeated rows from this many bytes on are written as deflate matches ({@link PngDeflate}), shorter ones
     * compressed: each such run costs the compressor its history, and so some size (the 2,000-node graph's 439 PNGs: from
     * 1 KB on, 20% larger and 0.4 s less CPU; from 16 KB on, 7% larger, 61% of the runs' bytes still as matches).
     */
    private static final int MIN_RUN_BYTES = 16 * 1024;

    private Png() {
    }

    /** Encodes an image as PNG with a fast compression level. */
    public static byte[] encode(BufferedImage image) {
        int type = image.getType();
        if ((type == BufferedImage.TYPE_INT_ARGB || type == BufferedImage.TYPE_INT_RGB)
                && image.getRaster().getDataBuffer() instanceof DataBufferInt buf
                && image.getRaster().getParent() == null && buf.getNumBanks() == 1) {
            return encodeInts(image.getWidth(), image.getHeight(), buf.getData(), type == BufferedImage.TYPE_INT_ARGB);
        }
        if (type == BufferedImage.TYPE_BYTE_INDEXED && image.getColorModel() instanceof IndexColorModel cm
                && cm.getPixelSize() == 8 && image.getRaster().getDataBuffer() instanceof DataBufferByte buf
                && image.getRaster().getParent() == null && buf.getData().length == image.getWidth() * image.getHeight()) {
            return encodeIndexed(image.getWidth(), image.getHeight(), buf.getData(), cm);
        }
        return encodeImageIo(image);
    }

    private static byte[] encodeInts(int w, int h, int[] px, boolean hasAlpha) {
        boolean alpha = false;
        if (hasAlpha) {
            for (int i = 0, n = w * h; i < n; i++) {
                if (px[i] >>> 24 != 0xFF) {
                    alpha = true;
                    break;
                }
            }
        }
        int bpp = alpha ? 4 : 3;
        int rowBytes = w * bpp + 1, raw = rowBytes * h;
        // rows are converted and compressed a block at a time: a 16-megapixel figure never needs its 48 MB of raw rows at once
        int blockRows = Math.max(1, Math.min(h, BLOCK / rowBytes));
        byte[] block = new byte[blockRows * rowBytes];
        Deflater d = RAW_DEFLATER.get();
        ByteArrayOutputStream z = new ByteArrayOutputStream(Math.max(1 << 16, raw / 16));
        PngDeflate zlib = new PngDeflate(d, z);
        try {
            int p = 0, run = 0;
            for (int y = 0; y <= h; y++) {
                int row = y * w;
                if (y > 0 && y < h && Arrays.mismatch(px, row, row + w, px, row - w, row) < 0) {
                    run++; // a row the same as the one above (a box's inside, a filter's cell, a margin): filter Up, all zeros
                    continue;
                }
                if (run > 0) {
                    if ((long) run * rowBytes >= MIN_RUN_BYTES) { // written as matches, not compressed
                        zlib.rows(block, 0, p);
                        p = 0;
                        zlib.upRows(run, rowBytes);
                    } else {
                        for (int i = 0; i < run; i++) {
                            if (p + rowBytes > block.length) {
                                zlib.rows(block, 0, p);
                                p = 0;
                            }
                            block[p] = 2;
                            Arrays.fill(block, p + 1, p + rowBytes, (byte) 0);
                            p += rowBytes;
                        }
                    }
                    run = 0;
                }
                if (y == h) {
                    break;
                }
                if (p + rowBytes > block.length) {
                    zlib.rows(block, 0, p);
                    p = 0;
                }
                block[p++] = 0; // filter: none
                // fixed offsets from p, one increment a pixel: C1, which compiles the CLI's child, keeps fewer of them
                if (alpha) {
                    for (int x = row, end = row + w; x < end; x++, p += 4) {
                        int c = px[x];
                        block[p] = (byte) (c >> 16);
                        block[p + 1] = (byte) (c >> 8);
                        block[p + 2] = (byte) c;
                        block[p + 3] = (byte) (c >>> 24);
                    }
                } else {
                    for (int x = row, end = row + w; x < end; x++, p += 3) {
                        int c = px[x];
                        block[p] = (byte) (c >> 16);
                        block[p + 1] = (byte) (c >> 8);
                        block[p + 2] = (byte) c;
                    }
                }
            }
            zlib.rows(block, 0, p);
            zlib.finish();
        } finally {
            d.reset();
        }
        ByteArrayOutputStream out = start(w, h, alpha ? 6 : 2, z.size() + 1024);
        idat(out, z.toByteArray(), Math.max(1 << 16, raw / 4));
        return end(out);
    }

    private static byte[] encodeIndexed(int w, int h, byte[] idx, IndexColorModel cm) {
        int n = cm.getMapSize();
        byte[] plte = new byte[n * 3];
        byte[] trns = new byte[n];
        boolean anyAlpha = false;
        for (int i = 0; i < n; i++) {
            int c = cm.getRGB(i);
            plte[3 * i] = (byte) (c >> 16);
            plte[3 * i + 1] = (byte) (c >> 8);
            plte[3 * i + 2] = (byte) c;
            trns[i] = (byte) (c >>> 24);
            anyAlpha |= c >>> 24 != 0xFF;
        }
        byte[] raw = new byte[(w + 1) * h];
        for (int y = 0; y < h; y++) {
            System.arraycopy(idx, y * w, raw, y * (w + 1) + 1, w);
        }
        ByteArrayOutputStream out = start(w, h, 3, raw.length / 3);
        chunk(out, "PLTE", plte, plte.length);
        if (anyAlpha) {
            chunk(out, "tRNS", trns, trns.length);
        }
        Deflater d = RAW_DEFLATER.get();
        ByteArrayOutputStream z = new ByteArrayOutputStream(Math.max(1 << 12, raw.length / 8));
        try {
            PngDeflate zlib = new PngDeflate(d, z);
            zlib.rows(raw, 0, raw.length);
            zlib.finish();
        } finally {
            d.reset();
        }
        idat(out, z.toByteArray(), Math.max(1 << 16, raw.length / 4));
        return end(out);
    }

    private static ByteArrayOutputStream start(int w, int h, int colourType, int sizeHint) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint + 256);
        out.writeBytes(SIGNATURE);
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, w);
        putInt(ihdr, 4, h);
        ihdr[8] = 8; // bit depth
        ihdr[9] = (byte) colourType;
        // compression, filter method, interlace: all 0
        chunk(out, "IHDR", ihdr, ihdr.length);
        return out;
    }

    /** Compressed image data as IDAT chunks of {@code size} bytes (the last one shorter). */
    private static void idat(ByteArrayOutputStream out, byte[] compressed, int size) {
        for (int at = 0; at < compressed.length; at += size) {
            int n = Math.min(size, compressed.length - at);
            chunk(out, "IDAT", compressed, at, n);
        }
    }

    private static byte[] end(ByteArrayOutputStream out) {
        chunk(out, "IEND", new byte[0], 0);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data, int len) {
        chunk(out, type, data, 0, len);
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data, int off, int len) {
        byte[] head = new byte[8];
        putInt(head, 0, len);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, head, 4, 4);
        out.write(head, 0, 8);
        out.write(data, off, len);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data, off, len);
        byte[] c = new byte[4];
        putInt(c, 0, (int) crc.getValue());
        out.write(c, 0, 4);
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    private static byte[] encodeImageIo(BufferedImage image) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(image.getWidth() * image.getHeight() / 2 + 1024);
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(0.75f);
            writer.write(null, new IIOImage(image, null, null), p);
        } catch (IOException e) {
            throw new UncheckedIOException("PNG encoding failed", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
