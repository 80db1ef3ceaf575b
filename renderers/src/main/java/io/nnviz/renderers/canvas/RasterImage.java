package io.nnviz.renderers.canvas;

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
    public java.awt.image.BufferedImage toBufferedImage() {
        if (indices != null) {
            java.awt.image.IndexColorModel cm = new java.awt.image.IndexColorModel(8, palette.length, palette, 0, true, -1,
                    java.awt.image.DataBuffer.TYPE_BYTE);
            java.awt.image.DataBufferByte buf = new java.awt.image.DataBufferByte(indices, indices.length);
            java.awt.image.WritableRaster r = java.awt.image.Raster.createInterleavedRaster(buf, width, height, width, 1,
                    new int[] {0}, null);
            return new java.awt.image.BufferedImage(cm, r, false, null);
        }
        java.awt.image.DirectColorModel cm = (java.awt.image.DirectColorModel) java.awt.image.ColorModel.getRGBdefault();
        java.awt.image.DataBufferInt buf = new java.awt.image.DataBufferInt(argb, argb.length);
        java.awt.image.WritableRaster r = java.awt.image.Raster.createPackedRaster(buf, width, height, width,
                cm.getMasks(), null);
        return new java.awt.image.BufferedImage(cm, r, false, null);
    }

    /** Encodes as PNG (fast deflate: pixel data from tensors compresses little at higher levels). */
    public byte[] toPng() {
        return Png.encode(toBufferedImage());
    }
}
