package io.nnviz.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A child JVM that does, for real, what a hostile model makes native code do: crash with SIGSEGV,
 * take native memory that {@code -Xmx} does not limit, run out of heap, hang. {@link ChildJvmTest}
 * runs it under {@link ChildJvm}; {@code parent} runs it as a grandchild, to kill the parent.
 */
public final class Misbehaving {
    private Misbehaving() {
    }

    public static void main(String[] args) throws Exception {
        if (ChildJvm.isChild()) {
            ChildJvm.exitWithParent();
        }
        System.out.println("started " + ProcessHandle.current().pid());
        System.out.flush();
        switch (args[0]) {
            case "crash" -> unsafe().putAddress(0, 0);
            case "native" -> {
                sun.misc.Unsafe u = unsafe();
                for (int i = 0; i < 64; i++) { // up to 8 GiB, 128 MiB at a time, each page touched so it is resident
                    long a = u.allocateMemory(128L << 20);
                    u.setMemory(a, 128L << 20, (byte) 1);
                }
                System.exit(0);
            }
            case "heap" -> {
                List<long[]> hold = new ArrayList<>();
                try {
                    while (true) {
                        hold.add(new long[1 << 20]);
                    }
                } catch (OutOfMemoryError e) {
                    hold.clear();
                    throw e;
                }
            }
            case "hang" -> Thread.sleep(Long.MAX_VALUE);
            case "parent" -> System.exit(ChildJvm.run(Misbehaving.class.getName(), List.of("hang"), new ChildJvm.Limits(1L << 30, 0), true,
                    "m.bin", System.out, System.err));
            default -> System.exit(Integer.parseInt(args[0]));
        }
    }

    private static sun.misc.Unsafe unsafe() throws ReflectiveOperationException {
        java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        return (sun.misc.Unsafe) f.get(null);
    }
}
