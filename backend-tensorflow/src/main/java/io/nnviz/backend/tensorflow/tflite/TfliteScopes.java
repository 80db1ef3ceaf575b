package io.nnviz.backend.tensorflow.tflite;

import io.nnviz.api.Group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups from TensorFlow name scopes ({@code model/block_3/conv/Conv2D} is in {@code model},
 * {@code model/block_3} and {@code model/block_3/conv}): a group for each scope that holds two
 * layers or more, nested as the scopes are, at most {@link TfliteDescriber#MAX_SCOPE_DEPTH} deep.
 */
final class TfliteScopes {
    private TfliteScopes() {
    }

    /**
     * Adds the groups of the layers' scopes ({@code scopeOf}: layer id to scope, "" for none) to
     * {@code groups}, and returns each grouped layer's innermost group.
     */
    static Map<String, String> groups(Map<String, String> scopeOf, List<Group> groups) {
        Map<String, Integer> count = new HashMap<>();
        for (String s : scopeOf.values()) {
            for (String prefix : prefixes(s)) {
                count.merge(prefix, 1, Integer::sum);
            }
        }
        Map<String, List<String>> members = new LinkedHashMap<>();
        Map<String, String> parents = new LinkedHashMap<>();
        Map<String, String> innermost = new HashMap<>();
        for (Map.Entry<String, String> e : scopeOf.entrySet()) {
            String parent = null;
            for (String prefix : prefixes(e.getValue())) {
                if (count.get(prefix) < 2) {
                    break;
                }
                members.computeIfAbsent(prefix, k -> new ArrayList<>());
                parents.putIfAbsent(prefix, parent);
                parent = prefix;
            }
            if (parent != null) {
                members.get(parent).add(e.getKey());
                innermost.put(e.getKey(), parent + "/");
            }
        }
        for (Map.Entry<String, List<String>> m : members.entrySet()) {
            String scope = m.getKey(), parent = parents.get(scope);
            // ids end in '/', as TensorFlow writes name scopes, so that none is also a layer's (a tensor's name)
            groups.add(new Group(scope + "/", scope.substring(scope.lastIndexOf('/') + 1), "name scope", parent == null ? null : parent + "/",
                    m.getValue()));
        }
        return innermost;
    }

    /** A scope's prefixes, outermost first: a/b/c gives a, a/b, a/b/c; at most the first MAX_SCOPE_DEPTH. */
    private static List<String> prefixes(String scope) {
        List<String> out = new ArrayList<>();
        if (scope.isEmpty()) {
            return out;
        }
        int from = 0;
        while (out.size() < TfliteDescriber.MAX_SCOPE_DEPTH) {
            int slash = scope.indexOf('/', from);
            if (slash < 0) {
                out.add(scope);
                break;
            }
            if (slash > from) {
                out.add(scope.substring(0, slash));
            }
            from = slash + 1;
        }
        return out;
    }
}
