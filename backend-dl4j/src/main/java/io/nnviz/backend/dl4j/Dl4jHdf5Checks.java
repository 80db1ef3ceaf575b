package io.nnviz.backend.dl4j;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.dataset.ContiguousDataset;
import io.jhdf.exceptions.UnsupportedHdfException;
import io.jhdf.object.message.DataLayout;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.spi.Printable;
import io.nnviz.api.spi.SafeFiles;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * What an HDF5 file holds, checked in Java (jHDF, which reads the file's structure and allocates
 * nothing for the data) before the native HDF5 library that DL4J's Keras import uses opens it:
 * <ul>
 * <li>no dataset keeps its values in another file: HDF5's external storage names any path
 *     ({@code /etc/passwd}, {@code ../../x}, a pipe, {@code /dev/zero}), and the native library reads
 *     it as the weights;</li>
 * <li>every dataset's declared size is backed by the file's bytes (contiguous storage lies inside
 *     the file; chunked storage, compressed at most {@value #MAX_COMPRESSION_RATIO}:1, holds what the
 *     shape declares), so a shape re-declared huge is refused before anything is allocated;</li>
 * <li>the declared sizes add up within the memory budget.</li>
 * </ul>
 */
final class Dl4jHdf5Checks {
    /** More than deflate's best (about 1032:1); a larger ratio is a declared size the file does not hold. */
    static final long MAX_COMPRESSION_RATIO = 1100;
    static final int MAX_NODES = 100_000, MAX_DEPTH = 64;

    private final Path file;
    private final long fileSize, budget;
    private long declared;
    private int nodes;

    private Dl4jHdf5Checks(Path file, long fileSize, long budget) {
        this.file = file;
        this.fileSize = fileSize;
        this.budget = budget;
    }

    /**
     * What a checked file holds: its root {@code model_config} attribute (Keras's model as JSON,
     * however it is spaced; null if none) and the bytes its datasets declare, all backed by the file.
     */
    record Contents(String modelConfig, long datasetBytes) {
    }

    /** Checks every dataset of the HDF5 file {@code p}. */
    static Contents check(Path p, long budget) {
        long size = SafeFiles.requireRegularFile(p);
        Dl4jHdf5Checks c = new Dl4jHdf5Checks(p, size, budget);
        try (HdfFile f = new HdfFile(p)) {
            c.group(f, 0);
            return new Contents(modelConfig(p, f), c.declared);
        } catch (ModelLoadException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // jHDF wraps what it meets below a group ("Failed to load children ..."): the cause says what it was
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof UnsupportedHdfException u) {
                    throw c.unsupported(null, u);
                }
            }
            throw new ModelLoadException(p, "its Keras HDF5 structure could not be read (" + Printable.name(String.valueOf(e.getMessage()))
                    + ")", e);
        }
    }

    private static String modelConfig(Path p, HdfFile f) {
        Attribute a = f.getAttribute("model_config");
        if (a == null) {
            return null;
        }
        if (a.getSizeInBytes() > Dl4jFileChecks.MAX_CONFIG_BYTES) {
            throw new ModelLoadException(p, "its model_config is " + a.getSizeInBytes() + " bytes (at most " + Dl4jFileChecks.MAX_CONFIG_BYTES + ")");
        }
        Object v = a.getData();
        if (v instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return v instanceof String s ? s : null;
    }

    private void group(Group g, int depth) {
        if (depth > MAX_DEPTH) {
            throw new ModelLoadException(file, "its HDF5 groups nest deeper than " + MAX_DEPTH);
        }
        for (Node n : g.getChildren().values()) {
            if (++nodes > MAX_NODES) {
                throw new ModelLoadException(file, "it holds more than " + MAX_NODES + " HDF5 objects");
            }
            if (n.isLink()) {
                // soft and external links: an external one names another file
                throw new ModelLoadException(file, "HDF5 object " + Printable.name(n.getPath())
                        + " is a link; nnviz reads only objects the model file holds");
            }
            try {
                if (n instanceof Group child) {
                    group(child, depth + 1);
                } else if (n instanceof Dataset d) {
                    dataset(d);
                }
            } catch (UnsupportedHdfException e) {
                throw unsupported(n.getPath(), e);
            }
        }
    }

    private void dataset(Dataset d) {
        if (d.isEmpty() || d.isVariableLength() || d.isScalar()) {
            return;
        }
        long bytes;
        try {
            bytes = d.getSizeInBytes();
        } catch (ArithmeticException e) {
            bytes = -1;
        }
        String name = Printable.name(d.getPath());
        if (bytes < 0) {
            throw new ModelLoadException(file, "dataset " + name + " declares more than 2^63 bytes");
        }
        declared += bytes;
        if (declared > budget) {
            throw new ModelTooLargeException(file, "its datasets", declared, budget);
        }
        DataLayout layout = d.getDataLayout();
        if (layout == DataLayout.CONTIGUOUS && d instanceof ContiguousDataset c) {
            long address = c.getDataAddress();
            boolean unallocated = address < 0; // HDF5's undefined address (all ones): never written, the fill value
            if (!unallocated && (address > fileSize || bytes > fileSize - address)) {
                throw new ModelLoadException(file, "dataset " + name + " declares " + bytes + " bytes, the file holds "
                        + Math.max(0, fileSize - Math.min(address, fileSize)) + " after its start");
            }
        } else if (layout == DataLayout.CHUNKED) {
            long stored = d.getStorageInBytes();
            if (stored > fileSize) {
                throw new ModelLoadException(file, "dataset " + name + " declares chunks of " + stored + " bytes in a file of " + fileSize);
            }
            if (bytes > Math.max(stored, 1) * MAX_COMPRESSION_RATIO) {
                throw new ModelLoadException(file, "dataset " + name + " declares " + bytes + " bytes, its chunks hold " + stored);
            }
        }
    }

    private ModelLoadException unsupported(String path, UnsupportedHdfException e) {
        String what = path == null ? "an HDF5 object" : "HDF5 object " + Printable.name(path);
        if (String.valueOf(e.getMessage()).contains("External Data Files")) {
            return new ModelLoadException(file, what + " keeps its values in another file (HDF5 external storage); "
                    + "nnviz reads only what the model file holds");
        }
        return new ModelLoadException(file, what + " uses an HDF5 feature nnviz does not check ("
                + Printable.name(String.valueOf(e.getMessage())) + ")", e);
    }
}
