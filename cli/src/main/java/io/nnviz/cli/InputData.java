package io.nnviz.cli;

import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** The input of {@code nnviz activations}: an image (resized and normalised to the model's input) or a NumPy {@code .npy} tensor. */
final class InputData {
    /** The most pixels an input image may have, before it is decoded (65,535 x 65,535 headers exist). */
    static final long MAX_PIXELS = 40_000_000L;
    /** The longest side an input is resized to. */
    static final int MAX_SIDE = 8192;
    /** The most pixels an input is resized to (4096 x 4096: a float tensor of 200 MB in RGB). */
    static final long MAX_INPUT_PIXELS = 4096L * 4096;

    private InputData() {
    }

    /**
     * An image file's width and height from its header alone; a file that is not an image, or is
     * larger than {@link #MAX_PIXELS}, is a usage error naming it.
     */
    static int[] imageSize(Path p) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(p.toFile())) {
            var readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new Main.UsageException(p + ": not an image (PNG, JPEG, GIF, BMP) nor a .npy tensor");
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                int w = r.getWidth(0), h = r.getHeight(0);
                if (w < 1 || h < 1 || (long) w * h > MAX_PIXELS) {
                    throw new Main.UsageException(p + ": an image of " + w + " x " + h + " pixels (at most " + MAX_PIXELS / 1_000_000
                            + " megapixels)");
                }
                return new int[] {w, h};
            } catch (IOException | RuntimeException e) {
                if (e instanceof Main.UsageException u) {
                    throw u;
                }
                throw new Main.UsageException(p + ": a damaged image (" + e.getClass().getSimpleName() + ")");
            } finally {
                r.dispose();
            }
        }
    }

    /** The image, decoded once its header's size is checked; a damaged one is a usage error. */
    static BufferedImage readImage(Path p) throws IOException {
        imageSize(p);
        try {
            BufferedImage img = ImageIO.read(p.toFile());
            if (img == null) {
                throw new Main.UsageException(p + ": not an image (PNG, JPEG, GIF, BMP) nor a .npy tensor");
            }
            return img;
        } catch (IIOException | RuntimeException e) {
            if (e instanceof Main.UsageException u) {
                throw u;
            }
            throw new Main.UsageException(p + ": a damaged image (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** How to turn an image into the model's input. */
    record ImageOptions(int width, int height, int channels, double scale, double[] mean, double[] std) {
    }

    static boolean isNpy(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] h = in.readNBytes(6);
            return h.length == 6 && (h[0] & 0xff) == 0x93 && new String(h, 1, 5, StandardCharsets.ISO_8859_1).equals("NUMPY");
        }
    }

    /** Reads an image and lays it out as {@code [1, C, H, W]}: resized (bilinear), grey or RGB, then (v / scale - mean) / std. */
    static Tensor image(Path p, ImageOptions o) throws IOException {
        BufferedImage img = readImage(p);
        BufferedImage sized = new BufferedImage(o.width(), o.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sized.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, o.width(), o.height(), null);
        g.dispose();
        int c = o.channels(), hw = o.width() * o.height();
        float[] v = new float[c * hw];
        for (int y = 0; y < o.height(); y++) {
            for (int x = 0; x < o.width(); x++) {
                int rgb = sized.getRGB(x, y);
                double r = rgb >> 16 & 0xff, gr = rgb >> 8 & 0xff, b = rgb & 0xff;
                double[] ch = c == 1 ? new double[] {0.299 * r + 0.587 * gr + 0.114 * b} : new double[] {r, gr, b};
                for (int k = 0; k < c; k++) {
                    v[k * hw + y * o.width() + x] = (float) ((ch[k] / o.scale() - o.mean()[Math.min(k, o.mean().length - 1)])
                            / o.std()[Math.min(k, o.std().length - 1)]);
                }
            }
        }
        return Tensor.of(v, 1, c, o.height(), o.width());
    }

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|=]?)([fi])(\\d)'");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    /** Reads a little- or big-endian float32/float64 (or int) C-order {@code .npy} array. */
    static Tensor npy(Path p) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(p))) {
            in.skipNBytes(6);
            int major = in.readUnsignedByte();
            in.readUnsignedByte();
            ByteBuffer lenBuf = ByteBuffer.wrap(in.readNBytes(major == 1 ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
            int len = major == 1 ? lenBuf.getShort() & 0xffff : lenBuf.getInt();
            if (len <= 0 || len > 1 << 20) {
                throw new Main.UsageException(p + ": a damaged .npy header");
            }
            String header = new String(in.readNBytes(len), StandardCharsets.ISO_8859_1);
            Matcher d = DESCR.matcher(header), s = SHAPE.matcher(header);
            if (!d.find() || !s.find()) {
                throw new Main.UsageException(p + ": a .npy file nnviz cannot read (needs float or int data): " + header.trim());
            }
            if (header.contains("'fortran_order': True")) {
                throw new Main.UsageException(p + ": a Fortran-order .npy array; save it in C order (np.ascontiguousarray)");
            }
            String[] parts = s.group(1).split(",");
            int[] shape;
            long n = 1;
            try {
                shape = Arrays.stream(parts).map(String::trim).filter(x -> !x.isEmpty()).mapToInt(Integer::parseInt).toArray();
                if (shape.length > 8) {
                    throw new NumberFormatException();
                }
                for (int x : shape) {
                    if (x < 0) {
                        throw new NumberFormatException();
                    }
                    n = Math.multiplyExact(n, x);
                }
            } catch (NumberFormatException | ArithmeticException e) {
                throw new Main.UsageException(p + ": a .npy header with a shape nnviz cannot take: (" + s.group(1).trim() + ")");
            }
            int width = d.group(3).charAt(0) - '0';
            boolean floating = d.group(2).equals("f");
            if (n > 1 << 28 || (floating ? width != 4 && width != 8 : width != 4 && width != 8)) {
                throw new Main.UsageException(p + ": unsupported .npy data " + d.group(0) + " or size " + n);
            }
            if (n * width > Files.size(p)) {
                throw new Main.UsageException(p + ": a truncated .npy file (its header declares " + n * width + " data bytes, the file is "
                        + Files.size(p) + ")");
            }
            byte[] raw = in.readNBytes((int) (n * width));
            if (raw.length != n * width) {
                throw new Main.UsageException(p + ": a truncated .npy file (" + raw.length + " of " + n * width + " data bytes)");
            }
            ByteBuffer b = ByteBuffer.wrap(raw).order(d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[(int) n];
            for (int i = 0; i < n; i++) {
                v[i] = floating ? (width == 4 ? b.getFloat() : (float) b.getDouble()) : (width == 4 ? b.getInt() : (float) b.getLong());
            }
            return Tensor.of(v, shape.length == 0 ? new int[] {1} : shape);
        } catch (EOFException | BufferUnderflowException e) { // the magic bytes and little else
            throw new Main.UsageException(p + ": a .npy file too short for its header (" + Files.size(p) + " bytes)");
        }
    }

    /** Adds a batch dimension of 1 if {@code t} has one dimension fewer than {@code input}; checks the sizes agree. */
    static Tensor batchOfOne(Tensor t, Shape input, Path source) {
        if (input == null) {
            return t; // the model does not say; it will complain itself if the shape is wrong
        }
        int[] want = input.toArray();
        int[] have = t.shape().toArray();
        if (have.length == want.length - 1) {
            int[] with = new int[have.length + 1];
            with[0] = 1;
            System.arraycopy(have, 0, with, 1, have.length);
            t = t.reshape(with);
            have = with;
        }
        boolean ok = have.length == want.length && have[0] == 1;
        for (int i = 1; ok && i < want.length; i++) {
            ok = want[i] < 0 || want[i] == have[i];
        }
        if (!ok) {
            throw new Main.UsageException(source + ": shape " + t.shape() + " does not fit the model's input " + input
                    + " (one sample, canonical layout: images NCHW, sequences [N, T, C])");
        }
        return t;
    }
}
