package io.nnviz.renderers.figures;

import io.nnviz.renderers.AtomicFiles;
import io.nnviz.renderers.figures.ArchitectureUnits.Unit;
import io.nnviz.renderers.figures.ArchitectureUnits.Units;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Layouts kept between runs. ELK's layout of a diagram of a thousand boxes takes most of a second
 * of the command that draws it, and in a fresh JVM even a small one costs ELK's classes and their
 * compiling; the same diagram (the same boxes at the same sizes in the same frames, the same edges,
 * the same code) lays out the same every time: ELK is deterministic. With the system property
 * {@value #PROPERTY} naming a folder (the CLI sets it to its cache, {@code ~/.cache/nnviz/layouts};
 * a library user may set it too), each layout is kept there in a file named by a hash of what went
 * into it, and a command that draws only diagrams it has kept never runs ELK. The file
 * starts with that whole input, compared byte for byte on reading, so a hash that collides or a
 * file damaged or cut short is a miss, never another diagram's layout. The input includes the
 * jar (or class file) {@link ElkLayout} came from (path, size, time), so a rebuilt nnviz lays out afresh
 * (loaded from anything else, a jar inside a jar, nothing is kept).
 * Files unused for {@link #STALE} are removed (once a JVM, when it first keeps one); reading one marks it used.
 */
final class LayoutCache {
    /** The system property naming the folder; unset or empty: nothing is kept or read. */
    static final String PROPERTY = "nnviz.layoutCache";
    /** A layout unused this long is removed (when another is written). */
    static final Duration STALE = Duration.ofDays(7);
    private static final byte[] MAGIC = "nnviz-layout 1\n".getBytes(StandardCharsets.US_ASCII);
    private static final String CODE = code();
    /** The folders this JVM has removed stale layouts from: once each, not at every layout kept. */
    private static final Set<Path> SWEPT = ConcurrentHashMap.newKeySet();

    private LayoutCache() {
    }

    /** The folder layouts are kept in, or null when none is set (or this code's build cannot be told apart from another's). */
    static Path dir() {
        String d = System.getProperty(PROPERTY, "");
        return d.isBlank() || CODE == null ? null : Path.of(d);
    }

    /** What the layout of {@code u} in {@code direction} depends on, one unit and one edge a line. */
    static byte[] key(Units u, ArchitectureDiagram.Direction direction) {
        StringBuilder s = new StringBuilder(64 * (u.units.size() + u.edges.size()));
        s.append(CODE).append('\n').append(direction).append(' ').append(u.layerCount > 300).append('\n');
        for (Unit x : u.units.values()) {
            s.append(x.id).append('\t').append(x.parent).append('\t').append(x.frame).append('\t');
            s.append(x.frame ? 0 : x.w).append('\t').append(x.frame ? 0 : x.h).append('\n');
        }
        for (String[] e : u.edges) {
            s.append(e[0]).append('\t').append(e[1]).append('\n');
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The file the layout of {@code key} is kept in. */
    static Path file(Path dir, byte[] key) {
        long h = 0xcbf29ce484222325L; // FNV-1a: a name only, the key itself is compared on reading
        for (byte b : key) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        return dir.resolve(String.format("%016x-%d.layout", h, key.length));
    }

    /**
     * The kept layout of {@code u}, its units placed (their positions and sizes set) and its edges'
     * polylines returned; null when none is kept or the file does not hold this very input.
     */
    static ElkLayout.Placed get(Path dir, byte[] key, Units u) {
        Path f = file(dir, key);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try (InputStream raw = Files.newInputStream(f); DataInputStream in = new DataInputStream(raw)) {
            if (!Arrays.equals(in.readNBytes(MAGIC.length), MAGIC) || in.readInt() != key.length
                    || !Arrays.equals(in.readNBytes(key.length), key)) {
                return null;
            }
            double width = finite(in.readDouble()), height = finite(in.readDouble());
            if (in.readInt() != u.units.size()) {
                return null;
            }
            double[] boxes = new double[4 * u.units.size()];
            for (int i = 0; i < boxes.length; i++) {
                boxes[i] = finite(in.readDouble());
            }
            int lines = in.readInt();
            if (lines < 0 || lines > 4 * u.edges.size() + 16) {
                return null;
            }
            List<double[][]> edges = new ArrayList<>(lines);
            for (int k = 0; k < lines; k++) {
                int n = in.readInt();
                if (n < 2 || n > 10_000) {
                    return null;
                }
                double[] xs = new double[n], ys = new double[n];
                for (int i = 0; i < n; i++) {
                    xs[i] = finite(in.readDouble());
                    ys[i] = finite(in.readDouble());
                }
                edges.add(new double[][] {xs, ys});
            }
            int i = 0;
            for (Unit x : u.units.values()) {
                x.x = boxes[i++];
                x.y = boxes[i++];
                x.w = boxes[i++];
                x.h = boxes[i++];
            }
            Files.setLastModifiedTime(f, FileTime.from(Instant.now()));
            return new ElkLayout.Placed(edges, width, height);
        } catch (IOException | RuntimeException e) {
            return null; // damaged or cut short: laid out afresh, and written again
        }
    }

    /** Keeps the layout {@code p} of {@code u} (its units placed) for {@code key}; removes stale ones. Never fails the drawing. */
    static void put(Path dir, byte[] key, Units u, ElkLayout.Placed p) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(key.length + 40 * u.units.size() + 64 * p.edges().size() + 64);
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeInt(key.length);
            out.write(key);
            out.writeDouble(p.width());
            out.writeDouble(p.height());
            out.writeInt(u.units.size());
            for (Unit x : u.units.values()) {
                out.writeDouble(x.x);
                out.writeDouble(x.y);
                out.writeDouble(x.w);
                out.writeDouble(x.h);
            }
            out.writeInt(p.edges().size());
            for (double[][] line : p.edges()) {
                out.writeInt(line[0].length);
                for (int i = 0; i < line[0].length; i++) {
                    out.writeDouble(line[0][i]);
                    out.writeDouble(line[1][i]);
                }
            }
            out.flush();
            Files.createDirectories(dir);
            if (SWEPT.add(dir)) {
                removeStale(dir);
            }
            AtomicFiles.write(file(dir, key), bytes.toByteArray());
        } catch (IOException | RuntimeException e) {
            // a kept layout only saves time: a folder that cannot be written changes nothing drawn
        }
    }

    private static void removeStale(Path dir) throws IOException {
        Instant before = Instant.now().minus(STALE);
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : (Iterable<Path>) s.filter(f -> f.getFileName().toString().endsWith(".layout"))::iterator) {
                try {
                    if (Files.getLastModifiedTime(f).toInstant().isBefore(before)) {
                        Files.deleteIfExists(f);
                    }
                } catch (IOException e) {
                    // another process removed it first
                }
            }
        }
    }

    private static double finite(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("not a coordinate: " + v);
        }
        return v;
    }

    /** Where the layout's code was loaded from, its size and time (a rebuilt or updated nnviz has another), or null if not a file or jar. */
    private static String code() {
        try {
            // the layout's options are ElkLayout's: from a folder of classes, its own file tells builds apart (the file format here is MAGIC's)
            URL u = ElkLayout.class.getResource("ElkLayout.class");
            String s = u == null ? "" : u.toString();
            Path p = s.startsWith("jar:file:") ? Path.of(new URL(s.substring(4, s.indexOf("!/"))).toURI())
                    : s.startsWith("file:") ? Path.of(u.toURI()) : null;
            // loaded from elsewhere (a jar inside a jar): nothing to tell builds apart by, so nothing is kept
            return p == null ? null : p + " " + Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis();
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
