package io.nnviz.api.spi;

import io.nnviz.api.Capability;
import io.nnviz.api.Edge;
import io.nnviz.api.Group;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerGradient;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;
import io.nnviz.api.spi.ModelBuilder;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The model {@link ModelBuilder} builds. Not API: use {@link io.nnviz.api.ModelView}. */
final class HandBuiltModel extends AbstractModel {
    private final Map<String, List<WeightTensor>> weights;
    private final ModelBuilder.Forward forward;
    private final ModelBuilder.InputGradient inputGradient;

    /** Validates everything; see {@link ModelBuilder#build()}. */
    HandBuiltModel(String name, String framework, List<LayerInfo> layers, List<Edge> edges, List<Group> groups,
                          Map<String, List<WeightTensor>> weights, Map<String, String> properties,
                          ModelBuilder.Forward forward, ModelBuilder.InputGradient inputGradient) {
        super(name, framework, layers, edges, groups, properties, capabilities(layers, weights, forward, inputGradient));
        Map<String, LayerInfo> byId = new LinkedHashMap<>();
        layers.forEach(l -> byId.put(l.id(), l));
        for (Map.Entry<String, List<WeightTensor>> e : weights.entrySet()) {
            LayerInfo l = byId.get(e.getKey());
            if (l == null) {
                throw new InvalidInputException("model '" + name + "': weights given for unknown layer '" + e.getKey() + "'");
            }
            check(name, l, e.getValue());
        }
        this.weights = new LinkedHashMap<>(weights);
        this.forward = forward;
        this.inputGradient = inputGradient;
        Set<String> groupIds = new HashSet<>();
        groups.forEach(g -> groupIds.add(g.id()));
        for (Group g : groups) {
            if (g.parentId() != null && !groupIds.contains(g.parentId())) {
                throw new InvalidInputException("model '" + name + "': group '" + g.id() + "' names unknown parent '"
                        + g.parentId() + "'");
            }
            for (String id : g.layerIds()) {
                if (!byId.containsKey(id)) {
                    throw new InvalidInputException("model '" + name + "': group '" + g.id() + "' names unknown layer '" + id + "'");
                }
            }
        }
    }

    private static Set<Capability> capabilities(List<LayerInfo> layers, Map<String, List<WeightTensor>> weights,
                                                ModelBuilder.Forward forward, ModelBuilder.InputGradient grad) {
        Set<Capability> c = EnumSet.noneOf(Capability.class);
        boolean allWeights = layers.stream().allMatch(l -> l.weights().isEmpty() || weights.containsKey(l.id()));
        if (allWeights) {
            c.add(Capability.WEIGHTS);
        }
        if (forward != null) {
            c.add(Capability.ACTIVATIONS);
        }
        if (grad != null) {
            c.add(Capability.INPUT_GRADIENT);
        }
        return c;
    }

    private static void check(String model, LayerInfo layer, List<WeightTensor> values) {
        List<WeightSpec> specs = layer.weights();
        if (specs.size() != values.size()) {
            throw new InvalidInputException("model '" + model + "', layer '" + layer.id() + "': " + specs.size()
                    + " weights declared but " + values.size() + " given");
        }
        for (int i = 0; i < specs.size(); i++) {
            WeightSpec s = specs.get(i);
            WeightTensor v = values.get(i);
            if (!s.name().equals(v.name()) || s.role() != v.role() || !s.shape().equals(v.values().shape())) {
                throw new InvalidInputException("model '" + model + "', layer '" + layer.id() + "': weight " + i
                        + " is declared as " + s.name() + " " + s.role() + " " + s.shape() + " but given "
                        + v.name() + " " + v.role() + " " + v.values().shape());
            }
        }
    }

    @Override
    protected String unsupportedReason(Capability c) {
        return switch (c) {
            case WEIGHTS -> "no values were given with ModelBuilder.weights(...)";
            case ACTIVATIONS -> "no forward function was given with ModelBuilder.forward(...)";
            case INPUT_GRADIENT -> "no gradient function was given with ModelBuilder.inputGradient(...)";
            case LAYER_GRADIENT -> "hand-built models do not compute layer gradients";
            case WEIGHT_RANDOMIZATION -> "a hand-built model's functions cannot be given other weights";
        };
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        return weights.getOrDefault(layer.id(), List.of());
    }

    @Override
    protected Map<String, Tensor> doActivations(Tensor input, List<LayerInfo> layers) {
        checkInput(input, layers().stream().filter(l -> l.kind() == LayerKind.INPUT).findFirst().orElse(null));
        List<String> ids = new ArrayList<>(layers.size());
        layers.forEach(l -> ids.add(l.id()));
        Map<String, Tensor> result = forward.run(input, ids);
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (String id : ids) {
            Tensor t = result.get(id);
            if (t == null) {
                throw new InvalidInputException("model '" + name() + "': the forward function returned nothing for layer '" + id + "'");
            }
            ordered.put(id, t);
        }
        return ordered;
    }

    @Override
    protected Tensor doInputGradient(Tensor input, int target) {
        return inputGradient.run(input, target);
    }

    @Override
    protected LayerGradient doLayerGradient(Tensor input, LayerInfo layer, int target) {
        throw new UnsupportedOperationException();
    }
}
