package io.nnviz.renderers.canvas;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Png's own encoder read back by the JDK's PNG reader, pixel for pixel: packed RGB and ARGB images
 * whose rows repeat in runs (written with filter Up) among rows that do not, tall enough that the
 * rows are compressed in several blocks, and images of one row or one column.
 */
class PngTest {
    private static BufferedImage image(int w, int h, int type, long seed) {
        BufferedImage im = new BufferedImage(w, h, type);
        Random r = new Random(seed);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            if (y == 0 || r.nextInt(3) != 0) { // two rows in three new, the rest repeat the one above
                for (int x = 0; x < w; x++) {
                    int a = type == BufferedImage.TYPE_INT_ARGB && r.nextInt(4) == 0 ? r.nextInt(256) : 0xFF;
                    row[x] = r.nextInt(5) == 0 ? 0xFFFFFFFF : a << 24 | r.nextInt(1 << 24);
                }
            }
            im.setRGB(0, y, w, 1, row, 0, w);
        }
        return im;
    }

    private static void roundTrip(BufferedImage im) throws IOException {
        byte[] png = Png.encode(im);
        inflatesWhole(png, im);
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(im.getWidth(), back.getWidth());
        assertEquals(im.getHeight(), back.getHeight());
        for (int y = 0; y < im.getHeight(); y++) {
            for (int x = 0; x < im.getWidth(); x++) {
                assertEquals(im.getRGB(x, y), back.getRGB(x, y), "pixel " + x + "," + y + " of " + im.getWidth() + "x" + im.getHeight());
            }
        }
    }

    /**
     * The image data inflated to its end, as a strict decoder does: the zlib stream's Adler-32 checked (Inflater throws on a
     * wrong one; the JDK's PNG reader stops when it has its pixels), its length that of the filtered rows, nothing after it.
     */
    private static void inflatesWhole(byte[] png, BufferedImage im) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(png, 8, png.length - 8);
        java.io.ByteArrayOutputStream idat = new java.io.ByteArrayOutputStream();
        int colourType = -1;
        while (in.hasRemaining()) {
            int len = in.getInt();
            String type = new String(png, in.position(), 4, StandardCharsets.US_ASCII);
            in.position(in.position() + 4);
            if (type.equals("IHDR")) {
                colourType = png[in.position() + 9];
            } else if (type.equals("IDAT")) {
                idat.write(png, in.position(), len);
            }
            in.position(in.position() + len + 4);
        }
        int bpp = colourType == 6 ? 4 : colourType == 3 ? 1 : 3; // RGBA, palette indices, RGB
        Inflater inflater = new Inflater();
        inflater.setInput(idat.toByteArray());
        byte[] buf = new byte[1 << 16];
        long total = 0;
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    fail("the zlib stream ends early, after " + total + " bytes");
                }
                total += n;
            }
        } catch (DataFormatException e) {
            fail("the zlib stream is invalid: " + e.getMessage());
        }
        assertEquals((long) im.getHeight() * (im.getWidth() * bpp + 1), total, "the filtered rows' bytes");
        assertEquals(0, inflater.getRemaining(), "nothing after the zlib stream");
    }

    @Test
    void longRunsOfRepeatedRowsAreWrittenAsMatchesAndReadBackWhole() throws IOException {
        // runs of 1 to 40 rows at widths where a run is under and over the 16 KB from which it is written as matches,
        // rows of 4 bytes (a match's shortest is 3), and rows longer than deflate's 32 KB window (no copying from a row back)
        for (int w : new int[] {1, 2, 90, 341, 2000, 11000}) {
            BufferedImage im = new BufferedImage(w, 120, BufferedImage.TYPE_INT_RGB);
            Random r = new Random(w);
            int[] row = new int[w];
            for (int y = 0; y < im.getHeight(); ) {
                for (int x = 0; x < w; x++) {
                    row[x] = r.nextInt(1 << 24);
                }
                for (int k = 1 + r.nextInt(40); k > 0 && y < im.getHeight(); k--, y++) {
                    im.setRGB(0, y, w, 1, row, 0, w);
                }
            }
            roundTrip(im);
        }
        for (int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB}) { // one run of 4,999 rows of 4 or 5 bytes
            roundTrip(new BufferedImage(1, 5000, type));
        }
    }

    @Test
    void paletteImagesReadBackWhole() throws IOException {
        int[] palette = new int[200];
        Random r = new Random(7);
        for (int i = 0; i < palette.length; i++) {
            palette[i] = (i % 3 == 0 ? r.nextInt(256) : 0xFF) << 24 | r.nextInt(1 << 24);
        }
        for (int[] size : new int[][] {{1, 1}, {37, 53}, {400, 300}}) {
            byte[] idx = new byte[size[0] * size[1]];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = (byte) r.nextInt(palette.length);
            }
            roundTrip(RasterImage.indexed(size[0], size[1], idx, palette).toBufferedImage());
        }
    }

    @Test
    void packedImagesWithRepeatedRowsReadBackPixelForPixel() throws IOException {
        for (int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB}) {
            roundTrip(image(300, 700, type, 1)); // 700 rows of 900 or 1,200 bytes: several blocks
            roundTrip(image(1, 50, type, 2));
            roundTrip(image(50, 1, type, 3));
            BufferedImage flat = new BufferedImage(40, 30, type); // every row the same as the first
            roundTrip(flat);
        }
    }
}
