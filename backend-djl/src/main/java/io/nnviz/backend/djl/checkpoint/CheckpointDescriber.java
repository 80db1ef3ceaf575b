package io.nnviz.backend.djl.checkpoint;

import io.nnviz.backend.djl.torchscript.ModuleTree;
import io.nnviz.backend.djl.torchscript.PlainPickle.Call;
import io.nnviz.backend.djl.torchscript.PlainPickle.Global;
import io.nnviz.backend.djl.torchscript.PlainPickle.PersistentId;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What a checkpoint holds, read from its unpickled value without running anything: every tensor
 * with the dotted name its place gives it (a state_dict's keys, a pickled module's
 * {@code _parameters}, {@code _buffers} and {@code _modules}), which of them are the model's (a
 * bare state_dict, or the one under {@code state_dict}, {@code model}, {@code model_state_dict},
 * {@code net} or {@code module}; the rest, an optimizer's state, is listed, not counted), which of
 * those are parameters (floating point, not a running statistic or counter), and the module tree
 * their names make ({@link ModuleTree}).
 */
final class CheckpointDescriber {
    /** Keys under which training loops (Lightning, most scripts) keep the model's state_dict. */
    static final List<String> MODEL_KEYS = List.of("state_dict", "model_state_dict", "model", "net", "module");
    /** Buffers a module keeps beside its parameters: statistics and counters, not learned weights. */
    private static final Set<String> BUFFERS = Set.of("running_mean", "running_var", "num_batches_tracked");

    /** The model's parameters and buffers, and the other tensors the file holds, in the file's order. */
    record Contents(List<CheckpointTensors.Ref> parameters, List<CheckpointTensors.Ref> buffers, List<CheckpointTensors.Ref> others,
                    String modelKey) {
    }

    private CheckpointDescriber() {
    }

    static Contents contents(Object root, String storageFolder) {
        Map<String, CheckpointTensors.Ref> all = new LinkedHashMap<>();
        walk(root, "", all, storageFolder, Collections.newSetFromMap(new IdentityHashMap<>()));
        String modelKey = null;
        if (root instanceof Map<?, ?> m) {
            for (String k : MODEL_KEYS) {
                String prefix = k + ".";
                if (m.containsKey(k) && all.keySet().stream().anyMatch(n -> n.startsWith(prefix))) {
                    modelKey = k;
                    break;
                }
            }
        }
        List<CheckpointTensors.Ref> params = new ArrayList<>(), buffers = new ArrayList<>(), others = new ArrayList<>();
        for (CheckpointTensors.Ref r : all.values()) {
            if (modelKey != null && !r.name().startsWith(modelKey + ".")) {
                others.add(r);
                continue;
            }
            String name = modelKey == null ? r.name() : r.name().substring(modelKey.length() + 1);
            CheckpointTensors.Ref own = new CheckpointTensors.Ref(name, r.entry(), r.storageType(), r.offset(), r.shape(), r.strides());
            String leaf = name.substring(name.lastIndexOf('.') + 1);
            (BUFFERS.contains(leaf) || !CheckpointTensors.floating(r.storageType()) ? buffers : params).add(own);
        }
        return new Contents(params, buffers, others, modelKey);
    }

    /** The module tree of the parameters. */
    static ModuleTree.Tree tree(List<CheckpointTensors.Ref> parameters, List<CheckpointTensors.Ref> buffers) {
        List<ModuleTree.Param> ps = new ArrayList<>();
        parameters.forEach(r -> ps.add(new ModuleTree.Param(r.name(), r.shape())));
        Set<String> runningStats = new HashSet<>();
        for (CheckpointTensors.Ref b : buffers) {
            if (b.name().endsWith(".running_mean")) {
                runningStats.add(b.name().substring(0, b.name().length() - ".running_mean".length()));
            }
        }
        return ModuleTree.read(ps, runningStats);
    }

    private static void walk(Object v, String prefix, Map<String, CheckpointTensors.Ref> out, String folder, Set<Object> seen) {
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean || !seen.add(v)) {
            return;
        }
        CheckpointTensors.Ref t = tensor(v, prefix, folder);
        if (t != null) {
            out.putIfAbsent(prefix, t);
            return;
        }
        if (v instanceof Map<?, ?> m) {
            m.forEach((k, x) -> walk(x, join(prefix, String.valueOf(k)), out, folder, seen));
        } else if (v instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                walk(l.get(i), join(prefix, String.valueOf(i)), out, folder, seen);
            }
        } else if (v instanceof Object[] a) {
            for (int i = 0; i < a.length; i++) {
                walk(a[i], join(prefix, String.valueOf(i)), out, folder, seen);
            }
        } else if (v instanceof Call c && c.state() instanceof Map<?, ?> state) {
            // a pickled nn.Module: its tensors are in _parameters and _buffers, its children in _modules
            boolean module = state.containsKey("_parameters") || state.containsKey("_modules");
            if (module) {
                walk(state.get("_parameters"), prefix, out, folder, seen);
                walk(state.get("_buffers"), prefix, out, folder, seen);
                if (state.get("_modules") instanceof Map<?, ?> children) {
                    children.forEach((k, x) -> walk(x, join(prefix, String.valueOf(k)), out, folder, seen));
                }
            } else {
                walk(state, prefix, out, folder, seen);
            }
        }
    }

    private static String join(String prefix, String key) {
        return prefix.isEmpty() ? key : prefix + "." + key;
    }

    /** The tensor a rebuild call makes ({@code _rebuild_tensor_v2}, {@code _rebuild_parameter} around one), or null. */
    private static CheckpointTensors.Ref tensor(Object v, String name, String folder) {
        if (!(v instanceof Call c)) {
            return null;
        }
        if (c.name().equals("torch._utils._rebuild_parameter") && !c.args().isEmpty()) {
            return tensor(c.args().get(0), name, folder);
        }
        List<Object> a = c.args();
        if (a.size() < 4 || !(a.get(0) instanceof PersistentId id) || !(id.id() instanceof Object[] pid) || pid.length < 5
                || !(pid[1] instanceof Global type) || !(pid[2] instanceof String key) || !(a.get(1) instanceof Number offset)
                || !(a.get(2) instanceof Object[] shape) || !(a.get(3) instanceof Object[] strides)) {
            return null;
        }
        return new CheckpointTensors.Ref(name, folder + key, type.name(), offset.longValue(), longs(shape), longs(strides));
    }

    private static long[] longs(Object[] a) {
        long[] l = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            l[i] = ((Number) a[i]).longValue();
        }
        return l;
    }
}
