package io.nnviz.api.spi;

import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One training step's captures that a backend has copied in the framework's own memory (cheap, on
 * the training thread, while the values are hot), handed to hooks as {@link Tensor#later} tensors:
 * each is read into Java once, by whichever thread reads it first, usually a hook's background
 * worker. The framework's copies are released after the last read, or by {@link #loadAll()}, which
 * a backend calls before its next capture and when training ends, so that the framework never
 * holds more than one step's copies and no tensor outlives what it reads.
 *
 * <pre>{@code
 * DeferredCopies copies = new DeferredCopies(manager::close);
 * Tensor w = copies.add(shape, () -> read(nativeCopy));   // runs once, at the first read
 * ...
 * copies.loadAll();                                        // before the next capture
 * }</pre>
 */
public final class DeferredCopies implements AutoCloseable {
    private final Runnable release;
    private final List<Tensor> tensors = new ArrayList<>();
    private int unread;
    private boolean released;

    /** Copies that {@code release} frees, once. */
    public DeferredCopies(Runnable release) {
        this.release = release;
    }

    /** A tensor of {@code shape} whose values {@code read} copies out of the framework's copy, at the first read. */
    public synchronized Tensor add(Shape shape, Supplier<float[]> read) {
        unread++;
        Tensor t = Tensor.later(shape, () -> readOnce(read));
        tensors.add(t);
        return t;
    }

    private synchronized float[] readOnce(Supplier<float[]> read) {
        if (released) {
            throw new IllegalStateException("nnviz: this step's copies were released before they were read");
        }
        float[] v = read.get();
        if (--unread == 0) {
            close();
        }
        return v;
    }

    /** Makes every tensor's values exist now, on this thread, then frees the framework's copies. */
    public void loadAll() {
        List<Tensor> all;
        synchronized (this) {
            all = List.copyOf(tensors);
        }
        try {
            for (Tensor t : all) {
                t.load();
            }
        } finally {
            close();
        }
    }

    /** Frees the framework's copies without reading them; tensors not read yet then fail to read. */
    @Override
    public synchronized void close() {
        if (!released) {
            released = true;
            release.run();
        }
    }
}
