package io.nnviz.api.hook;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Chooses layers to capture: by name, kind or pattern.
 *
 * <pre>{@code
 * LayerSelector.kinds(LayerKind.CONV).or(LayerSelector.names("dense1"))
 * }</pre>
 */
@FunctionalInterface
public interface LayerSelector {
    /** True if the layer is selected. */
    boolean test(LayerInfo layer);

    /** Every layer. */
    static LayerSelector all() {
        return layer -> true;
    }

    /** No layer. */
    static LayerSelector none() {
        return layer -> false;
    }

    /** Layers of the given kinds. */
    static LayerSelector kinds(LayerKind first, LayerKind... rest) {
        Set<LayerKind> set = EnumSet.of(first, rest);
        return layer -> set.contains(layer.kind());
    }

    /** Layers whose id or name is one of {@code names}. */
    static LayerSelector names(String... names) {
        Set<String> set = Set.of(names);
        return layer -> set.contains(layer.id()) || set.contains(layer.name());
    }

    /** Layers whose id or name matches a regular expression in full. */
    static LayerSelector matching(String regex) {
        Pattern p = Pattern.compile(regex);
        return layer -> p.matcher(layer.id()).matches() || p.matcher(layer.name()).matches();
    }

    /** Layers selected by this or {@code other}. */
    default LayerSelector or(LayerSelector other) {
        Objects.requireNonNull(other, "other");
        return layer -> test(layer) || other.test(layer);
    }

    /** Layers selected by this and {@code other}. */
    default LayerSelector and(LayerSelector other) {
        Objects.requireNonNull(other, "other");
        return layer -> test(layer) && other.test(layer);
    }
}
