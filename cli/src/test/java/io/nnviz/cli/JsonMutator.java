package io.nnviz.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Edits of a model's JSON configuration (Keras's {@code model_config}, DL4J's
 * {@code configuration.json}) that keep it valid JSON, so the edit reaches the model reader
 * instead of stopping at the JSON parser: a number set to a value that breaks arithmetic, a
 * value of the wrong type, a key dropped or renamed, a layer class swapped, an array emptied or
 * doubled, a subtree copied elsewhere, nesting deep enough to exhaust a recursive reader. Written
 * back compact or pretty-printed.
 */
final class JsonMutator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String[] CLASSES = {"Lambda", "TFOpLambda", "Functional", "Sequential", "Model", "InputLayer", "Conv2D",
            "Dense", "NoSuchLayer", "", "org.deeplearning4j.nn.conf.layers.NoSuchLayer", "java.lang.Runtime"};

    /** The new JSON text and what was done. */
    record Edit(String json, String what) {
    }

    private record Site(JsonNode parent, String key, int index, JsonNode node) {
    }

    private JsonMutator() {
    }

    /** One edit of {@code json}, written pretty-printed if {@code pretty}; null if it is not JSON. */
    static Edit mutate(String json, boolean pretty, Random r) {
        JsonNode root;
        try {
            root = JSON.readTree(json.strip());
        } catch (Exception e) {
            return null;
        }
        if (root == null || !root.isContainerNode()) {
            return null;
        }
        List<Site> sites = new ArrayList<>();
        collect(null, null, -1, root, sites);
        List<Site> kids = sites.subList(1, sites.size());
        if (kids.isEmpty()) {
            return null;
        }
        Site s = kids.get(r.nextInt(kids.size()));
        String what;
        switch (r.nextInt(8)) {
            case 0, 1 -> { // numbers are shapes, units, strides, rates: where arithmetic breaks
                List<Site> numbers = kids.stream().filter(x -> x.node().isNumber()).toList();
                s = numbers.isEmpty() ? s : numbers.get(r.nextInt(numbers.size()));
                JsonNode to = switch (r.nextInt(6)) {
                    case 0 -> NODES.numberNode(-1);
                    case 1 -> NODES.numberNode(0);
                    case 2 -> NODES.numberNode(Mutations.INTERESTING[r.nextInt(Mutations.INTERESTING.length)]);
                    case 3 -> NODES.numberNode(1e308);
                    case 4 -> NODES.numberNode(new java.math.BigInteger("123456789012345678901234567890"));
                    default -> NODES.numberNode(r.nextInt(1000) + 0.5);
                };
                put(s, to);
                what = "number " + path(s) + " -> " + to;
            }
            case 2 -> {
                JsonNode to = switch (r.nextInt(6)) {
                    case 0 -> NODES.nullNode();
                    case 1 -> NODES.textNode(r.nextBoolean() ? "" : "../../../../etc/passwd\u001b[2J");
                    case 2 -> NODES.arrayNode();
                    case 3 -> NODES.objectNode();
                    case 4 -> NODES.booleanNode(true);
                    default -> NODES.numberNode(7);
                };
                put(s, to);
                what = "value " + path(s) + " -> " + to;
            }
            case 3 -> {
                List<Site> classes = kids.stream().filter(x -> "class_name".equals(x.key()) || "@class".equals(x.key())).toList();
                s = classes.isEmpty() ? s : classes.get(r.nextInt(classes.size()));
                String to = r.nextBoolean() || classes.isEmpty() ? CLASSES[r.nextInt(CLASSES.length)]
                        : classes.get(r.nextInt(classes.size())).node().asText();
                put(s, NODES.textNode(to));
                what = "class " + path(s) + " -> " + to;
            }
            case 4 -> {
                if (s.parent() instanceof ObjectNode o) {
                    o.remove(s.key());
                    if (r.nextBoolean()) {
                        o.set(s.key().isEmpty() ? "x" : s.key().substring(0, s.key().length() - 1), s.node());
                        what = "key " + path(s) + " renamed";
                    } else {
                        what = "key " + path(s) + " dropped";
                    }
                } else {
                    ((ArrayNode) s.parent()).remove(s.index());
                    what = "element " + path(s) + " dropped";
                }
            }
            case 5 -> {
                List<Site> arrays = kids.stream().filter(x -> x.node().isArray() && !x.node().isEmpty()).toList();
                s = arrays.isEmpty() ? s : arrays.get(r.nextInt(arrays.size()));
                if (s.node() instanceof ArrayNode a) {
                    if (r.nextBoolean()) {
                        a.removeAll();
                        what = "array " + path(s) + " emptied";
                    } else {
                        a.add(a.get(r.nextInt(a.size())).deepCopy());
                        what = "array " + path(s) + " element doubled";
                    }
                } else {
                    put(s, NODES.arrayNode());
                    what = "value " + path(s) + " -> []";
                }
            }
            case 6 -> {
                Site from = kids.get(r.nextInt(kids.size()));
                put(s, from.node().deepCopy());
                what = "value " + path(s) + " replaced by a copy of " + path(from);
            }
            default -> {
                JsonNode deep = NODES.numberNode(1);
                int depth = r.nextBoolean() ? 100 + r.nextInt(400) : 5_000 + r.nextInt(20_000);
                for (int i = 0; i < depth; i++) {
                    deep = r.nextBoolean() ? NODES.arrayNode().add(deep) : NODES.objectNode().set("a", deep);
                }
                put(s, deep);
                what = "value " + path(s) + " nested " + depth + " deep";
            }
        }
        try {
            String out = pretty ? JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) : JSON.writeValueAsString(root);
            return new Edit(out, what + (pretty ? " (pretty)" : " (compact)"));
        } catch (Exception | StackOverflowError e) { // Jackson's own nesting limit on writing: write it by hand
            return new Edit(deepText(root), what + " (compact, by hand)");
        }
    }

    private static void collect(JsonNode parent, String key, int index, JsonNode node, List<Site> out) {
        out.add(new Site(parent, key, index, node));
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                collect(node, e.getKey(), -1, e.getValue(), out);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collect(node, null, i, node.get(i), out);
            }
        }
    }

    private static void put(Site s, JsonNode to) {
        if (s.parent() instanceof ObjectNode o) {
            o.set(s.key(), to);
        } else {
            ((ArrayNode) s.parent()).set(s.index(), to);
        }
    }

    private static String path(Site s) {
        return s.key() != null ? s.key() : "[" + s.index() + "]";
    }

    /** JSON text of a tree too deep for Jackson's writer: iterative over the nesting, Jackson for the rest. */
    private static String deepText(JsonNode n) {
        StringBuilder sb = new StringBuilder();
        java.util.ArrayDeque<Object> stack = new java.util.ArrayDeque<>();
        stack.push(n);
        while (!stack.isEmpty()) {
            Object o = stack.pop();
            if (o instanceof String text) {
                sb.append(text);
            } else if (o instanceof ObjectNode obj) {
                sb.append('{');
                List<Object> parts = new ArrayList<>();
                boolean first = true;
                for (Map.Entry<String, JsonNode> e : obj.properties()) {
                    parts.add((first ? "" : ",") + NODES.textNode(e.getKey()) + ":");
                    parts.add(e.getValue());
                    first = false;
                }
                parts.add("}");
                for (int i = parts.size() - 1; i >= 0; i--) {
                    stack.push(parts.get(i));
                }
            } else if (o instanceof ArrayNode arr) {
                sb.append('[');
                List<Object> parts = new ArrayList<>();
                for (int i = 0; i < arr.size(); i++) {
                    if (i > 0) {
                        parts.add(",");
                    }
                    parts.add(arr.get(i));
                }
                parts.add("]");
                for (int i = parts.size() - 1; i >= 0; i--) {
                    stack.push(parts.get(i));
                }
            } else {
                sb.append(o.toString());
            }
        }
        return sb.toString();
    }
}
