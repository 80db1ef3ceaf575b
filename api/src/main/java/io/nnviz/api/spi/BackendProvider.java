package io.nnviz.api.spi;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelView;
import io.nnviz.api.NoBackendException;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.Hook;

import java.nio.file.Path;
import java.util.List;

/**
 * A backend: adapts one framework to nnviz. Registered with one line in
 * {@code META-INF/services/io.nnviz.api.spi.BackendProvider} and found with
 * {@link java.util.ServiceLoader} by {@link Backends}.
 *
 * <h2>Rules for implementers</h2>
 * <ul>
 *   <li>The constructor is cheap and must not load the framework: nnviz constructs every provider
 *       on the class path to ask what it supports. Load lazily on the first {@link #open}.</li>
 *   <li>{@link #supports(Object)} and {@link #canLoad(Path)} never throw and never load natives:
 *       check class names, and a file's name or its first bytes.</li>
 *   <li>Convert to canonical layouts (see {@link io.nnviz.api.Tensor}) and wrap framework
 *       throwables in {@link io.nnviz.api.NnvizException}s with a message a user can act on.</li>
 *   <li>Training hooks: implement the framework's own listener interface where it has one and
 *       route every callback through a {@link io.nnviz.api.hook.HookDispatcher}.</li>
 * </ul>
 */
public interface BackendProvider {

    /** Short unique name, matched by the {@code nnviz.backend} system property, e.g. {@code "dl4j"}. */
    String name();

    /** Higher wins when several providers fit the same object; ties go to the name. Default 0. */
    default int priority() {
        return 0;
    }

    /** True if {@link #open(Object)} can wrap this framework object. Must not throw. */
    boolean supports(Object nativeModel);

    /** Wraps a framework object as a neutral model. The user keeps owning the object. */
    ModelView open(Object nativeModel);

    /**
     * True if this provider can read the file or directory, judged without loading a framework:
     * from its name or its first bytes (today's backends differ; DL4J reads the bytes, TensorFlow
     * and DJL the names). Must not throw.
     */
    default boolean canLoad(Path path) {
        return false;
    }

    /** Opens a saved model. The returned model owns what it loaded; close it. */
    default ModelView load(Path path) {
        throw new NoBackendException("backend '" + name() + "' does not read model files");
    }

    /**
     * Opens a saved model with options (input shapes). Backends that take them override this; the
     * default opens the file as it is when nothing is given and refuses options it cannot honour.
     */
    default ModelView load(Path path, LoadOptions options) {
        if (options == null || options.isEmpty()) {
            return load(path);
        }
        throw new InvalidInputException("backend '" + name() + "' cannot open " + path + " with " + options);
    }

    /** True if {@link #attach} can hook into this training target (a network, a trainer). Must not throw. */
    default boolean canAttach(Object trainingTarget) {
        return false;
    }

    /** Attaches hooks to the framework's training loop until the returned attachment is closed. */
    default Attachment attach(Object trainingTarget, List<Hook> hooks) {
        throw new NoBackendException("backend '" + name() + "' has no training hooks");
    }
}
