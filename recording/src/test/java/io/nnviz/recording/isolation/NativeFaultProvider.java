package io.nnviz.recording.isolation;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.spi.BackendProvider;
import io.nnviz.api.spi.ModelBuilder;

import java.lang.reflect.Field;
import java.nio.file.Path;

/**
 * A reader with the faults native readers have had on hostile files, for {@link IsolatedLoadTest}:
 * {@code .segv} writes to address 0 from native code's point of view (the JVM dies of SIGSEGV, as
 * it did inside libtorch and libnd4j), {@code .hang} never returns (a read of a pipe), {@code .refuse}
 * refuses in one line, {@code .ok} opens, {@code .oom} runs out of heap, {@code .deep} out of stack. Every other file is not its business. Registered for this
 * module's tests only.
 */
public final class NativeFaultProvider implements BackendProvider {
    @Override
    public String name() {
        return "native-faults (test)";
    }

    @Override
    public boolean supports(Object nativeModel) {
        return false;
    }

    @Override
    public ModelView open(Object nativeModel) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean canLoad(Path path) {
        String n = path.getFileName().toString();
        return n.endsWith(".segv") || n.endsWith(".hang") || n.endsWith(".refuse") || n.endsWith(".ok") || n.endsWith(".oom")
                || n.endsWith(".deep");
    }

    @Override
    public ModelView load(Path path) {
        String n = path.getFileName().toString();
        if (n.endsWith(".segv")) {
            segfault();
        } else if (n.endsWith(".hang")) {
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    // a blocked native read does not answer interrupts either
                }
            }
        } else if (n.endsWith(".oom")) {
            long[][] declared = new long[1][];
            declared[0] = new long[Integer.MAX_VALUE]; // what a reader does with a size it believed: the heap runs out
        } else if (n.endsWith(".deep")) {
            return recurse(0);
        } else if (n.endsWith(".refuse")) {
            throw new ModelLoadException(path, "it declares 5,000,000,000 weights and holds 1,024 bytes");
        }
        return ModelBuilder.of(n).layer(LayerInfo.builder("x", LayerKind.INPUT).outputShape(Shape.of(-1, 4)).build()).build();
    }

    /** A reader recursing on nesting the file declares without end. */
    private static ModelView recurse(int depth) {
        return depth < 0 ? null : recurse(depth + 1);
    }

    @SuppressWarnings("removal")
    private static void segfault() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            ((sun.misc.Unsafe) f.get(null)).putAddress(0, 0);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
