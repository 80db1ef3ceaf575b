package io.nnviz.api;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How to open a saved model, where the file alone does not say: the shape of its input(s), for
 * files whose input has free dimensions (a fully convolutional network, a DL4J zip, which keeps
 * no input type, a TorchScript file, which keeps none at all). With the shape given, every layer's
 * shape follows. Immutable; each method returns a new instance.
 *
 * <pre>{@code
 * ModelView m = NNViz.load(Path.of("resnet.pt"), LoadOptions.defaults().inputShape(1, 3, 224, 224));
 * ModelView bert = NNViz.load(Path.of("bert.onnx"), LoadOptions.defaults()
 *         .inputShape("input_ids", 1, 128).inputShape("attention_mask", 1, 128));
 * }</pre>
 */
public final class LoadOptions {
    /** The key of the shape given for a model's only (or first) input, whatever its name. */
    public static final String FIRST_INPUT = "";
    private static final LoadOptions DEFAULTS = new LoadOptions(Map.of(), 0, null, false);
    /** How long an isolated open may take by default: far more than any real file needs, and a blocked read ends. */
    public static final Duration DEFAULT_ISOLATION_TIMEOUT = Duration.ofMinutes(2);
    private final Map<String, long[]> inputShapes;
    /** Bytes a load may allocate (heap and native), 0 for the default. */
    private final long memoryBudget;
    /** Non-null: open the file in a child JVM first, within this time. */
    private final Duration isolation;
    /** Run the model once to measure the shapes static inference leaves unknown. */
    private final boolean measureShapes;

    private LoadOptions(Map<String, long[]> inputShapes, long memoryBudget, Duration isolation, boolean measureShapes) {
        this.inputShapes = inputShapes;
        this.memoryBudget = memoryBudget;
        this.isolation = isolation;
        this.measureShapes = measureShapes;
    }

    /** Nothing given: what the file says. */
    public static LoadOptions defaults() {
        return DEFAULTS;
    }

    /** The shape of the model's only (or first) input, batch first; -1 leaves a dimension free. */
    public LoadOptions inputShape(long... dims) {
        return inputShape(FIRST_INPUT, dims);
    }

