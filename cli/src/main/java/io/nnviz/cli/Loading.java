package io.nnviz.cli;

import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.api.spi.BackendProvider;
import io.nnviz.api.spi.Backends;
import io.nnviz.api.spi.FileGate;
import io.nnviz.api.spi.ModelFormat;

import java.io.IOException;
import java.nio.file.Path;

/** Opens a model file: detects its format by content, loads its backend world, and hands it to that world's provider. */
final class Loading {
    private Loading() {
    }

    /** An open model; closing it closes the model and gives the thread back its context class loader. */
    record Opened(ModelView model, ModelFormat format, ClassLoader previousContext) implements AutoCloseable {
        @Override
        public void close() {
            try {
                model.close();
            } finally {
                Thread.currentThread().setContextClassLoader(previousContext);
            }
        }
    }

    static Opened open(Path file, LoadOptions options) {
        FileGate.Recognition r = FileGate.recognize(file);
        ModelFormat f = r.format();
        if (f == null || f.backend() == null) {
            throw new Main.ModelException(file + ": " + r.line(), null);
        }
        ClassLoader world;
        try {
            world = Worlds.get(f.backend());
        } catch (Worlds.Missing e) {
            throw new Main.UsageException(file + ": " + f.description() + ", which this nnviz jar cannot read: it does not carry the "
                    + e.world + " backend (nnviz.jar reads every format, nnviz-" + e.world + ".jar this one)");
        } catch (IOException e) {
            throw new IllegalStateException("the " + f.backend() + " backend could not be prepared: " + e.getMessage(), e);
        }
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        // frameworks that look up their own services (DJL engines, ND4J backends) do it through the context class loader,
        // while loading and later while computing: it stays the world's until the model is closed
        t.setContextClassLoader(world);
        boolean opened = false;
        try {
            Backends backends = Backends.discover(world);
            BackendProvider p = backends.providers().stream().filter(x -> x.canLoad(file)).findFirst().orElseThrow(
                    () -> new Main.ModelException(file + ": looks like " + f.description() + " but the backend cannot read it", null));
            Opened o = new Opened(p.load(file, options), f, before);
            opened = true;
            return o;
        } catch (Main.ModelException e) {
            throw e;
        } catch (NnvizException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new Main.ModelException(m.contains(file.toString()) || m.contains(file.getFileName().toString()) ? m : file + ": " + m, e);
        } catch (RuntimeException | LinkageError e) {
            throw new Main.ModelException(file + ": " + f.description() + " could not be read (" + e + ")", e);
        } finally {
            if (!opened) {
                t.setContextClassLoader(before);
            }
        }
    }
}
