package io.nnviz.backend.djl.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nnviz.backend.djl.torchscript.ModuleTree;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The structure of a safetensors file: its parameters (floating-point tensors that are not running
 * statistics or counters) as a module tree from their dotted names ({@link ModuleTree}), the rest
 * as buffers, and what a HuggingFace {@code config.json} beside the file says of the model (its
 * type, layers, heads and hidden size).
 */
final class SafetensorsDescriber {
    private static final Set<String> BUFFERS = Set.of("running_mean", "running_var", "num_batches_tracked");
    /** The keys of a HuggingFace config.json worth showing, in the order shown. */
    private static final List<String> CONFIG_KEYS = List.of("model_type", "architectures", "num_hidden_layers", "num_attention_heads",
            "hidden_size", "intermediate_size", "vocab_size", "torch_dtype");
    private static final long MAX_CONFIG_BYTES = 1 << 20;

    /** The parameters and the buffers, in the header's order. */
    record Split(List<SafetensorsTensors.Ref> parameters, List<SafetensorsTensors.Ref> buffers) {
    }

    private SafetensorsDescriber() {
    }

    static Split split(List<SafetensorsTensors.Ref> refs) {
        List<SafetensorsTensors.Ref> params = new ArrayList<>(), buffers = new ArrayList<>();
        for (SafetensorsTensors.Ref r : refs) {
            String leaf = r.name().substring(r.name().lastIndexOf('.') + 1);
            (BUFFERS.contains(leaf) || !SafetensorsTensors.floating(r.dtype()) ? buffers : params).add(r);
        }
        return new Split(params, buffers);
    }

    static ModuleTree.Tree tree(List<SafetensorsTensors.Ref> parameters, List<SafetensorsTensors.Ref> buffers) {
        List<ModuleTree.Param> ps = new ArrayList<>();
        parameters.forEach(r -> ps.add(new ModuleTree.Param(r.name(), r.shape())));
        Set<String> runningStats = new HashSet<>();
        for (SafetensorsTensors.Ref b : buffers) {
            if (b.name().endsWith(".running_mean")) {
                runningStats.add(b.name().substring(0, b.name().length() - ".running_mean".length()));
            }
        }
        return ModuleTree.read(ps, runningStats);
    }

    /** What the file's header metadata and a config.json beside it say, as model properties. */
    static Map<String, String> properties(Path path, JsonNode metadata, Split split) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("parameter tensors", String.valueOf(split.parameters().size()));
        p.put("buffers", split.buffers().size() + " (integer tensors, running statistics and counters; not parameters)");
        if (metadata != null && metadata.isObject()) {
            metadata.fields().forEachRemaining(e -> p.put("metadata " + e.getKey(), e.getValue().asText()));
        }
        Path config = path.resolveSibling("config.json");
        try {
            if (Files.isRegularFile(config) && Files.size(config) <= MAX_CONFIG_BYTES) {
                JsonNode c = new ObjectMapper().readTree(config.toFile());
                for (String k : CONFIG_KEYS) {
                    if (c != null && c.has(k)) {
                        JsonNode v = c.get(k);
                        p.put("config " + k, v.isTextual() ? v.asText() : v.toString());
                    }
                }
            }
        } catch (IOException e) {
            p.put("config", "config.json beside it is not readable JSON");
        }
        return p;
    }
}
