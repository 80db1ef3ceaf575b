package io.nnviz.backend.djl.checkpoint;

import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelView;
import io.nnviz.api.spi.FileGate;
import io.nnviz.api.spi.ModelFormat;
import io.nnviz.api.spi.Printable;
import io.nnviz.api.spi.SafeFiles;
import io.nnviz.backend.djl.torchscript.PlainPickle;
import io.nnviz.backend.djl.torchscript.TorchScriptPickles;
import io.nnviz.backend.djl.torchscript.TorchScriptStorages;
import net.razorvine.pickle.PickleException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The one place that reads PyTorch checkpoints: the zip {@code torch.save} writes (since PyTorch
 * 1.6), or its legacy stream of pickles and storages ({@link CheckpointLegacy}), of a state_dict, of a dict holding one (Lightning's, a training script's with its
 * optimizer) or of a whole module. Nothing in the file is run or imported: the pickle is read as
 * data ({@link PlainPickle}) after its nesting is measured ({@link TorchScriptPickles}), and every
 * tensor's view is checked against its storage's bytes and the memory budget
 * ({@link TorchScriptStorages}) before the model is made. Values are read when asked. Public only
 * so that the DJL provider can hand files to it; reading needs no engine. Stateless and thread-safe.
 */
public final class CheckpointFiles {
    /** How deep a checkpoint's values may nest: a module pickled whole nests a few levels per submodule. */
    static final int MAX_PICKLE_DEPTH = 1000;
    static final long MAX_PICKLE_BYTES = 256L << 20;

    private CheckpointFiles() {
    }

    /** True for a file the file gate ({@link FileGate}) says is a PyTorch checkpoint, in the zip or the legacy format; never throws. */
    public static boolean canLoad(Path path) {
        return FileGate.recognize(path).is(ModelFormat.PYTORCH_CHECKPOINT, ModelFormat.PYTORCH_LEGACY);
    }

    /**
     * Opens a checkpoint, zip or legacy ({@link CheckpointLegacy}, as the file gate tells them); {@code options} give its memory
     * budget (input shapes do not apply: it has no input).
     */
    public static ModelView open(Path path, LoadOptions options) {
        long budget = options.memoryBudget();
        long size = SafeFiles.requireRegularFile(path);
        if (FileGate.recognize(path).is(ModelFormat.PYTORCH_LEGACY)) {
            return CheckpointLegacy.open(path, size, budget);
        }
        try (ZipFile z = new ZipFile(path.toFile())) {
            List<ZipEntry> entries = SafeFiles.checkedEntries(path, z, budget);
            ZipEntry pickle = null;
            Map<String, Long> sizes = new HashMap<>();
            for (ZipEntry e : entries) {
                String folded = e.getName().toLowerCase(Locale.ROOT);
                sizes.put(folded, e.getSize());
                if (folded.equals("data.pkl") || folded.endsWith("/data.pkl")) {
                    if (pickle != null) {
                        throw new ModelLoadException(path, "it holds two pickles, " + Printable.name(pickle.getName()) + " and "
                                + Printable.name(e.getName()) + ": a checkpoint has one");
                    }
                    pickle = e;
                }
            }
            if (pickle == null) {
                throw new ModelLoadException(path, "not a PyTorch checkpoint: no data.pkl in the archive");
            }
            if (pickle.getSize() > MAX_PICKLE_BYTES) {
                throw new ModelLoadException(path, "its " + Printable.name(pickle.getName()) + " is " + pickle.getSize()
                        + " bytes, more than a checkpoint's pickle holds");
            }
            byte[] bytes;
            try (InputStream in = z.getInputStream(pickle)) {
                bytes = in.readNBytes((int) MAX_PICKLE_BYTES);
            }
            String name = pickle.getName();
            if (TorchScriptPickles.depth(path, name, bytes, MAX_PICKLE_DEPTH) > MAX_PICKLE_DEPTH) {
                throw new ModelLoadException(path, "its " + Printable.name(name) + " nests deeper than " + MAX_PICKLE_DEPTH + " levels");
            }
            Object root;
            try {
                root = PlainPickle.read(bytes);
            } catch (PickleException | IOException e) {
                throw new ModelLoadException(path, "its " + Printable.name(name) + " is not a pickle PyTorch reads ("
                        + Printable.oneLine(String.valueOf(e.getMessage())) + ")");
            }
            long elements = TorchScriptStorages.check(path, name, root, sizes);
            TorchScriptStorages.checkBudget(path, elements, sizes.values().stream().mapToLong(Long::longValue).sum(), budget);
            String folder = name.substring(0, name.length() - ".pkl".length()) + "/";
            CheckpointDescriber.Contents contents = CheckpointDescriber.contents(root, folder);
            if (contents.parameters().isEmpty()) {
                throw new ModelLoadException(path, "a PyTorch checkpoint without a model's parameters (it holds "
                        + (contents.others().size() + contents.buffers().size()) + " other tensors)");
            }
            return new CheckpointModel(path, String.valueOf(path.getFileName()), contents, CheckpointDescriber.tree(contents.parameters(), contents.buffers()));
        } catch (IOException e) {
            throw new ModelLoadException(path, "not a readable zip archive (" + Printable.oneLine(String.valueOf(e.getMessage())) + ")", e);
        } catch (ArithmeticException e) {
            throw new ModelLoadException(path, "its tensors declare more than 2^63 weights");
        }
    }
}
