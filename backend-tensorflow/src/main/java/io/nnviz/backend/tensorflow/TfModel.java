package io.nnviz.backend.tensorflow;

import io.nnviz.api.BackendException;
import io.nnviz.api.Capability;
import io.nnviz.api.Edge;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerGradient;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TNumber;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A TensorFlow graph and session seen as an nnviz model: layers recognised from the ops (see
 * {@link TfDescriber}), weights read from the session, activations fetched in one run, and input
 * and layer gradients through TensorFlow's own gradients API.
 *
 * <p>Layouts are converted at the boundary: image inputs and activations NHWC to NCHW, Conv2D
 * kernels HWIO to OIHW, MatMul kernels {@code [in, out]} to {@code [out, in]}. Gradients are of
 * the output's pre-activation unit {@code target} (the logit, when the output op is a softmax),
 * summed over the batch; the first gradient request adds a small subgraph under {@code nnviz/} to
 * the graph, once.
 */
public final class TfModel extends AbstractModel {
    private final Graph graph;
    private final Session session;
    private final GraphOperation inputOp, outputOp;
    /** What gradients differentiate ({@link #doScores} gives it). */
    private final TfScore score;
    private final Map<String, TfLayer> groups;
    private final AutoCloseable owned;
    private Gradients gradients;
    /** For a copy with other weights: the model whose graph, session and gradient ops it shares; else null. */
    private final TfModel base;
    /** The weights' feeds of such a copy ({@link TfShuffledWeights}); empty for a model of its own. */
    private final Map<Output<?>, org.tensorflow.Tensor> overrides;

    private TfModel(String name, List<LayerInfo> layers, List<Edge> edges, List<io.nnviz.api.Group> scopes, Map<String, String> props,
                    Graph graph, Session session, GraphOperation inputOp, GraphOperation outputOp, Map<String, TfLayer> groups,
                    AutoCloseable owned) {
        this(name, layers, edges, scopes, props, graph, session, inputOp, outputOp, groups, owned, null, Map.of());
    }

    private TfModel(String name, List<LayerInfo> layers, List<Edge> edges, List<io.nnviz.api.Group> scopes, Map<String, String> props,
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
        this.score = TfScore.of(outputOp);
        this.groups = groups;
        this.owned = owned;
    }

    /** Opens a graph; {@code owned} (may be null) is closed with the model, e.g. a loaded SavedModel. */
    static TfModel open(String name, TfGraph g, AutoCloseable owned) {
        TfDescriber.Description d = TfDescriber.describe(g);
        return new TfModel(name, d.layers(), d.edges(), d.scopes(), d.properties(), g.graph(), g.session(), d.input(), d.output(),
                d.groups(), owned);
    }

    /**
     * The same graph and session run with the listed layers' weights fed shuffled: nothing of
     * the graph, its variables or this model changes, and the copy shares this model's gradient
     * ops, so it must be closed before this model is.
     */
    @Override
    protected io.nnviz.api.ModelView doWithShuffledWeights(List<LayerInfo> layers, long seed) {
        Map<Output<?>, org.tensorflow.Tensor> feeds = new LinkedHashMap<>(overrides.size());
        Map<Output<?>, org.tensorflow.Tensor> fresh = TfShuffledWeights.of(this, layers, seed);
        TfModel root = base != null ? base : this;
        for (Map.Entry<Output<?>, org.tensorflow.Tensor> e : overrides.entrySet()) {
            if (!fresh.containsKey(e.getKey())) { // a copy of a copy keeps the weights already shuffled
                feeds.put(e.getKey(), e.getValue().dataType() == DataType.DT_DOUBLE ? TfTensors.doubles(TfTensors.copy(e.getValue())) : TfTensors.floats(TfTensors.copy(e.getValue())));
            }
        }
        feeds.putAll(fresh);
        return new TfModel(name() + " (shuffled " + layers.size() + " layers)", layers(), edges(), groups(), properties(),
                graph, session, inputOp, outputOp, groups, null, root, feeds);
    }

