package io.nnviz.backend.djl.torchscript;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.spi.Printable;
import io.nnviz.api.spi.SafeFiles;
import net.razorvine.pickle.PickleException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A TorchScript file checked before libtorch reads it. libtorch recurses on nesting, in the code it
 * compiles and in the values it unpickles, and past its thread's stack the JVM dies with a native
 * crash (issues 17 and 27). So the archive's entries are checked ({@link SafeFiles}) and read as
 * libtorch reads them ({@link TorchScriptZip}: one copy of each name, case folded); every code entry
 * ({@code *.py}, in any case) gets its nesting measured ({@link TorchScriptCode}) and every pickle
 * ({@code data.pkl}, {@code constants.pkl}, {@code *.debug_pkl}: any name ending in {@code pkl})
 * the depth its values reach once built ({@link TorchScriptPickles}); the tensors of {@code data.pkl}
 * and {@code constants.pkl} are read as data ({@link PlainPickle}) and checked against the bytes of
 * their storages and the memory budget ({@link TorchScriptStorages}).
 */
final class TorchScriptArchive {
    /**
     * How deep code may nest ({@link TorchScriptCode}: blocks, brackets and operator chains together).
     * Real code reaches 19 (torchvision's scripted detection models, in {@code F.interpolate}); libtorch
     * 2.7.1 overflows a 1 MiB stack at about 450 and the {@link NativeStack} nnviz loads it on at
     * some 30,000.
     */
    static final int MAX_CODE_NESTING = 200;
    /** How deep unpickled values may nest: real modules' reach 18; libtorch overflows a 1 MiB stack past 20,000. */
    static final int MAX_PICKLE_DEPTH = 1000;
    static final long MAX_CODE_BYTES = 64L << 20;

    private TorchScriptArchive() {
    }

    /** The value a pickle entry holds, read as data ({@link PlainPickle}). */
    private static Object unpickled(Path p, TorchScriptZip.Entry e, TorchScriptZip zip) throws IOException {
        byte[] bytes = zip.content(e, MAX_CODE_BYTES);
        try {
            return PlainPickle.read(bytes);
        } catch (PickleException | IOException x) {
            throw new ModelLoadException(p, "its " + Printable.name(e.name()) + " is not a pickle libtorch reads ("
                    + Printable.name(String.valueOf(x.getMessage())) + ")");
        }
    }

    /** The bytes of every storage entry ({@code data/} and {@code constants/} folders). */
    private static long storageBytes(Map<String, Long> sizes) {
        return sizes.entrySet().stream().filter(s -> s.getKey().contains("/data/") || s.getKey().contains("/constants/"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    static void check(Path p, long budget) {
        try (ZipFile z = new ZipFile(p.toFile()); FileChannel ch = FileChannel.open(p)) {
            List<ZipEntry> javaView = SafeFiles.checkedEntries(p, z, budget);
            TorchScriptZip zip = new TorchScriptZip(p, ch);
            List<TorchScriptZip.Entry> entries = zip.entries(javaView);
            Map<String, Long> sizes = new HashMap<>();
            entries.forEach(e -> sizes.put(e.folded(), e.size()));
            long elements = 0;
            for (TorchScriptZip.Entry e : entries) {
                String folded = e.folded();
                if (folded.endsWith(".py")) {
                    TorchScriptCode.Nesting n = TorchScriptCode.measure(zip.content(e, MAX_CODE_BYTES), MAX_CODE_NESTING);
                    if (n.depth() > MAX_CODE_NESTING) {
                        throw new ModelLoadException(p, "its " + Printable.name(e.name()) + " nests deeper than " + MAX_CODE_NESTING
                                + " levels at line " + n.line() + " (blocks, brackets and operator chains), which would overflow libtorch's"
                                + " native stack");
                    }
                } else if (folded.endsWith("pkl")) {
                    if (TorchScriptPickles.depth(p, e.name(), zip.content(e, MAX_CODE_BYTES), MAX_PICKLE_DEPTH) > MAX_PICKLE_DEPTH) {
                        throw new ModelLoadException(p, "its " + Printable.name(e.name()) + " nests deeper than " + MAX_PICKLE_DEPTH
                                + " levels, which would overflow libtorch's native stack");
                    }
                    if (folded.endsWith("data.pkl") || folded.endsWith("constants.pkl")) {
                        elements = Math.addExact(elements, TorchScriptStorages.check(p, e.name(), unpickled(p, e, zip), sizes));
                    }
                }
            }
            TorchScriptStorages.checkBudget(p, elements, storageBytes(sizes), budget);
        } catch (ArithmeticException e) {
            throw new ModelLoadException(p, "its tensors declare more than 2^63 weights");
        } catch (IllegalArgumentException e) { // Java's reader on a name that is not UTF-8
            throw new ModelLoadException(p, "not a TorchScript file (its zip directory is damaged: " + e.getMessage() + ")");
        } catch (ZipException e) {
            throw new ModelLoadException(p, "not a TorchScript file (not a readable zip archive: " + e.getMessage() + ")");
        } catch (IOException e) {
            throw new ModelLoadException(p, "cannot read it (" + e.getMessage() + ")", e);
        }
    }
}
