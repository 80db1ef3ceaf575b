package io.nnviz.api;

import java.nio.file.Path;
import java.util.Locale;

/**
 * A model file declares more data than the load's memory budget ({@link LoadOptions#memoryBudget}):
 * raised before anything that large is allocated; or, where a file got past every check, opening it
 * exhausted the heap (the memory is free again once this is thrown).
 */
public class ModelTooLargeException extends ModelLoadException {
    private static final long serialVersionUID = 1L;

    /** {@code what} declares {@code bytes}, over {@code budget}. */
    public ModelTooLargeException(Path path, String what, long bytes, long budget) {
        super(path, "model too large for the memory budget: " + what + " declares " + human(bytes) + ", the budget is " + human(budget)
                + " (LoadOptions.memoryBudget, or --max-memory)");
    }

    /** Opening the file ran out of heap ({@code e}); what it had allocated is unreachable again. */
    public ModelTooLargeException(Path path, OutOfMemoryError e) {
        super(path, "model too large for this JVM's memory: opening it ran out (" + e.getMessage() + "); a larger -Xmx, a smaller "
                + "LoadOptions.memoryBudget, or LoadOptions.isolated() to keep such files away from the application", e);
    }

    static String human(long bytes) {
        if (bytes < 0) {
            return "more than 8 EiB";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
