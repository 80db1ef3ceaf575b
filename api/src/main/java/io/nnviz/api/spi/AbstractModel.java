package io.nnviz.api.spi;

import io.nnviz.api.Capability;
import io.nnviz.api.Edge;
import io.nnviz.api.GradientPoints;
import io.nnviz.api.Group;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerGradient;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelClosedException;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;
import io.nnviz.api.WeightTensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A base for backend models: holds the structure (sorted topologically and validated once),
 * tracks closing, and checks arguments so each backend only writes the framework calls.
 * Subclasses implement the {@code do*} methods for the capabilities they declare.
 */
public abstract class AbstractModel implements ModelView {
    private final String name;
    private final String framework;
    private final List<LayerInfo> layers;
    private final List<Edge> edges;
    private final List<Group> groups;
    private final Map<String, String> properties;
    private final Set<Capability> capabilities;
    private final Map<String, LayerInfo> byId;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The longest layer id or name a model may have: real ones are far shorter, and hostile ones must not fill figures. */
    public static final int MAX_NAME_LENGTH = 65_536;

    /**
     * Validates the structure and sorts the layers topologically (stable: layers with no ordering
     * constraint keep the given order).
     *
     * @throws InvalidInputException on duplicate ids, edges naming unknown layers, or cycles
     */
    protected AbstractModel(String name, String framework, List<LayerInfo> layers, List<Edge> edges,
                            List<Group> groups, Map<String, String> properties, Set<Capability> capabilities) {
        this.name = name;
        this.framework = framework;
        Map<String, LayerInfo> ids = new LinkedHashMap<>();
        for (LayerInfo l : layers) {
            if (l.id().length() > MAX_NAME_LENGTH || l.name().length() > MAX_NAME_LENGTH) {
                throw new InvalidInputException("model " + Printable.name(name) + " has a layer named with "
                        + Math.max(l.id().length(), l.name().length()) + " characters (at most " + MAX_NAME_LENGTH + "): "
                        + Printable.name(l.id()));
            }
            if (ids.put(l.id(), l) != null) {
                throw new InvalidInputException("model '" + name + "' has two layers with id '" + l.id() + "'");
            }
        }
        for (Edge e : edges) {
            if (!ids.containsKey(e.from()) || !ids.containsKey(e.to())) {
                String missing = ids.containsKey(e.from()) ? e.to() : e.from();
                throw new InvalidInputException("model '" + name + "' has an edge " + e.from() + " -> " + e.to()
                        + " but no layer with id '" + missing + "'");
            }
        }
        this.layers = List.copyOf(topologicalOrder(name, layers, edges));
        this.edges = List.copyOf(edges);
        this.groups = List.copyOf(groups);
        this.properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
        this.capabilities = Set.copyOf(capabilities);
        this.byId = ids;
    }

