package io.nnviz.backend.djl.torchscript;

import java.util.concurrent.Callable;

/**
 * Runs a native call that recurses on what a file holds (libtorch compiling a TorchScript archive's
 * code) on a thread of its own with a stack of {@link #BYTES}, so that how deep it may go does not
 * depend on the caller's thread: a pool thread or {@code -Xss256k} would overflow at a quarter of
 * what the default 1 MiB takes (about 450 nested levels for libtorch 2.7.1), this one at some 30,000.
 * The stack is reserved, not committed: only the pages the call touches cost memory.
 */
final class NativeStack {
    static final long BYTES = 64L << 20;

    private NativeStack() {
    }

    /** {@code call}'s result, or what it threw, on a thread with a {@link #BYTES} stack; waits for it even if interrupted. */
    static <T> T call(String name, Callable<T> call) throws Exception {
        Object[] result = new Object[1];
        Throwable[] thrown = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                result[0] = call.call();
            } catch (Throwable e) {
                thrown[0] = e;
            }
        }, name, BYTES);
        t.setDaemon(true);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join(); // the native call cannot be abandoned half way: its memory would be lost
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (thrown[0] instanceof Exception e) {
            throw e;
        }
        if (thrown[0] instanceof Error e) {
            throw e;
        }
        @SuppressWarnings("unchecked")
        T r = (T) result[0];
        return r;
    }
}
