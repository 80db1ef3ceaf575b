package io.nnviz.renderers.canvas;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.util.Objects;

/**
 * Pixels for {@link Canvas#image}: either palette-indexed (one byte per pixel, what colormapped
 * tensors become, about a third the size of RGB as PNG) or ARGB (overlays with transparency).
 * Arrays are owned by the image once passed in.
 */
public final class RasterImage {
    private final int width, height;
    private final byte[] indices;
    private final int[] palette;
    private final int[] argb;

    private RasterImage(int width, int height, byte[] indices, int[] palette, int[] argb) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        this.indices = indices;
        this.palette = palette;
        this.argb = argb;
    }

    /** A palette image: pixel {@code i} has colour {@code palette[indices[i] & 0xFF]}. */
    public static RasterImage indexed(int width, int height, byte[] indices, int[] palette) {
        Objects.requireNonNull(indices, "indices");
        Objects.requireNonNull(palette, "palette");
        if (indices.length != width * height) {
            throw new IllegalArgumentException(width + "x" + height + " image needs " + width * height
                    + " indices, got " + indices.length);
        }
        if (palette.length == 0 || palette.length > 256) {
            throw new IllegalArgumentException("palette needs 1..256 colours, got " + palette.length);
        }
        return new RasterImage(width, height, indices, palette, null);
    }

    /** An ARGB image, row-major. */
    public static RasterImage argb(int width, int height, int[] pixels) {
        Objects.requireNonNull(pixels, "pixels");
        if (pixels.length != width * height) {
            throw new IllegalArgumentException(width + "x" + height + " image needs " + width * height
                    + " pixels, got " + pixels.length);
        }
        return new RasterImage(width, height, null, null, pixels);
    }

    /** Width in pixels. */
    public int width() {
        return width;
    }

    /** Height in pixels. */
    public int height() {
        return height;
    }

    /** True for a palette image. */
    public boolean isIndexed() {
        return indices != null;
    }

    /** The ARGB colour of pixel (x, y). */
    public int pixel(int x, int y) {
        int i = y * width + x;
        return indices != null ? palette[indices[i] & 0xFF] : argb[i];
    }

    /** A {@link java.awt.image.BufferedImage} sharing this image's pixels (no copy). */
    public BufferedImage toBufferedImage() {
        if (indices != null) {
            IndexColorModel cm = new IndexColorModel(8, palette.length, palette, 0, true, -1,
                    DataBuffer.TYPE_BYTE);
            DataBufferByte buf = new DataBufferByte(indices, indices.length);
            WritableRaster r = Raster.createInterleavedRaster(buf, width, height, width, 1,
                    new int[] {0}, null);
            return new BufferedImage(cm, r, false, null);
        }
        DirectColorModel cm = (DirectColorModel) ColorModel.getRGBdefault();
        DataBufferInt buf = new DataBufferInt(argb, argb.length);
        WritableRaster r = Raster.createPackedRaster(buf, width, height, width,
                cm.getMasks(), null);
        return new BufferedImage(cm, r, false, null);
    }

    /** Encodes as PNG (fast deflate: pixel data from tensors compresses little at higher levels). */
    public byte[] toPng() {
        return Png.encode(toBufferedImage());
    }
}
