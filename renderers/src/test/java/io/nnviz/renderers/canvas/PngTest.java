package io.nnviz.renderers.canvas;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(Png.encode(im)));
        assertEquals(im.getWidth(), back.getWidth());
        assertEquals(im.getHeight(), back.getHeight());
        for (int y = 0; y < im.getHeight(); y++) {
            for (int x = 0; x < im.getWidth(); x++) {
                assertEquals(im.getRGB(x, y), back.getRGB(x, y), "pixel " + x + "," + y + " of " + im.getWidth() + "x" + im.getHeight());
            }
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
