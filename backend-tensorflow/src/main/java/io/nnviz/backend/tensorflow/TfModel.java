package io.nnviz.backend.tensorflow;

import io.nnviz.api.BackendException;
import io.nnviz.api.Capability;
import io.nnviz.api.Edge;
import io.nnviz.api.Group;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerGradient;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TensorFlow graph and session seen as an nnviz model: the neutral {@link ModelView} over them,
 * delegating structure to {@link TfDescriber}, copies and layouts to {@link TfTensors} and
 * gradients to {@link TfGradients}.
 *
 * <p>Made by {@link #of(TfGraph)} and {@link #of(SavedModelBundle)} for live objects and by
 * {@link TfFiles#open} for files, all reached by users through {@code NNViz}. Layouts are
 * converted at the boundary: image inputs and activations NHWC to NCHW, Conv2D kernels HWIO to
 * OIHW, MatMul kernels {@code [in, out]} to {@code [out, in]}. Weights are read from the graph
 * (constants) or the session (variables); a layer's activations are fetched in one run.
 * Gradients are of unit {@code target} of the score (the logits when the output op is a softmax,
 * else the output itself: {@link TfGradients.Score}), summed over the batch; the first gradient
 * request adds a small subgraph to the graph, once ({@link TfGradients}). The graph and session
 * stay the caller's unless the model made them (from a file, or a flattened SavedModelBundle);
 * then closing the model closes them.
 */
public final class TfModel extends AbstractModel {
    private final Graph graph;
    private final Session session;
    private final GraphOperation inputOp, outputOp;
    /** What gradients differentiate ({@link #doScores} gives it). */
    private final TfGradients.Score score;
    private final Map<String, TfLayer> groups;
    private final AutoCloseable owned;
    private TfGradients gradients;
    /** For a copy with other weights: the model whose graph, session and gradient ops it shares; else null. */
    private final TfModel base;
    /** The weights' feeds of such a copy ({@link TfShuffledWeights}); empty for a model of its own. */
    private final Map<Output<?>, org.tensorflow.Tensor> overrides;
    /** The cuts a training step fetches, added to the graph when first asked for. */
    private final TfSampledFetches sampledFetches;

    private TfModel(String name, List<LayerInfo> layers, List<Edge> edges, List<Group> scopes, Map<String, String> props,
                    Graph graph, Session session, GraphOperation inputOp, GraphOperation outputOp, Map<String, TfLayer> groups,
                    AutoCloseable owned, TfModel base, Map<Output<?>, org.tensorflow.Tensor> overrides) {
        super(name, "TensorFlow", layers, edges, scopes, props, EnumSet.of(Capability.WEIGHTS, Capability.ACTIVATIONS,
                Capability.INPUT_GRADIENT, Capability.LAYER_GRADIENT, Capability.WEIGHT_RANDOMIZATION));
        this.base = base;
        this.overrides = overrides;
        this.graph = graph;
        this.session = session;
        this.inputOp = inputOp;
        this.outputOp = outputOp;
        this.score = TfGradients.Score.of(outputOp);
        this.groups = groups;
        this.owned = owned;
        this.sampledFetches = new TfSampledFetches(graph, inputOp);
    }

    /** A graph you built, with its input and output named; the graph and session stay yours. */
    static TfModel of(TfGraph g) {
        return of("TensorFlow graph", g, null);
    }

    /** A SavedModel TensorFlow loaded, through its default signature (see {@link TfFiles#fromBundle}); the bundle stays yours. */
    static TfModel of(SavedModelBundle b) {
        return TfFiles.fromBundle(b);
    }

    /** A graph named {@code name}; {@code owned} (may be null) is closed with the model, e.g. a graph nnviz imported. */
    static TfModel of(String name, TfGraph g, AutoCloseable owned) {
        TfDescriber.Description d = TfDescriber.describe(g);
        return new TfModel(name, d.layers(), d.edges(), d.scopes(), d.properties(), g.graph(), g.session(), d.input(), d.output(),
                d.groups(), owned, null, Map.of());
    }

    /**
     * The same graph and session run with the listed layers' weights fed shuffled: nothing of
     * the graph, its variables or this model changes, and the copy shares this model's gradient
     * ops, so it must be closed before this model is.
     */
    @Override
    protected ModelView doWithShuffledWeights(List<LayerInfo> layers, long seed) {
        Map<Output<?>, org.tensorflow.Tensor> feeds = new LinkedHashMap<>(overrides.size());
        Map<Output<?>, org.tensorflow.Tensor> fresh = TfShuffledWeights.of(this, layers, seed);
        TfModel root = base != null ? base : this;
        for (Map.Entry<Output<?>, org.tensorflow.Tensor> e : overrides.entrySet()) {
            if (!fresh.containsKey(e.getKey())) { // a copy of a copy keeps the weights already shuffled
                feeds.put(e.getKey(), TfTensors.of(TfTensors.copy(e.getValue()), e.getValue().dataType()));
            }
        }
        feeds.putAll(fresh);
        return new TfModel(name() + " (shuffled " + layers.size() + " layers)", layers(), edges(), groups(), properties(),
                graph, session, inputOp, outputOp, groups, null, root, feeds);
    }

    /** A session runner with this model's weight feeds, if it has any. */
    Session.Runner runner() {
        Session.Runner r = session.runner();
        overrides.forEach(r::feed);
        return r;
    }

    /** The value fed for a weight's output in this copy with other weights, or null (the graph's own). */
    org.tensorflow.Tensor fed(Output<?> weight) {
        return overrides.get(weight);
    }

    /** The graph. */
    public Graph graph() {
        return graph;
    }

    /** The session. */
    public Session session() {
        return session;
    }

    TfLayer group(String id) {
        return groups.get(id);
    }

    Map<String, TfLayer> layerGroups() {
        return groups;
    }

    GraphOperation inputOp() {
        return inputOp;
    }

    GraphOperation outputOp() {
        return outputOp;
    }

    TfGradients.Score score() {
        return score;
    }

    TfSampledFetches sampledFetches() {
        return sampledFetches;
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        ensureOpen();
        return TfTensors.weights(this, List.of(layer)).getOrDefault(layer.id(), List.of());
    }

    /** The input as the graph takes it (NCHW images to NHWC, in the placeholder's type), checked against its declared shape. */
    org.tensorflow.Tensor feed(Tensor canonical) {
        Shape declared = layer(inputOp.name()).map(LayerInfo::outputShape).orElse(null);
        if (declared != null && !declared.isCompatibleWith(canonical.shape())) {
            throw new InvalidInputException("model '" + name() + "' expects input of shape " + declared + " but got "
                    + canonical.shape());
        }
        return TfTensors.input(canonical, inputOp.output(0).dataType());
    }

    @Override
    protected Map<String, Tensor> doActivations(Tensor input, List<LayerInfo> layers) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        List<Output<?>> fetches = new ArrayList<>();
        Map<String, Integer> index = new LinkedHashMap<>();
        for (LayerInfo l : layers) {
            if (l.id().equals(inputOp.name())) {
                continue;
            }
            Output<?> o = groups.get(l.id()).output;
            int at = fetches.indexOf(o);
            if (at < 0) { // TensorFlow rejects the same fetch twice in one run
                fetches.add(o);
                at = fetches.size() - 1;
            }
            index.put(l.id(), at);
        }
        try (org.tensorflow.Tensor x = feed(input)) {
            if (fetches.isEmpty()) {
                for (LayerInfo l : layers) {
                    out.put(l.id(), input);
                }
                return out;
            }
            Session.Runner r = runner().feed(inputOp.output(0), x);
            fetches.forEach(r::fetch);
            try (Result res = r.run()) {
                for (LayerInfo l : layers) {
                    out.put(l.id(), l.id().equals(inputOp.name()) ? input : TfTensors.canonical(res.get(index.get(l.id()))));
                }
            }
        } catch (InvalidInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidInputException("TensorFlow could not run model '" + name() + "' on input " + input.shape() + ": "
                    + e.getMessage(), e);
        }
        return out;
    }

    @Override
    protected Tensor doScores(Tensor input) {
        try (org.tensorflow.Tensor x = feed(input);
             Result res = runner().feed(inputOp.output(0), x).fetch(score.output()).run()) {
            return TfTensors.canonical(res.get(0));
        } catch (NnvizException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidInputException("TensorFlow could not run model '" + name() + "' on input " + input.shape() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The gradient subgraph, built on first use; a copy with other weights uses its base's (the ops are the graph's: one set, one name). */
    private synchronized TfGradients gradients() {
        if (base != null) {
            return base.gradients();
        }
        if (gradients == null) {
            gradients = TfGradients.build(this);
        }
        return gradients;
    }

    @Override
    protected Tensor doInputGradient(Tensor input, int target) {
        return gradients().run(this, input, target, List.of(inputOp.name())).get(inputOp.name())[1];
    }

    @Override
    protected LayerGradient doLayerGradient(Tensor input, LayerInfo layer, int target) {
        Tensor[] ag = gradients().run(this, input, target, List.of(layer.id())).get(layer.id());
        return new LayerGradient(layer.id(), target, ag[0], ag[1]);
    }

    @Override
    protected void doClose() {
        overrides.values().forEach(org.tensorflow.Tensor::close);
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new BackendException("closing model '" + name() + "' failed: " + e.getMessage(), e);
            }
        }
    }
}