    /**
     * The shape of the input named {@code input}, batch first; -1 leaves a dimension free.
     *
     * @throws IllegalArgumentException for an empty shape or a dimension below -1 or 0
     */
    public LoadOptions inputShape(String input, long... dims) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(dims, "dims");
        if (dims.length == 0) {
            throw new IllegalArgumentException("the input shape of '" + input + "' has no dimensions");
        }
        for (long d : dims) {
            if (d == 0 || d < -1) {
                throw new IllegalArgumentException("the input shape " + Arrays.toString(dims) + " of '" + input
                        + "' has a dimension " + d + ": use sizes >= 1, or -1 for a free one");
            }
        }
        Map<String, long[]> m = new LinkedHashMap<>(inputShapes);
        m.put(input, dims.clone());
        return new LoadOptions(Collections.unmodifiableMap(m), memoryBudget, isolation, measureShapes);
    }

    /**
     * The most a load may allocate for the model's tensors, heap and native together (default:
     * {@link #defaultMemoryBudget()}). Backends check what a file declares against it before they
     * allocate, so a file claiming terabytes is a {@link ModelTooLargeException}, never an
     * out-of-memory error or a native crash.
     */
    public LoadOptions memoryBudget(long bytes) {
        if (bytes < 1 << 20) {
            throw new IllegalArgumentException("a memory budget of " + bytes + " bytes is below 1 MiB");
        }
        return new LoadOptions(inputShapes, bytes, isolation, measureShapes);
    }

    /**
     * Opens the file in a child JVM first, as the {@code nnviz} command line does, and only then in
     * this one: for applications that open files users upload. Whatever the file does to the
     * native readers (a crash, a blocked read, a heap exhausted), it does to the child, and this JVM
     * gets a {@link ModelLoadException} saying so; a file the child opened is opened here. The
     * child runs on this JVM's class path ({@code java.class.path}: a flat class path, as
     * {@code java -cp} or Maven gives) with the same maximum heap, and is ended after
     * {@link #DEFAULT_ISOLATION_TIMEOUT}. It costs one more JVM start and one more open per file.
     */
    public LoadOptions isolated() {
        return isolated(DEFAULT_ISOLATION_TIMEOUT);
    }

    /** As {@link #isolated()}, the child ended after {@code timeout}. */
    public LoadOptions isolated(Duration timeout) {
        if (Objects.requireNonNull(timeout, "timeout").isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("an isolation timeout must be positive, got " + timeout);
        }
        return new LoadOptions(inputShapes, memoryBudget, timeout, measureShapes);
    }

    /**
     * Where a backend's static shape inference leaves a layer's output shape unknown (a branch
     * taken on a size only known at run time, an operator it has no rule for), runs the model once
     * on zeros of the input shape given ({@link #inputShape}), or the declared one with free
     * dimensions 1 (where that run fails, free dimensions after the batch at 64, 256, 1,024 and
     * 16,384 in turn: an STFT needs more than one sample), and gives those layers the shapes the run
     * measured, marked as measured (layer attributes {@code "shape source"}, {@code "measured on"}),
     * never as inferred: they hold for that input. Costs a forward pass or a few at load time and needs the framework's runtime (for ONNX files, DJL's ONNX
     * Runtime engine); a run that fails leaves the shapes unknown and says why in the model's
     * properties ({@code "measured shapes"}). Backends without static inference ignore it.
     */
    public LoadOptions measureShapes() {
        return new LoadOptions(inputShapes, memoryBudget, isolation, true);
    }

    /** True when {@link #measureShapes()} was asked for. */
    public boolean measuresShapes() {
        return measureShapes;
    }

    /** The time an isolated open may take, or null when the file is opened in this JVM only. */
    public Duration isolation() {
        return isolation;
    }

    /** These options without isolation: what the child JVM itself uses. */
    public LoadOptions inProcess() {
        return new LoadOptions(inputShapes, memoryBudget, null, measureShapes);
    }

    /** The memory budget in bytes. */
    public long memoryBudget() {
        return memoryBudget > 0 ? memoryBudget : defaultMemoryBudget();
    }

    /**
     * Half the machine's physical memory, or its container's limit (where it can be told; else four times the heap's
     * maximum): a model is read once into memory and usually copied once more by the framework.
     */
    public static long defaultMemoryBudget() {
        long total = PhysicalMemory.total();
        return total > 0 ? total / 2 : Runtime.getRuntime().maxMemory() * 4;
    }

    /** The shapes given, by input name ({@link #FIRST_INPUT} for the unnamed one); copies. */
    public Map<String, long[]> inputShapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        inputShapes.forEach((k, v) -> m.put(k, v.clone()));
        return m;
    }

    /** True when no input shape is given (the memory budget aside). */
    public boolean isEmpty() {
        return inputShapes.isEmpty();
    }

    /**
     * The single shape given, for a backend whose files have one input.
     *
     * @throws InvalidInputException when shapes were given for several inputs
     */
    public long[] singleInputShape(String model) {
        if (inputShapes.isEmpty()) {
            return null;
        }
        if (inputShapes.size() > 1) {
            throw new InvalidInputException("model '" + model + "' has one input, but shapes were given for " + inputShapes.keySet());
        }
        return inputShapes.values().iterator().next().clone();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("LoadOptions{");
        if (memoryBudget > 0) {
            s.append("memoryBudget=").append(memoryBudget).append(' ');
        }
        if (isolation != null) {
            s.append("isolated=").append(isolation).append(' ');
        }
        if (measureShapes) {
            s.append("measureShapes ");
        }
        inputShapes.forEach((k, v) -> s.append(k.isEmpty() ? "input" : k).append('=').append(Arrays.toString(v)).append(' '));
        return s.toString().trim() + "}";
    }
}
