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
 * equal to the one above: figures repeat rows a lot), which on figure and tensor data is about three
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
     * window and tables each time (3% of a 2,000-node graph's inspect for its 440 images).
     */
    private static final ThreadLocal<Deflater> DEFLATER = ThreadLocal.withInitial(() -> new Deflater(LEVEL));
    /** Zeros to copy for a row filtered Up: the child JVM's C1 code fills a byte array a byte at a time. */
    private static final byte[] ZEROS = new byte[BLOCK];

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
        byte[] zeros = rowBytes - 1 <= ZEROS.length ? ZEROS : new byte[rowBytes - 1];
        Deflater d = DEFLATER.get();
        ByteArrayOutputStream z = new ByteArrayOutputStream(Math.max(1 << 16, raw / 16));
        byte[] buf = new byte[1 << 16];
        try {
            for (int y0 = 0; y0 < h; y0 += blockRows) {
                int rows = Math.min(blockRows, h - y0), p = 0;
                for (int y = y0; y < y0 + rows; y++) {
                    int row = y * w;
                    if (y > 0 && Arrays.mismatch(px, row, row + w, px, row - w, row) < 0) {
                        // a row the same as the one above (a box's inside, a filter's cell, a margin): filter Up, all zeros,
                        // which costs no conversion and next to nothing to compress
                        block[p++] = 2;
                        System.arraycopy(zeros, 0, block, p, w * bpp);
                        p += w * bpp;
                        continue;
                    }
                    block[p++] = 0; // filter: none
                    if (alpha) {
                        for (int x = 0; x < w; x++) {
                            int c = px[row + x];
                            block[p++] = (byte) (c >> 16);
                            block[p++] = (byte) (c >> 8);
                            block[p++] = (byte) c;
                            block[p++] = (byte) (c >>> 24);
                        }
                    } else {
                        for (int x = 0; x < w; x++) {
                            int c = px[row + x];
                            block[p++] = (byte) (c >> 16);
                            block[p++] = (byte) (c >> 8);
                            block[p++] = (byte) c;
                        }
                    }
                }
                d.setInput(block, 0, p);
                boolean last = y0 + rows >= h;
                if (last) {
                    d.finish();
                }
                while (last ? !d.finished() : !d.needsInput()) {
                    z.write(buf, 0, d.deflate(buf));
                }
            }
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
        idat(out, raw);
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

    private static void idat(ByteArrayOutputStream out, byte[] raw) {
        Deflater d = DEFLATER.get();
        try {
            d.setInput(raw);
            d.finish();
            byte[] buf = new byte[Math.max(1 << 16, raw.length / 4)];
            while (!d.finished()) {
                int n = d.deflate(buf);
                if (n > 0) {
                    chunk(out, "IDAT", buf, n);
                }
            }
        } finally {
            d.reset();
        }
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
