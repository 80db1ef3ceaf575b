package io.nnviz.backend.dl4j;

import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.Hook;
import io.nnviz.testkit.ModelContractKit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The api's contract kit on a real DL4J network, with oracles that read DL4J directly and do
 * their own layout mapping (written apart from the backend's, so a mapping bug shows up as a
 * mismatch). Subclasses give a trained network, a fresh one for the hook tests, and data.
 */
@Tag("natives")
abstract class Dl4jContractBase extends ModelContractKit {
    private static final Map<Class<?>, org.deeplearning4j.nn.api.Model> TRAINED = new java.util.concurrent.ConcurrentHashMap<>();

    private final java.util.function.Supplier<org.deeplearning4j.nn.api.Model> factory;
    private final java.util.function.IntFunction<DataSet> batches;
    private final int trainSteps;

    /** A network made by {@code factory}, trained for {@code trainSteps} of {@code batches} once per test class. */
    protected Dl4jContractBase(java.util.function.Supplier<org.deeplearning4j.nn.api.Model> factory,
                               java.util.function.IntFunction<DataSet> batches, int trainSteps) {
        this.factory = factory;
        this.batches = batches;
        this.trainSteps = trainSteps;
    }

    static void fit(org.deeplearning4j.nn.api.Model net, DataSet batch) {
        if (net instanceof MultiLayerNetwork n) {
            n.fit(batch);
        } else {
            ((ComputationGraph) net).fit(batch);
        }
    }

    /** The trained network the model reads (shared by the tests of a class). */
    protected final org.deeplearning4j.nn.api.Model trained() {
        return TRAINED.computeIfAbsent(getClass(), c -> {
            org.deeplearning4j.nn.api.Model net = factory.get();
            for (int i = 0; i < trainSteps; i++) {
                fit(net, batches.apply(i));
            }
            return net;
        });
    }

    /** A new untrained network of the same configuration, for hook tests. */
    protected final org.deeplearning4j.nn.api.Model fresh() {
        return factory.get();
    }

    /** Training batch {@code i}. */
    protected final DataSet batch(int i) {
        return batches.apply(i);
    }

    /**
     * The canonical input as DL4J takes it, written independently of the backend: by default the
     * samples flattened to [N, features] (images as DL4J's iterators give them, or flat vectors).
     */
    protected INDArray toDl4j(Tensor canonicalInput) {
        int n = canonicalInput.shape().dim(0);
        return Nd4j.create(canonicalInput.toArray(), new long[] {n, canonicalInput.size() / n}, 'c');
    }

    /** Like {@link #toDl4j} in double precision, for canonical values {@code values}. */
    protected INDArray toDl4jDouble(Tensor canonicalShape, double[] values) {
        int n = canonicalShape.shape().dim(0);
        return Nd4j.create(values, new long[] {n, canonicalShape.size() / n}, org.nd4j.linalg.api.buffer.DataType.DOUBLE);
    }

    @Override
    protected ModelView openModel() {
        return NNViz.inspect(trained());
    }

    @Override
    protected long frameworkParameterCount() {
        return trained().numParams();
    }

    /** The DL4J layer behind a layer id (names are set explicitly in the test networks). */
    protected org.deeplearning4j.nn.api.Layer dl4jLayer(String id) {
        if (trained() instanceof MultiLayerNetwork n) {
            for (int i = 0; i < n.getnLayers(); i++) {
                if (id.equals(n.getLayerWiseConfigurations().getConf(i).getLayer().getLayerName())) {
                    return n.getLayer(i);
                }
            }
            throw new AssertionError("no DL4J layer named " + id);
        }
        return ((ComputationGraph) trained()).getLayer(id);
    }

    @Override
    protected WeightOracle frameworkWeights() {
        return (LayerInfo layer, WeightSpec spec, int[] idx) -> {
            String name = spec.name();
            String prefix = "";
            if (name.startsWith("forward ")) {
                prefix = "f";
                name = name.substring(8);
            } else if (name.startsWith("backward ")) {
                prefix = "b";
                name = name.substring(9);
            }
            String key = prefix + switch (name) {
                case "kernel", "input kernel", "embedding", "depthwise kernel" -> "W";
                case "recurrent kernel" -> "RW";
                case "pointwise kernel" -> "pW";
                case "bias" -> "b";
                case "running mean" -> "mean";
                case "running variance" -> "var";
                case "running log10 std" -> "log10stdev";
                default -> name;
            };
            INDArray p = dl4jLayer(layer.id()).getParam(key);
            if (idx.length == 1) {
                return p.getDouble((long) idx[0]);
            }
            boolean ffMatrix = idx.length == 2 && (spec.role() == WeightRole.KERNEL || spec.role() == WeightRole.INPUT_KERNEL
                    || spec.role() == WeightRole.RECURRENT_KERNEL);
            if (ffMatrix) {
                return p.getDouble(idx[1], idx[0]); // DL4J stores [in, out]; canonical is [out, in]
            }
            if (idx.length == 3 && p.rank() == 4) {
                return p.getDouble(idx[0], idx[1], idx[2], 0); // Conv1D kernel [O, I, k, 1]
            }
            long[] l = new long[idx.length];
            for (int i = 0; i < l.length; i++) {
                l[i] = idx[i];
            }
            return p.getDouble(l);
        };
    }

