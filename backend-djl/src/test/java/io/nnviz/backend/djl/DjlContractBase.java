package io.nnviz.backend.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.Hook;
import io.nnviz.testkit.FashionMnist;
import io.nnviz.testkit.ModelContractKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract kit on a DJL network (PyTorch engine) trained briefly on Fashion-MNIST; subclasses give the block and input layout. */
@Tag("natives")
abstract class DjlContractBase extends ModelContractKit {
    static final int BATCH = 32;
    private static final Map<Class<?>, ai.djl.Model> TRAINED = new java.util.concurrent.ConcurrentHashMap<>();

    /** A new block of the network under test. */
    protected abstract SequentialBlock block();

    /** One sample's input dimensions after the batch, e.g. {784} or {1, 28, 28}. */
    protected abstract long[] sampleDims();

    /** Features of images {@code from} to {@code to}, flattened per sample (default: the pixels). */
    protected float[] features(FashionMnist d, int from, int to) {
        return d.batch(from, to);
    }

    /** The training target of image {@code i} (default: its class, for softmax cross-entropy). */
    protected float label(FashionMnist d, int i) {
        return d.label(i);
    }

    /** The loss (default: softmax cross-entropy on class indices). */
    protected Loss loss() {
        return Loss.softmaxCrossEntropyLoss();
    }

    /** The output unit whose input gradient is checked. */
    protected int gradientTarget() {
        return 4;
    }

    ai.djl.ndarray.types.Shape inputShape(long batch) {
        long[] d = new long[sampleDims().length + 1];
        d[0] = batch;
        System.arraycopy(sampleDims(), 0, d, 1, sampleDims().length);
        return new ai.djl.ndarray.types.Shape(d);
    }

    ArrayDataset dataset(NDManager m, int images) {
        FashionMnist d = FashionMnist.trainCached(1024);
        float[] labels = new float[images];
        for (int i = 0; i < images; i++) {
            labels[i] = label(d, i);
        }
        NDArray x = m.create(features(d, 0, images), inputShape(images));
        NDArray y = m.create(labels);
        return new ArrayDataset.Builder().setData(x).optLabels(y).setSampling(BATCH, false).build();
    }

    /** A new model and trainer (the config carries any hooks), trained for {@code steps} batches. */
    Pair<ai.djl.Model, Trainer> train(int steps, DefaultTrainingConfig config) throws Exception {
        ai.djl.Model m = ai.djl.Model.newInstance(getClass().getSimpleName());
        m.setBlock(block());
        Trainer t = m.newTrainer(config);
        t.initialize(inputShape(BATCH));
        int done = 0;
        while (done < steps) {
            for (Batch b : t.iterateDataset(dataset(t.getManager(), 512))) {
                if (done++ >= steps) {
                    b.close();
                    break;
                }
                EasyTrain.trainBatch(t, b);
                t.step();
                b.close();
            }
        }
        return new Pair<>(m, t);
    }

    DefaultTrainingConfig config() {
        return new DefaultTrainingConfig(loss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build())
                .optDevices(new Device[] {Device.cpu()});
    }

    synchronized ai.djl.Model trained() throws Exception {
        ai.djl.Model m = TRAINED.get(getClass());
        if (m == null) {
            ai.djl.engine.Engine.getInstance().setRandomSeed(1234); // the same initial weights every run
            m = train(30, config()).getKey();
            TRAINED.put(getClass(), m);
        }
        return m;
    }

    @AfterAll
    static void close() {
        TRAINED.values().forEach(ai.djl.Model::close);
        TRAINED.clear();
    }

    @Override
    protected ModelView openModel() throws Exception {
        return NNViz.inspect(trained());
    }

    @Override
    protected Tensor sampleInput() {
        long[] d = inputShape(3).getShape();
        int[] shape = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            shape[i] = (int) d[i];
        }
        return Tensor.of(features(FashionMnist.trainCached(1024), 600, 603), shape);
    }

    @Override
    protected long frameworkParameterCount() {
        long n = 0;
        try {
            for (Pair<String, Parameter> p : trained().getBlock().getParameters()) {
                n += p.getValue().getArray().size();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return n;
    }

    @Override
    protected WeightOracle frameworkWeights() {
        return (LayerInfo layer, WeightSpec spec, int[] idx) -> {
            try {
                SequentialBlock b = (SequentialBlock) trained().getBlock();
                var child = b.getChildren().get(layer.id());
                NDArray a = child.getParameters().get(spec.name()).getArray();
                long[] l = new long[idx.length];
                for (int i = 0; i < l.length; i++) {
                    l[i] = idx[i];
                }
                return a.getFloat(l);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @Override
    protected ActivationOracle frameworkActivations(Tensor input) {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock b = (SequentialBlock) trained().getBlock();
            NDArray x = m.create(input.toArray(), inputShape(input.shape().dim(0)));
            b.setReturnIntermediate(true);
            NDList all;
            try {
                all = b.forward(new ParameterStore(m, false), new NDList(x), false);
            } finally {
                b.setReturnIntermediate(false);
            }
            int i = 0;
            for (var child : b.getChildren()) {
                NDArray a = all.get(i++);
                String id = DjlDescriber.segment(child.getKey(), child.getValue()); // DJL's key, a named lambda by its name
                values.put(id, a.toFloatArray());
                shapes.put(id, a.getShape().getShape());
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return ActivationOracle.of(values.keySet(), (id, idx) -> {
            long[] s = shapes.get(id);
            int flat = 0;
            for (int d = 0; d < idx.length; d++) {
                flat = flat * (int) s[d] + idx[d];
            }
            return values.get(id)[flat];
        });
    }

    @Override
    protected Attachment train(int steps, Hook... hooks) throws Exception {
        DefaultTrainingConfig config = config();
        Attachment a = NNViz.attach(config, hooks);
        Pair<ai.djl.Model, Trainer> p = train(steps, config);
        p.getValue().close();
        a.close();
        p.getKey().close();
        return a;
    }


    private double logit(float[] x, int target) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray in = m.create(x, inputShape(1));
            NDArray out = trained().getBlock().forward(new ParameterStore(m, false), new NDList(in), false).singletonOrThrow();
            return out.getFloat(0, target);
        }
    }

    @Test
    void inputGradientMatchesFiniteDifferencesOfAPlainForward() throws Exception {
        Tensor x = sampleInput().head(1);
        int target = gradientTarget();
        // a small step: the fewer max-pool or ReLU switches it crosses, the fewer points are skipped or misjudged
        io.nnviz.testkit.FiniteDifferences.assertMatches(x, model().inputGradient(x, target), v -> logit(v, target), 1e-3, 2e-2, 5);
    }
}