    private static List<LayerInfo> topologicalOrder(String model, List<LayerInfo> layers, List<Edge> edges) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            index.put(layers.get(i).id(), i);
        }
        int n = layers.size();
        int[] indegree = new int[n];
        List<List<Integer>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new ArrayList<>(2));
        }
        boolean sorted = true;
        for (Edge e : edges) {
            int a = index.get(e.from()), b = index.get(e.to());
            out.get(a).add(b);
            indegree[b]++;
            sorted &= a < b;
        }
        if (sorted) {
            return layers;
        }
        // Kahn's algorithm; a priority queue on the original index keeps the order stable.
        PriorityQueue<Integer> ready = new PriorityQueue<>();
        for (int i = 0; i < n; i++) {
            if (indegree[i] == 0) {
                ready.add(i);
            }
        }
        List<LayerInfo> result = new ArrayList<>(n);
        while (!ready.isEmpty()) {
            int i = ready.poll();
            result.add(layers.get(i));
            for (int j : out.get(i)) {
                if (--indegree[j] == 0) {
                    ready.add(j);
                }
            }
        }
        if (result.size() < n) {
            for (int i = 0; i < n; i++) {
                if (indegree[i] > 0) {
                    throw new InvalidInputException("model '" + model + "' has a cycle through layer '"
                            + layers.get(i).id() + "'");
                }
            }
        }
        return result;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String framework() {
        return framework;
    }

    @Override
    public final List<LayerInfo> layers() {
        return layers;
    }

    @Override
    public final List<Edge> edges() {
        return edges;
    }

    @Override
    public final List<Group> groups() {
        return groups;
    }

    @Override
    public Map<String, String> properties() {
        return properties;
    }

    @Override
    public final Set<Capability> capabilities() {
        return capabilities;
    }

    @Override
    public final Optional<LayerInfo> layer(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The layer with the given id, or an {@link InvalidInputException} naming it and the model. */
    protected final LayerInfo requireLayer(String id) {
        LayerInfo l = byId.get(id);
        if (l == null) {
            throw new InvalidInputException("model '" + name + "' has no layer with id '" + id + "'");
        }
        return l;
    }

    /** Throws {@link ModelClosedException} after {@link #close()}, or once the framework's own model is gone ({@link #released}). */
    protected final void ensureOpen() {
        if (closed.get() || released()) {
            throw new ModelClosedException(name);
        }
    }

    /**
     * True once the framework's model this view reads was closed by its owner (a DJL {@code Model}
     * closed by the application): the view is as closed as after {@link #close()}. False by default.
     */
    protected boolean released() {
        return false;
    }

    private void require(Capability c) {
        ensureOpen();
        if (!capabilities.contains(c)) {
            throw new UnsupportedCapabilityException(name, c, unsupportedReason(c));
        }
    }

    /** Why a capability is missing, for the exception message; override to say more. */
    protected String unsupportedReason(Capability c) {
        return "the " + framework + " backend cannot compute it for this model";
    }

    /**
     * Checks that an input tensor fits the first input layer's declared shape (ignoring unknown
     * dimensions), so a wrong shape fails with a clear message before reaching native code.
     */
    protected void checkInput(Tensor input, LayerInfo inputLayer) {
        if (inputLayer == null || inputLayer.outputShape() == null) {
            return;
        }
        if (!inputLayer.outputShape().isCompatibleWith(input.shape())) {
            throw new InvalidInputException("model '" + name + "' expects input of shape "
                    + inputLayer.outputShape() + " (layer '" + inputLayer.name() + "') but got " + input.shape());
        }
    }

    @Override
    public final List<WeightTensor> weights(String layerId) {
        require(Capability.WEIGHTS);
        return doWeights(requireLayer(layerId));
    }

    @Override
    public final Map<String, Tensor> activations(Tensor input, Collection<String> layerIds) {
        require(Capability.ACTIVATIONS);
        Objects.requireNonNull(input, "input");
        List<LayerInfo> wanted = new ArrayList<>(layerIds.size());
        for (String id : layerIds) {
            wanted.add(requireLayer(id));
        }
        return doActivations(input, wanted);
    }

    @Override
    public final Map<String, Tensor> activations(Map<String, Tensor> inputs, Collection<String> layerIds) {
        require(Capability.ACTIVATIONS);
        Objects.requireNonNull(inputs, "inputs");
        List<LayerInfo> wanted = new ArrayList<>(layerIds.size());
        for (String id : layerIds) {
            wanted.add(requireLayer(id));
        }
        if (inputs.size() == 1) {
            return doActivations(inputs.values().iterator().next(), wanted);
        }
        return doActivations(inputs, wanted);
    }

    @Override
    public final Tensor scores(Tensor input) {
        require(Capability.ACTIVATIONS);
        Objects.requireNonNull(input, "input");
        return doScores(input);
    }

    /** The scores gradients differentiate; by default the last layer's output. */
    protected Tensor doScores(Tensor input) {
        LayerInfo last = layers.get(layers.size() - 1);
        return doActivations(input, List.of(last)).get(last.id());
    }

    @Override
    public final Tensor inputGradient(Tensor input, int target) {
        require(Capability.INPUT_GRADIENT);
        Objects.requireNonNull(input, "input");
        return doInputGradient(input, target);
    }

    @Override
    public final Tensor inputGradientSum(GradientPoints points, int target) {
        require(Capability.INPUT_GRADIENT);
        Objects.requireNonNull(points, "points");
        return doInputGradientSum(points, target);
    }

    /** {@link #inputGradientSum}: by default in Java, from {@link #doInputGradient} one batch at a time. */
    protected Tensor doInputGradientSum(GradientPoints points, int target) {
        return points.sumInJava(this, target);
    }

    @Override
    public final LayerGradient layerGradient(Tensor input, String layerId, int target) {
        require(Capability.LAYER_GRADIENT);
        Objects.requireNonNull(input, "input");
        return doLayerGradient(input, requireLayer(layerId), target);
    }

    @Override
    public final Map<String, Tensor> attentionWeights(Map<String, Tensor> inputs) {
        ensureOpen();
        Objects.requireNonNull(inputs, "inputs");
        return doAttentionWeights(inputs);
    }

    /** Attention probabilities the model computes inside; by default none. */
    protected Map<String, Tensor> doAttentionWeights(Map<String, Tensor> inputs) {
        return Map.of();
    }

    @Override
    public final ModelView withShuffledWeights(Collection<String> layerIds, long seed) {
        require(Capability.WEIGHT_RANDOMIZATION);
        List<LayerInfo> wanted = new ArrayList<>(layerIds.size());
        for (String id : layerIds) {
            wanted.add(requireLayer(id));
        }
        return doWithShuffledWeights(wanted, seed);
    }

    /**
     * The randomised copy; called only when {@link Capability#WEIGHT_RANDOMIZATION} is declared.
     * Shuffle each tensor in the framework's own layout with {@link WeightShuffle}: a shuffle is a
     * shuffle in any layout.
     */
    protected ModelView doWithShuffledWeights(List<LayerInfo> layers, long seed) {
        throw new UnsupportedOperationException();
    }

    /** Values of a layer's weights; called only when {@link Capability#WEIGHTS} is declared. */
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        throw new UnsupportedOperationException();
    }

    /** Activations; called only when {@link Capability#ACTIVATIONS} is declared. */
    protected Map<String, Tensor> doActivations(Tensor input, List<LayerInfo> layers) {
        throw new UnsupportedOperationException();
    }

    /** Activations of a model with several inputs (by input layer id or name); models with one input need not override. */
    protected Map<String, Tensor> doActivations(Map<String, Tensor> inputs, List<LayerInfo> layers) {
        throw new UnsupportedCapabilityException(name, Capability.ACTIVATIONS,
                "it takes one input; " + inputs.size() + " were given: " + inputs.keySet());
    }

    /** Input gradient; called only when {@link Capability#INPUT_GRADIENT} is declared. */
    protected Tensor doInputGradient(Tensor input, int target) {
        throw new UnsupportedOperationException();
    }

    /** Layer gradient; called only when {@link Capability#LAYER_GRADIENT} is declared. */
    protected LayerGradient doLayerGradient(Tensor input, LayerInfo layer, int target) {
        throw new UnsupportedOperationException();
    }

    /** Frees backend resources; called once by {@link #close()}. */
    protected void doClose() {
    }

    /** True once closed. */
    protected final boolean isClosed() {
        return closed.get();
    }

    @Override
    public final void close() {
        if (closed.compareAndSet(false, true)) {
            doClose();
        }
    }

    @Override
    public String toString() {
        return framework + " model '" + name + "' (" + layers.size() + " layers, " + parameterCount() + " parameters)";
    }
}
