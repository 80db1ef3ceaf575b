package io.nnviz.api.spi;

import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.ModelView;
import io.nnviz.api.NoBackendException;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.Hook;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The set of installed backends and the rule that picks one.
 *
 * <p>{@link #defaults()} finds providers with {@link java.util.ServiceLoader} through the api's own class
 * loader, once. Where that loader cannot see the backends (fat jars with unmerged service files,
 * application servers, OSGi) use {@link #discover(ClassLoader)}, or {@link #register} a provider
 * by hand.
 *
 * <h2>Choice</h2>
 * Among the providers that fit an object or file: the one named by the system property
 * {@code nnviz.backend} if set, else the highest {@link BackendProvider#priority()}, ties broken by
 * {@link BackendProvider#name()}. When several fit, the choice is logged. A provider that fails
 * to load is logged, listed in {@link #problems()} and skipped.
 */
public final class Backends {
    /** The system property that forces a backend by name. */
    public static final String BACKEND_PROPERTY = "nnviz.backend";

    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);
    private static final Comparator<BackendProvider> ORDER =
            Comparator.comparingInt(BackendProvider::priority).reversed().thenComparing(BackendProvider::name);

    /** Framework package prefixes to the nnviz artifact that adapts them, for error messages. */
    private static final Map<String, String> ARTIFACTS = new LinkedHashMap<>();

    static {
        ARTIFACTS.put("org.deeplearning4j.", "io.nnviz:nnviz-backend-dl4j");
        ARTIFACTS.put("org.nd4j.", "io.nnviz:nnviz-backend-dl4j");
        ARTIFACTS.put("org.tensorflow.", "io.nnviz:nnviz-backend-tensorflow");
        ARTIFACTS.put("ai.djl.", "io.nnviz:nnviz-backend-djl");
    }

    private static volatile Backends defaults;

    private final List<BackendProvider> providers = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();

    private Backends() {
    }

    /** The providers visible to the api's own class loader, discovered once. */
    public static Backends defaults() {
        Backends b = defaults;
        if (b == null) {
            synchronized (Backends.class) {
                b = defaults;
                if (b == null) {
                    b = discover(Backends.class.getClassLoader());
                    defaults = b;
                }
            }
        }
        return b;
    }

    /** The providers visible to {@code loader}; a provider that fails to load is skipped and reported. */
    public static Backends discover(ClassLoader loader) {
        Backends b = new Backends();
        Services.Found<BackendProvider> found = Services.load(BackendProvider.class, List.of(loader));
        found.services().forEach(b::add);
        b.problems.addAll(found.problems());
        if (b.providers.isEmpty()) {
            LOG.debug("no nnviz backend found on the class path; add io.nnviz:nnviz-backend-dl4j, "
                    + "-tensorflow or -djl");
        }
        return b;
    }

    /** Exactly the given providers, nothing discovered. */
    public static Backends of(BackendProvider... providers) {
        Backends b = new Backends();
        for (BackendProvider p : providers) {
            b.add(p);
        }
        return b;
    }

    /**
     * Adds a provider by hand, for class loaders {@link java.util.ServiceLoader} cannot see into. A provider
     * with the name of one already present replaces it.
     */
    public Backends register(BackendProvider provider) {
        add(provider);
        return this;
    }

    private synchronized void add(BackendProvider p) {
        Objects.requireNonNull(p, "provider");
        String name = Objects.requireNonNull(p.name(), "provider name of " + p.getClass().getName());
        providers.removeIf(q -> q.name().equals(name));
        providers.add(p);
    }

    /** The providers, in choice order (priority, then name). */
    public List<BackendProvider> providers() {
        List<BackendProvider> l = new ArrayList<>(providers);
        l.sort(ORDER);
        return Collections.unmodifiableList(l);
    }

    /** Why providers were skipped during discovery; empty if none was. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** The provider that opens {@code nativeModel}. */
    public BackendProvider forObject(Object nativeModel) {
        Objects.requireNonNull(nativeModel, "nativeModel");
        return choose(p -> p.supports(nativeModel), () -> describe(nativeModel), "open",
                artifactFor(nativeModel.getClass()));
    }

    /** The provider that reads {@code path}. */
    public BackendProvider forPath(Path path) {
        Objects.requireNonNull(path, "path");
        if (!Files.exists(path)) {
            throw new ModelLoadException(path, "no such file or directory");
        }
        FileGate.Recognition r = FileGate.recognize(path);
        try {
            return choose(p -> p.canLoad(path), () -> "the model file " + path, "read", r.format() == null ? null : r.format().artifact());
        } catch (NoBackendException e) {
            // no backend takes it and none could: a format nnviz knows but does not read yet, or none it knows
            String forced = System.getProperty(BACKEND_PROPERTY);
            if ((forced == null || forced.isBlank()) && (r.format() == null || r.format().backend() == null)) {
                throw new ModelLoadException(path, r.line());
            }
            throw e;
        }
    }

    /** The provider that attaches hooks to {@code trainingTarget}. */
    public BackendProvider forTrainingTarget(Object trainingTarget) {
        Objects.requireNonNull(trainingTarget, "trainingTarget");
        return choose(p -> p.canAttach(trainingTarget), () -> describe(trainingTarget), "attach hooks to",
                artifactFor(trainingTarget.getClass()));
    }

    /** Opens a framework object with the chosen provider. */
    public ModelView inspect(Object nativeModel) {
        return forObject(nativeModel).open(nativeModel);
    }

    /** Opens a saved model with the chosen provider. */
    public ModelView load(Path path) {
        BackendProvider p = forPath(path);
        return guarded(path, () -> p.load(path));
    }

    /** Opens a saved model with the chosen provider and options (input shapes). */
    public ModelView load(Path path, LoadOptions options) {
        BackendProvider p = forPath(path);
        if (Objects.requireNonNull(options, "options").isolation() != null) {
            IsolatedLoad.probe(path, options); // throws if the file harms the JVM that opens it
        }
        return guarded(path, () -> p.load(path, options.inProcess()));
    }

    /**
     * A load whose heap or stack ran out is the file's doing (a reader walked past every check):
     * the caller gets nnviz's exception, as for any file refused, and not an Error that usually ends
     * an application. Unwound, what the load had allocated is unreachable again.
     */
    private static ModelView guarded(Path path, Supplier<ModelView> load) {
        try {
            return load.get();
        } catch (OutOfMemoryError e) {
            throw new ModelTooLargeException(path, e);
        } catch (StackOverflowError e) {
            throw new ModelLoadException(path, "it nests too deeply to be read (the stack ran out)", e);
        }
    }

    /** Attaches hooks with the chosen provider. */
    public Attachment attach(Object trainingTarget, List<Hook> hooks) {
        return forTrainingTarget(trainingTarget).attach(trainingTarget, List.copyOf(hooks));
    }

    private BackendProvider choose(Predicate<BackendProvider> fits, Supplier<String> what,
                                   String verb, String artifact) {
        List<BackendProvider> all = providers();
        String forced = System.getProperty(BACKEND_PROPERTY);
        if (forced != null && !forced.isBlank()) {
            BackendProvider p = all.stream().filter(q -> q.name().equals(forced.trim())).findFirst()
                    .orElseThrow(() -> new NoBackendException("-D" + BACKEND_PROPERTY + "=" + forced
                            + " names no installed backend; installed: " + names(all)));
            if (!safeTest(fits, p)) {
                throw new NoBackendException("-D" + BACKEND_PROPERTY + "=" + forced + " chose backend '"
                        + p.name() + "', which cannot " + verb + " " + what.get());
            }
            return p;
        }
        List<BackendProvider> fitting = all.stream().filter(p -> safeTest(fits, p)).collect(Collectors.toList());
        if (fitting.isEmpty()) {
            StringBuilder msg = new StringBuilder("no nnviz backend can ").append(verb).append(' ')
                    .append(what.get()).append(". ");
            if (artifact != null) {
                msg.append("Add the dependency ").append(artifact).append(" to your build");
            } else {
                msg.append("Add the nnviz backend for its framework (io.nnviz:nnviz-backend-dl4j, "
                        + "-tensorflow or -djl) to your build");
            }
            msg.append("; installed backends: ").append(names(all)).append('.');
            if (!problems.isEmpty()) {
                msg.append(" Skipped at discovery: ").append(String.join("; ", problems)).append('.');
            }
            throw new NoBackendException(msg.toString());
        }
        BackendProvider chosen = fitting.get(0);
        if (fitting.size() > 1) {
            LOG.info("several nnviz backends can {} {}: {}; using '{}' (set -D{}=NAME to choose)", verb,
                    what.get(), names(fitting), chosen.name(), BACKEND_PROPERTY);
        }
        return chosen;
    }

    private static boolean safeTest(Predicate<BackendProvider> fits, BackendProvider p) {
        try {
            return fits.test(p);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("nnviz backend '{}' failed while checking support: {}", p.name(), e.toString());
            return false;
        }
    }

    private static String names(List<BackendProvider> ps) {
        return ps.isEmpty() ? "none" : ps.stream().map(BackendProvider::name).collect(Collectors.joining(", "));
    }

    private static String describe(Object o) {
        return "an object of class " + o.getClass().getName();
    }

    /** The nnviz artifact for a framework class, judged from it and its supertypes; null if unknown. */
    static String artifactFor(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            String a = artifactForName(k.getName());
            if (a != null) {
                return a;
            }
            for (Class<?> i : k.getInterfaces()) {
                a = artifactForName(i.getName());
                if (a != null) {
                    return a;
                }
            }
        }
        return null;
    }

    private static String artifactForName(String className) {
        for (Map.Entry<String, String> e : ARTIFACTS.entrySet()) {
            if (className.startsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return null;
    }
}
