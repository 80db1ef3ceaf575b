package io.nnviz.api.spi;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Finds the implementations of one of nnviz's service interfaces ({@link BackendProvider},
 * {@code RunStoreProvider}, {@code TextTokenizer}) with {@link ServiceLoader}, under one policy
 * for all of them:
 * <ul>
 *   <li>the interface's own class loader is searched, then the thread's context class loader when
 *       it is another one (an application server's or a plugin's); an implementation both see is
 *       taken once;</li>
 *   <li>an implementation that fails to load (a missing dependency, a broken
 *       {@code META-INF/services} line) is skipped, logged at WARN with the cause, and listed in
 *       {@link Found#problems()}: one broken jar never hides the others, and never throws;</li>
 *   <li>the order is the class path's; callers that choose among several say how
 *       ({@link Backends}: by name, then priority).</li>
 * </ul>
 * Thread-safe; nothing is cached here (callers that cache, as {@link Backends#defaults()}, say so).
 */
public final class Services {
    private static final Logger LOG = LoggerFactory.getLogger(Services.class);

    private Services() {
    }

    /** What was found: the implementations, and one line per implementation that failed to load. */
    public record Found<T>(List<T> services, List<String> problems) {
        public Found {
            services = List.copyOf(services);
            problems = List.copyOf(problems);
        }
    }

    /** The implementations of {@code service} its own class loader and the thread's context class loader see. */
    public static <T> Found<T> load(Class<T> service) {
        Set<ClassLoader> loaders = new LinkedHashSet<>();
        loaders.add(service.getClassLoader());
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) {
            loaders.add(context);
        }
        return load(service, List.copyOf(loaders));
    }

    /** The implementations of {@code service} that {@code loaders} see, in order, each class once. */
    public static <T> Found<T> load(Class<T> service, List<ClassLoader> loaders) {
        List<T> found = new ArrayList<>();
        Set<String> classes = new LinkedHashSet<>();
        List<String> problems = new ArrayList<>();
        for (ClassLoader loader : loaders) {
            Iterator<T> it = ServiceLoader.load(service, loader).iterator();
            while (true) {
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    T t = it.next();
                    if (classes.add(t.getClass().getName())) {
                        found.add(t);
                    }
                } catch (ServiceConfigurationError | LinkageError e) {
                    String msg = "nnviz skipped a " + service.getSimpleName() + " that failed to load (" + rootMessage(e) + ")";
                    if (!problems.contains(msg)) {
                        problems.add(msg);
                        LOG.warn(msg, e);
                    }
                }
            }
        }
        return new Found<>(found, Collections.unmodifiableList(problems));
    }

    /** The message of {@code e} and of its deepest cause, which names what was missing. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + t;
    }
}