    /** A session runner with this model's weight feeds, if it has any. */
    private Session.Runner runner() {
        Session.Runner r = session.runner();
        overrides.forEach(r::feed);
        return r;
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

    private Output<?> inputEcho;

    /**
     * An Identity of the input placeholder, added to the graph once under {@code nnviz/}: TensorFlow
     * refuses to fetch a tensor that is also fed, so the training hook fetches the batch through it.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    synchronized Output<?> inputEcho() {
        if (inputEcho == null) {
            inputEcho = Ops.create(graph).withSubScope("nnviz").withName("input_echo").identity((Operand) inputOp.output(0)).asOutput();
        }
        return inputEcho;
    }

    /** A fetch of an output cut to its first samples in graph, and whether TensorFlow also made it NCHW. */
    record SampledFetch(Output<?> output, boolean nchw) {
    }

    /** The sampled fetches made so far, by sample count and output (guarded by this model). */
    private final Map<Integer, Map<Output<?>, SampledFetch>> sampled = new java.util.HashMap<>();

    /**
     * The first {@code samples} entries of {@code o} along the batch axis, cut by TensorFlow in the
     * run that computes {@code o} (a StridedSlice, then a Transpose to NCHW where the output is
     * rank 4), so that a training step's sampled activations cost a few small tensors instead of
     * whole batches held back from TensorFlow's allocator and copied out. The ops are added under
     * {@code nnviz/} once per output and sample count.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    synchronized SampledFetch sampled(Output<?> o, int samples) {
        Map<Output<?>, SampledFetch> forCount = sampled.computeIfAbsent(samples, k -> new java.util.HashMap<>());
        SampledFetch f = forCount.get(o);
        if (f == null) {
            Ops tf = Ops.create(graph).withSubScope("nnviz").withSubScope("first_" + samples);
            Operand cut = tf.stridedSlice((Operand) o, tf.constant(new int[] {0}), tf.constant(new int[] {samples}), tf.constant(new int[] {1}));
            org.tensorflow.ndarray.Shape shape = o.shape();
            boolean nchw = !shape.isUnknown() && shape.numDimensions() == 4;
            if (nchw) {
                cut = tf.linalg.transpose(cut, tf.constant(new int[] {0, 3, 1, 2}));
            }
            f = new SampledFetch(cut.asOutput(), nchw);
            forCount.put(o, f);
        }
        return f;
    }

    /** Reads a {@link #sampled} fetch: already cut and in canonical layout where TensorFlow could make it so. */
    static Tensor canonical(org.tensorflow.Tensor t, SampledFetch f) {
        return f.nchw() ? TfTensors.copy(t) : TfTensors.canonical(t, 0);
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        return weightsOf(List.of(layer)).getOrDefault(layer.id(), List.of());
    }

    /** The weights of several layers, read in one session run. */
    Map<String, List<WeightTensor>> weightsOf(List<LayerInfo> layers) {
        ensureOpen();
        List<String> owners = new ArrayList<>();
        List<TfWeight> ws = new ArrayList<>();
        for (LayerInfo layer : layers) {
            for (TfWeight w : groups.get(layer.id()).weights) {
                if (!layer.weights().isEmpty() && layer.weights().stream().anyMatch(spec -> spec.name().equals(w.name()))) {
                    ws.add(w);
                    owners.add(layer.id());
                }
            }
        }
        Map<String, List<WeightTensor>> out = new LinkedHashMap<>();
        if (ws.isEmpty()) {
            return out;
        }
        // constants (frozen graphs, flattened SavedModels) are read from the graph itself: a session run
        // would first optimise and place the graph, hundreds of milliseconds the first time; variables,
        // whose values change while training, are read by running the session
        Tensor[] values = new Tensor[ws.size()];
        Session.Runner r = session.runner();
        List<Integer> fetched = new ArrayList<>();
        try {
            for (int i = 0; i < ws.size(); i++) {
                GraphOperation src = constantBehind(ws.get(i).source());
                org.tensorflow.Tensor fed = overrides.get(ws.get(i).source().output(0));
                if (fed != null) {
                    values[i] = TfTensors.copy(fed);
                } else if (src != null) {
                    try (org.tensorflow.Tensor t = src.attributes().getAttrTensor("value")) {
                        values[i] = TfTensors.copy(t);
                    }
                } else {
                    r.fetch(ws.get(i).source().output(0));
                    fetched.add(i);
                }
            }
            if (!fetched.isEmpty()) {
                try (Result res = r.run()) {
                    for (int k = 0; k < fetched.size(); k++) {
                        values[fetched.get(k)] = TfTensors.copy(res.get(k));
                    }
                }
            }
        } catch (RuntimeException e) {
            throw new BackendException("TensorFlow could not read the weights of " + owners + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < ws.size(); i++) {
            TfWeight w = ws.get(i);
            out.computeIfAbsent(owners.get(i), k -> new ArrayList<>())
                    .add(WeightTensor.of(owners.get(i), w.name(), w.role(), w.toCanonical().apply(values[i])));
        }
        return out;
    }

    /** The Const op a weight's source is, or passes on through identities; null for anything else (a variable). */
    private static GraphOperation constantBehind(GraphOperation op) {
        for (int hops = 0; op != null && hops < 8; hops++) {
            if (op.type().equals("Const")) {
                return op;
            }
            if (!op.type().equals("Identity") || op.numInputs() != 1) {
                return null;
            }
            op = (GraphOperation) op.input(0).op();
        }
        return null;
    }

    /** The input as the graph takes it: NCHW images to NHWC, in the placeholder's type. */
    org.tensorflow.Tensor feed(Tensor canonical) {
        Shape declared = layer(inputOp.name()).map(LayerInfo::outputShape).orElse(null);
        if (declared != null && !declared.isCompatibleWith(canonical.shape())) {
            throw new InvalidInputException("model '" + name() + "' expects input of shape " + declared + " but got "
                    + canonical.shape());
        }
        Tensor t = canonical.rank() == 4 ? canonical.permute(0, 2, 3, 1) : canonical;
        return inputOp.output(0).dataType() == DataType.DT_DOUBLE ? TfTensors.doubles(t) : TfTensors.floats(t);
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
        } catch (io.nnviz.api.NnvizException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidInputException("TensorFlow could not run model '" + name() + "' on input " + input.shape() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The gradient subgraph: a one-hot target placeholder, the score and d(score)/d(input and every layer output). */
    private final class Gradients {
        final Placeholder<?> target;
        final Map<String, Output<?>> byLayer = new LinkedHashMap<>();
        final int units;

        @SuppressWarnings({"unchecked", "rawtypes"})
        Gradients() {
            Output<?> logits = TfModel.this.score.output();
            org.tensorflow.ndarray.Shape ls = logits.shape();
            if (ls.isUnknown() || ls.numDimensions() < 2 || ls.size(ls.numDimensions() - 1) < 1) {
                throw new io.nnviz.api.UnsupportedCapabilityException(name(), Capability.INPUT_GRADIENT,
                        "the output '" + outputOp.name() + "' has no known number of units (shape " + ls + ")");
            }
            units = (int) ls.size(ls.numDimensions() - 1);
            Ops tf = Ops.create(graph).withSubScope("nnviz");
            Class type = logits.type();
            target = tf.withName("target").placeholder(type, Placeholder.shape(org.tensorflow.ndarray.Shape.of(units)));
            Operand prod = tf.math.mul((Operand) logits, (Operand) target);
            int rank = ls.numDimensions();
            int[] axes = new int[rank];
            for (int i = 0; i < rank; i++) {
                axes[i] = i;
            }
            Operand<?> score = tf.withName("score").reduceSum((Operand) prod, (Operand<? extends TNumber>) tf.constant(axes));
            java.util.Set<String> after = TfModel.this.score.after();
            List<String> ids = new ArrayList<>(groups.keySet());
            ids.removeIf(id -> after.contains(groups.get(id).output.op().name()));
            Output<?>[] xs = new Output<?>[ids.size()];
            for (int i = 0; i < ids.size(); i++) {
                xs[i] = groups.get(ids.get(i)).output;
            }
            TfGradients.register();
            Output<?>[] dx = graph.addGradients(score.asOutput(), xs);
            for (int i = 0; i < ids.size(); i++) {
                if (dx[i] != null) {
                    byLayer.put(ids.get(i), dx[i]);
                }
            }
        }
    }

    private synchronized Gradients gradients() {
        if (base != null) {
            return base.gradients(); // the ops are the graph's: build them once, under one name
        }
        if (gradients == null) {
            try {
                gradients = new Gradients();
            } catch (io.nnviz.api.NnvizException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new BackendException("TensorFlow could not build gradients for model '" + name() + "': " + e.getMessage(), e);
            }
        }
        return gradients;
    }

    /** Runs the gradient of unit {@code target} for the layers asked, returning [activation, gradient] pairs. */
    private Map<String, Tensor[]> runGradients(Tensor input, int target, List<String> ids) {
        Gradients g = gradients();
        if (target < 0 || target >= g.units) {
            throw new InvalidInputException("target " + target + " is not an output unit: the output has " + g.units
                    + " units (0.." + (g.units - 1) + ")");
        }
        float[] onehot = new float[g.units];
        onehot[target] = 1;
        Map<String, Tensor[]> out = new LinkedHashMap<>();
        try (org.tensorflow.Tensor x = feed(input);
             org.tensorflow.Tensor t = inputOp.output(0).dataType() == DataType.DT_DOUBLE
                     ? TfTensors.doubles(Tensor.of(onehot, g.units)) : TFloat32.vectorOf(onehot)) {
            Session.Runner r = runner().feed(inputOp.output(0), x).feed(g.target.asOutput(), t);
            List<String> fetched = new ArrayList<>();
            for (String id : ids) {
                Output<?> d = g.byLayer.get(id);
                if (d == null) {
                    throw new InvalidInputException("layer '" + id + "' of model '" + name() + "' has no gradient: it does not lead to the output");
                }
                r.fetch(d);
                fetched.add(id);
                if (!id.equals(inputOp.name())) {
                    r.fetch(groups.get(id).output);
                }
            }
            try (Result res = r.run()) {
                int k = 0;
                for (String id : fetched) {
                    Tensor grad = TfTensors.canonical(res.get(k++));
                    Tensor act = id.equals(inputOp.name()) ? input : TfTensors.canonical(res.get(k++));
                    out.put(id, new Tensor[] {act, grad});
                }
            }
        } catch (io.nnviz.api.NnvizException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidInputException("TensorFlow could not compute gradients of model '" + name() + "' on input "
                    + input.shape() + ": " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    protected Tensor doInputGradient(Tensor input, int target) {
        return runGradients(input, target, List.of(inputOp.name())).get(inputOp.name())[1];
    }

    @Override
    protected LayerGradient doLayerGradient(Tensor input, LayerInfo layer, int target) {
        Tensor[] ag = runGradients(input, target, List.of(layer.id())).get(layer.id());
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
