package io.nnviz.backend.dl4j.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nnviz.api.Group;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.spi.Printable;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Keras model's configuration (an HDF5 file's {@code model_config}, an archive's
 * {@code config.json}) as one flat graph: every layer of the model and of the models nested in it
 * (Sequential, Functional, Model), with ids unique in the whole ({@code outer/inner} for nested
 * layers), its inputs in call order, the edges of every call, the nested models as groups, and each
 * layer's place in a Keras 3 weights file ({@code layers/<snake_case class>[_N]}, as Keras 3's
 * saving code names a container's layers). Both formats of a call are read: Keras 2's
 * {@code [[name, node, tensor, kwargs], ...]} and Keras 3's {@code {"args": [...], "kwargs": {...}}}
 * whose {@code __keras_tensor__}s carry a {@code keras_history}. Sequential models without an
 * InputLayer get the one Keras makes from the first layer's {@code batch_input_shape}. Layers come
 * out in topological order; a cycle, an unknown name, nesting deeper than {@value #MAX_NESTING} or
 * more than {@value #MAX_LAYERS} layers is one line.
 */
final class KerasConfig {
    static final int MAX_NESTING = 32, MAX_LAYERS = 100_000;
    private static final Set<String> MODELS = Set.of("Sequential", "Functional", "Model");
    private static final Pattern SNAKE_1 = Pattern.compile("(.)([A-Z][a-z]+)"), SNAKE_2 = Pattern.compile("([a-z])([A-Z])");

    /**
     * One layer.
     *
     * @param id        unique in the model: its name, prefixed by its enclosing models' ({@code outer/inner})
     * @param store     its group in a Keras 3 weights file ({@code layers/conv2d_1}, nested: {@code layers/functional/layers/dense})
     * @param top       the name of its top-level layer (itself, or the nested model holding it): its group in a Keras 2 file
     * @param trainable false when it or a model holding it is frozen
     */
    record Node(String id, String name, String className, JsonNode config, List<String> inputs, String groupId, String store,
                String top, boolean trainable) {
    }

    /** The whole model: layers in topological order, edges, groups; {@code className} of the outermost model. */
    record Graph(String name, String className, List<Node> nodes, List<String[]> edges, List<Group> groups) {
    }

    /** What a (nested) model shows its callers: the ids its inputs and outputs are. */
    private record Ends(List<String> inputs, List<String> outputs) {
    }

    private final Path path;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Node> byId = new HashMap<>();
    private final Map<String, List<String>> inputsOf = new HashMap<>();
    private final Set<List<String>> edges = new LinkedHashSet<>();
    private final List<Group> groups = new ArrayList<>();

    private KerasConfig(Path path) {
        this.path = path;
    }

    /** The graph of a model configuration ({@code {"class_name": ..., "config": ...}}). */
    static Graph read(Path path, JsonNode root) {
        KerasConfig c = new KerasConfig(path);
        String cls = root.path("class_name").asText("");
        if (!isModel(root)) {
            throw new ModelLoadException(path, "its model configuration is not a Sequential or Functional model (class_name "
                    + Printable.name(cls) + ")");
        }
        String name = root.path("config").path("name").asText(cls);
        c.model(root, "", null, "", null, true, 0);
        return new Graph(name, cls, c.sorted(), c.edges.stream().map(e -> new String[] {e.get(0), e.get(1)}).toList(), c.groups);
    }

    static boolean isModel(JsonNode layer) {
        JsonNode cfg = layer.path("config");
        return MODELS.contains(layer.path("class_name").asText()) || cfg.path("layers").isArray() && layer.has("class_name")
                || layer.path("class_name").asText().equals("Sequential") && cfg.isArray();
    }

    /** keras.src.utils.naming.to_snake_case: how Keras 3 names a layer's group in its weights file. */
    static String snake(String className) {
        String n = className.replaceAll("[^\\p{Alnum}_]+", "");
        n = SNAKE_1.matcher(n).replaceAll("$1_$2");
        return SNAKE_2.matcher(n).replaceAll("$1_$2").toLowerCase(Locale.ROOT);
    }

    /**
     * A model's layers, under {@code prefix} (ids) and {@code store} (weights group), in group {@code groupId};
     * {@code top} is the top-level layer holding it (null for the outermost model).
     */
    private Ends model(JsonNode m, String prefix, String groupId, String store, String top, boolean trainable, int depth) {
        if (depth > MAX_NESTING) {
            throw new ModelLoadException(path, "its models nest deeper than " + MAX_NESTING + " levels");
        }
        JsonNode cfg = m.path("config");
        boolean frozen = !trainable || !cfg.path("trainable").asBoolean(true);
        JsonNode layers = cfg.isArray() ? cfg : cfg.path("layers");
        if (!layers.isArray()) {
            throw new ModelLoadException(path, "its model " + Printable.name(prefix) + " has no list of layers");
        }
        boolean sequential = m.path("class_name").asText().equals("Sequential");
        return sequential ? sequential(layers, prefix, groupId, store, top, !frozen, depth)
                : functional(cfg, layers, prefix, groupId, store, top, !frozen, depth);
    }

    private String layerName(JsonNode l, int i) {
        String n = l.path("name").asText(l.path("config").path("name").asText(""));
        if (n.isEmpty()) {
            throw new ModelLoadException(path, "its layer " + i + " (" + Printable.name(l.path("class_name").asText()) + ") has no name");
        }
        return n;
    }

    private Ends sequential(JsonNode layers, String prefix, String groupId, String store, String top, boolean trainable, int depth) {
        Map<String, Integer> used = new HashMap<>();
        List<String> in = null, prev = null;
        for (int i = 0; i < layers.size(); i++) {
            JsonNode l = layers.get(i);
            String cls = l.path("class_name").asText("");
            if (i == 0 && !cls.equals("InputLayer") && !isModel(l)) {
                JsonNode shape = l.path("config").has("batch_input_shape") ? l.path("config").get("batch_input_shape")
                        : l.path("config").path("batch_shape");
                if (shape.isArray()) {
                    // Keras makes this InputLayer itself: named after the first layer
                    ObjectNode c = JsonNodeFactory.instance.objectNode();
                    c.set("batch_input_shape", shape);
                    String id = add(prefix, layerName(l, i) + "_input", "InputLayer", c, groupId, store + "layers/input_layer", top, trainable);
                    in = prev = List.of(id);
                }
            }
            Ends e = layer(l, i, prefix, groupId, store, top, trainable, depth, used, cls.equals("InputLayer"));
            if (prev != null) {
                for (String to : e.inputs()) {
                    for (String from : prev) {
                        edge(from, to);
                        inputsOf.get(to).add(from);
                    }
                }
            }
            if (in == null) {
                in = e.inputs();
            }
            prev = e.outputs();
        }
        if (in == null) {
            throw new ModelLoadException(path, "its model " + Printable.name(prefix) + " has no layers");
        }
        return new Ends(in, prev);
    }

    private Ends functional(JsonNode cfg, JsonNode layers, String prefix, String groupId, String store, String top, boolean trainable,
                            int depth) {
        Map<String, Integer> used = new HashMap<>();
        Map<String, Ends> byName = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            JsonNode l = layers.get(i);
            String name = layerName(l, i);
            if (byName.containsKey(name)) {
                throw new ModelLoadException(path, "its model " + Printable.name(prefix) + " has two layers named " + Printable.name(name));
            }
            byName.put(name, layer(l, i, prefix, groupId, store, top, trainable, depth, used, false));
        }
        for (int i = 0; i < layers.size(); i++) {
            JsonNode l = layers.get(i);
            Ends target = byName.get(layerName(l, i));
            boolean first = true;
            for (JsonNode call : l.path("inbound_nodes")) {
                List<String[]> tensors = new ArrayList<>();
                tensors(call, tensors, 0);
                for (int k = 0; k < tensors.size(); k++) {
                    String[] t = tensors.get(k);
                    Ends src = byName.get(t[0]);
                    if (src == null) {
                        throw new ModelLoadException(path, "its layer " + Printable.name(prefix + layerName(l, i)) + " is called on "
                                + Printable.name(t[0]) + ", which is no layer of its model");
                    }
                    String from = src.outputs().get(Math.min(index(t[1]), src.outputs().size() - 1));
                    String to = target.inputs().get(Math.min(k, target.inputs().size() - 1));
                    edge(from, to);
                    if (first) {
                        inputsOf.get(to).add(from);
                    }
                }
                first = false;
            }
        }
        return new Ends(ends(cfg.path("input_layers"), byName, true), ends(cfg.path("output_layers"), byName, false));
    }

    /** The layers a model's input_layers or output_layers name ({@code [[name, node, tensor], ...]} or, Keras 3 with one, {@code [name, node, tensor]}). */
    private List<String> ends(JsonNode list, Map<String, Ends> byName, boolean inputs) {
        List<String> out = new ArrayList<>();
        List<JsonNode> refs = new ArrayList<>();
        if (list.isArray() && !list.isEmpty() && list.get(0).isTextual()) {
            refs.add(list);
        } else {
            flatten(list, refs, 0);
        }
        for (JsonNode r : refs) {
            Ends e = byName.get(r.get(0).asText());
            if (e == null) {
                throw new ModelLoadException(path, "its model's " + (inputs ? "input" : "output") + " " + Printable.name(r.get(0).asText())
                        + " is no layer of it");
            }
            List<String> ids = inputs ? e.inputs() : e.outputs();
            out.add(ids.get(Math.min(r.size() > 2 ? index(r.get(2).asText()) : 0, ids.size() - 1)));
        }
        if (out.isEmpty()) {
            // no list given: the layers nothing feeds, or that feed nothing
            byName.values().forEach(e -> (inputs ? e.inputs() : e.outputs()).stream()
                    .filter(id -> inputs ? inputsOf.get(id).isEmpty() : edges.stream().noneMatch(x -> x.get(0).equals(id)))
                    .forEach(out::add));
        }
        return out.isEmpty() ? List.copyOf(byName.values().iterator().next().inputs()) : out;
    }

    private static void flatten(JsonNode n, List<JsonNode> out, int depth) {
        if (depth > 16 || !n.isArray()) {
            return;
        }
        if (!n.isEmpty() && n.get(0).isTextual()) {
            out.add(n);
            return;
        }
        n.forEach(x -> flatten(x, out, depth + 1));
    }

    private static int index(String s) {
        try {
            return Math.max(0, Integer.parseInt(s));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The tensors a call takes, in order: {layer, tensor index}. */
    private static void tensors(JsonNode call, List<String[]> out, int depth) {
        if (depth > 64) {
            return;
        }
        if (call.isObject()) {
            if (call.path("class_name").asText().equals("__keras_tensor__")) {
                JsonNode h = call.path("config").path("keras_history");
                if (h.isArray() && h.size() >= 1) {
                    out.add(new String[] {h.get(0).asText(), h.size() > 2 ? h.get(2).asText() : "0"});
                }
                return;
            }
            call.path("args").forEach(a -> tensors(a, out, depth + 1));
            call.path("kwargs").forEach(a -> tensors(a, out, depth + 1));
            return;
        }
        if (call.isArray()) {
            // Keras 2: [name, node, tensor, kwargs] or a list of those
            if (!call.isEmpty() && call.get(0).isTextual()) {
                out.add(new String[] {call.get(0).asText(), call.size() > 2 ? call.get(2).asText() : "0"});
                return;
            }
            call.forEach(a -> tensors(a, out, depth + 1));
        }
    }

    /** One entry of a model's layers: a layer, or a nested model (a group of its own). */
    private Ends layer(JsonNode l, int i, String prefix, String groupId, String store, String top, boolean trainable, int depth,
                       Map<String, Integer> used, boolean skipInStore) {
        String cls = l.path("class_name").asText("");
        String name = layerName(l, i);
        String place = store + "layers/" + slot(cls, used, skipInStore);
        String topName = top == null ? name : top;
        if (isModel(l)) {
            String id = prefix + name;
            groups.add(new Group(id, name, cls, groupId, new ArrayList<>()));
            int at = groups.size() - 1;
            Ends e = model(l, id + "/", id, place + "/", topName, trainable, depth + 1);
            Group g = groups.get(at);
            List<String> members = nodes.stream().filter(n -> id.equals(n.groupId())).map(Node::id).toList();
            groups.set(at, new Group(g.id(), g.name(), g.frameworkType(), g.parentId(), members));
            return e;
        }
        boolean t = trainable && l.path("config").path("trainable").asBoolean(true);
        String id = add(prefix, name, cls, l.path("config"), groupId, place, topName, t);
        return new Ends(List.of(id), List.of(id));
    }

    /** The layer's group name in a Keras 3 container: its class in snake case, numbered from the second on. */
    private static String slot(String cls, Map<String, Integer> used, boolean skip) {
        String n = snake(cls);
        if (skip) {
            return n;
        }
        Integer k = used.get(n);
        used.put(n, k == null ? 0 : k + 1);
        return k == null ? n : n + "_" + (k + 1);
    }

    private String add(String prefix, String name, String cls, JsonNode config, String groupId, String store, String top, boolean trainable) {
        if (nodes.size() >= MAX_LAYERS) {
            throw new ModelLoadException(path, "it has more than " + MAX_LAYERS + " layers");
        }
        String id = prefix + name;
        if (byId.containsKey(id)) {
            throw new ModelLoadException(path, "it has two layers named " + Printable.name(id));
        }
        List<String> inputs = new ArrayList<>();
        Node n = new Node(id, name, cls, config, inputs, groupId, store, top, trainable);
        nodes.add(n);
        byId.put(id, n);
        inputsOf.put(id, inputs);
        return id;
    }

    private void edge(String from, String to) {
        edges.add(List.of(from, to));
    }

    /** The layers in topological order (stable: Kahn's algorithm over the file's order); a cycle is one line. */
    private List<Node> sorted() {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            index.put(nodes.get(i).id(), i);
        }
        int[] indegree = new int[nodes.size()];
        List<List<Integer>> out = new ArrayList<>();
        nodes.forEach(n -> out.add(new ArrayList<>()));
        for (List<String> e : edges) {
            out.get(index.get(e.get(0))).add(index.get(e.get(1)));
            indegree[index.get(e.get(1))]++;
        }
        java.util.PriorityQueue<Integer> ready = new java.util.PriorityQueue<>();
        for (int i = 0; i < indegree.length; i++) {
            if (indegree[i] == 0) {
                ready.add(i);
            }
        }
        List<Node> sorted = new ArrayList<>();
        while (!ready.isEmpty()) {
            int i = ready.poll();
            sorted.add(nodes.get(i));
            for (int j : out.get(i)) {
                if (--indegree[j] == 0) {
                    ready.add(j);
                }
            }
        }
        if (sorted.size() < nodes.size()) {
            Deque<String> stuck = new ArrayDeque<>();
            for (int i = 0; i < indegree.length; i++) {
                if (indegree[i] > 0) {
                    stuck.add(nodes.get(i).id());
                }
            }
            throw new ModelLoadException(path, "its layers' inbound nodes make a cycle (through " + Printable.name(stuck.peekFirst()) + ")");
        }
        List<Node> frozen = new ArrayList<>();
        for (Node n : sorted) {
            frozen.add(new Node(n.id(), n.name(), n.className(), n.config(), List.copyOf(n.inputs()), n.groupId(), n.store(), n.top(),
                    n.trainable()));
        }
        return frozen;
    }
}