    /** DL4J's own activations for an input, keyed by layer id (input included). */
    protected Map<String, INDArray> dl4jActivations(Tensor input) {
        INDArray x = toDl4j(input);
        if (trained() instanceof MultiLayerNetwork n) {
            List<INDArray> acts = n.feedForward(x, false);
            Map<String, INDArray> out = new java.util.LinkedHashMap<>();
            out.put("input", x);
            for (int i = 0; i < n.getnLayers(); i++) {
                out.put(n.getLayerWiseConfigurations().getConf(i).getLayer().getLayerName(), acts.get(i + 1));
            }
            return out;
        }
        return ((ComputationGraph) trained()).feedForward(new INDArray[] {x}, false);
    }

    /** The DL4J index of a canonical activation index: recurrent [N, T, C] is DL4J's [N, C, T]. */
    protected long[] dl4jIndex(LayerInfo layer, int[] idx, INDArray a) {
        long[] l = new long[idx.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = idx[i];
        }
        if (idx.length == 3 && layer.kind() != LayerKind.CONV && layer.kind() != LayerKind.POOL) {
            return new long[] {idx[0], idx[2], idx[1]};
        }
        return l;
    }

    @Override
    protected ActivationOracle frameworkActivations(Tensor input) {
        Map<String, INDArray> acts = dl4jActivations(input);
        ModelView m = model();
        return ActivationOracle.of(acts.keySet(), (layerId, idx) -> {
            INDArray a = acts.get(layerId);
            return a.getDouble(dl4jIndex(m.layer(layerId).orElseThrow(), idx, a));
        });
    }

    @Override
    protected Attachment train(int steps, Hook... hooks) {
        org.deeplearning4j.nn.api.Model net = fresh();
        Attachment a = NNViz.attach(net, hooks);
        for (int i = 0; i < steps; i++) {
            fit(net, batch(i));
        }
        a.close();
        return a;
    }

    @Test
    void theBackendIsFoundThroughServiceLoaderAndReportsTheNd4jBackend() {
        assertEquals("Deeplearning4j", model().framework());
        assertTrue(model().properties().get("nd4j backend").contains("Cpu"), model().properties().toString());
        assertEquals("CPU", model().properties().get("device"));
    }

    @Test
    void theAttachmentRemovesItsListenerOnClose() {
        org.deeplearning4j.nn.api.Model net = fresh();
        Attachment a = NNViz.attach(net, new Hook() { });
        assertEquals(1, listeners(net).size());
        a.close();
        assertEquals(0, listeners(net).size());
    }

    /**
     * Checks {@code model.inputGradient} of a double-precision copy against central finite
     * differences of the output layer's pre-activation unit {@code target}, computed from DL4J's
     * own forward pass at the pixels with the largest gradient.
     */
    protected void assertInputGradientMatchesFiniteDifferences(org.deeplearning4j.nn.api.Model doubleNet, Tensor input,
                                                               String outputLayer, String feedingLayer, int target) {
        try (ModelView m = NNViz.inspect(doubleNet)) {
            io.nnviz.testkit.FiniteDifferences.assertMatches(input, m.inputGradient(input, target),
                    x -> logit(doubleNet, input, x, outputLayer, feedingLayer, target), 1e-4, 1e-3, 5);
        } catch (RuntimeException | AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private double logit(org.deeplearning4j.nn.api.Model net, Tensor input, float[] values, String outputLayer,
                         String feedingLayer, int target) {
        double[] x = new double[values.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = values[i];
        }
        INDArray moved = toDl4jDouble(input, x);
        INDArray h;
        org.deeplearning4j.nn.api.Layer out;
        if (net instanceof MultiLayerNetwork n) {
            List<INDArray> acts = n.feedForward(moved, false);
            int idx = -1;
            for (int i = 0; i < n.getnLayers(); i++) {
                if (feedingLayer.equals(n.getLayerWiseConfigurations().getConf(i).getLayer().getLayerName())) {
                    idx = i;
                }
            }
            h = acts.get(idx + 1);
            out = n.getOutputLayer();
        } else {
            ComputationGraph g = (ComputationGraph) net;
            h = g.feedForward(new INDArray[] {moved}, false).get(feedingLayer);
            out = g.getLayer(outputLayer);
        }
        INDArray w = out.getParam("W"), b = out.getParam("b");
        double z = b.getDouble((long) target);
        INDArray row = h.reshape(h.length());
        for (long j = 0; j < row.length(); j++) {
            z += row.getDouble(j) * w.getDouble(j, target);
        }
        return z;
    }

    static java.util.Collection<?> listeners(org.deeplearning4j.nn.api.Model net) {
        return net instanceof MultiLayerNetwork n ? n.getListeners() : ((ComputationGraph) net).getListeners();
    }
}
