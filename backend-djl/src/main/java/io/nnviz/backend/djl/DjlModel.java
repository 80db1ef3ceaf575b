package io.nnviz.backend.djl;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.nnviz.api.Capability;
import io.nnviz.api.Edge;
import io.nnviz.api.GradientPoints;
import io.nnviz.api.Group;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerGradient;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;
import io.nnviz.api.spi.WeightShuffle;
import io.nnviz.backend.djl.ndarray.NdArrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A live DJL block tree as a {@link ModelView}: structure from {@link DjlDescriber}, copies by
 * {@link NdArrays}, activations from {@link DjlForward}, gradients from {@link DjlGradients}.
 * Weights are the block's current values, read when asked for. Made with {@link #of}; files are
 * the sub-backends' ({@code io.nnviz.backend.djl.onnx}, {@code io.nnviz.backend.djl.torchscript}).
 */
final class DjlModel extends AbstractModel {
    private static final Logger LOG = LoggerFactory.getLogger(DjlModel.class);
    private static final AtomicBoolean SAID_CPU = new AtomicBoolean();

    private final Block root;
    private final NDManager manager;
    private final Map<String, DjlDescriber.Node> nodes;
    /** For a copy with other weights: those parameters' values by parameter id, in {@link #manager}; else empty. */
    private final Map<String, NDArray> replaced;

    private DjlModel(String name, List<LayerInfo> layers, List<Edge> edges, List<Group> groups, Map<String, String> props,
                     Block root, NDManager manager, Map<String, DjlDescriber.Node> nodes, Map<String, NDArray> replaced) {
        super(name, "DJL/" + Engine.getInstance().getEngineName(), layers, edges, groups, props, EnumSet.of(Capability.WEIGHTS,
                Capability.ACTIVATIONS, Capability.INPUT_GRADIENT, Capability.LAYER_GRADIENT, Capability.WEIGHT_RANDOMIZATION));
        this.root = root;
        this.manager = manager;
        this.nodes = nodes;
        this.replaced = replaced;
    }

    /** The model of a DJL {@code Model}'s block, named as the model; the block must be initialised with one input shape. */
    static DjlModel of(Model model) {
        return ofInitialised(model.getName(), model.getBlock());
    }

    /** The model of a block, named by its class; the block must be initialised with one input shape. */
    static DjlModel of(Block block) {
        return ofInitialised(block.getClass().getSimpleName(), block);
    }

    private static DjlModel ofInitialised(String name, Block block) {
        if (block == null || !block.isInitialized() || block.getInputShapes() == null || block.getInputShapes().length != 1) {
            throw new InvalidInputException("the DJL block of '" + name + "' must be initialised with one input shape"
                    + " (trainer.initialize(shape) or block.initialize(manager, dataType, shape))");
        }
        return of(name, block, block.getInputShapes()[0]);
    }

    /**
     * A model of an initialised block whose input has {@code inputShape} (DJL shape, batch first;
     * null for a block that cannot tell its shapes: they stay unknown).
     */
    static DjlModel of(String name, Block block, ai.djl.ndarray.types.Shape inputShape) {
        return of(name, block, inputShape, null);
    }

    /**
     * As above, computing in a manager under {@code owner} (null: a manager of its own): the view
     * then lives as long as the framework's model that owns the block, and is closed with it.
     */
    static DjlModel of(String name, Block block, ai.djl.ndarray.types.Shape inputShape, NDManager owner) {
        if (inputShape != null && !block.isInitialized()) {
            throw new InvalidInputException("the block of '" + name + "' is not initialised: call initialize or trainer.initialize first");
        }
        DjlDescriber.Description d = DjlDescriber.describe(block, inputShape);
        Map<String, String> props = new LinkedHashMap<>();
        props.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        Device device = device(block);
        props.put("device", device.toString());
        props.put("gpus", String.valueOf(Engine.getInstance().getGpuCount()));
        props.put("input shape", inputShape == null ? "unknown" : inputShape.toString());
        NDManager manager = owner != null ? owner.newSubManager(device) : NDManager.newBaseManager(device);
        return new DjlModel(name, d.layers(), d.edges(), d.groups(), props, block, manager, d.nodes(), Map.of());
    }

    /**
     * Where nnviz computes (activations, gradients): where the block's parameters live, so nothing
     * is copied between devices; for a block without parameters, the first GPU when the engine
     * reports one, else the CPU, said once in the log.
     */
    static Device device(Block block) {
        for (var p : block.getParameters()) {
            if (p.getValue().isInitialized()) {
                return p.getValue().getArray().getDevice();
            }
        }
        if (Engine.getInstance().getGpuCount() > 0) {
            return Device.gpu();
        }
        if (SAID_CPU.compareAndSet(false, true)) {
            LOG.info("nnviz: {} reports no GPU; computing on the CPU", Engine.getInstance().getEngineName());
        }
        return Device.cpu();
    }

    /** The leaves (and parallel joins) by layer id. */
    Map<String, DjlDescriber.Node> nodes() {
        return nodes;
    }

    Block root() {
        return root;
    }

    /** The manager nnviz computes in, on {@link #device}; closed with the model. */
    NDManager manager() {
        return manager;
    }

    /** The parameters of one call: the block's own, or this copy's replacements. */
    ParameterStore store(NDManager sub) {
        if (replaced.isEmpty()) {
            return new ParameterStore(sub, false);
        }
        return new ParameterStore(sub, false) {
            @Override
            public NDArray getValue(Parameter parameter, Device device, boolean training) {
                NDArray r = replaced.get(parameter.getId());
                return r != null ? r : super.getValue(parameter, device, training);
            }
        };
    }

    /**
     * The parameters of a call that differentiates with respect to its input (or a layer's output)
     * only: each value detached from autograd, in {@code sub}. Backpropagation then computes no
     * weight gradient (a third of a backward pass's work on a convolutional network), and a block
     * being trained elsewhere gets nothing added to its parameters' gradients.
     */
    ParameterStore inputOnlyStore(NDManager sub) {
        ParameterStore values = store(sub);
        return new ParameterStore(sub, false) {
            @Override
            public NDArray getValue(Parameter parameter, Device device, boolean training) {
                NDArray detached = values.getValue(parameter, device, training).stopGradient();
                detached.attach(sub);
                return detached;
            }
        };
    }

    /** The input as an array in {@code sub}, once checked against the input layer's shape. */
    NDArray input(NDManager sub, Tensor input) {
        checkInput(input);
        return NdArrays.array(sub, input);
    }

    /** Refuses an input the model's declared input shape does not take. */
    void checkInput(Tensor input) {
        Shape declared = layer(DjlDescriber.INPUT).map(LayerInfo::outputShape).orElse(null);
        if (declared != null && !declared.isCompatibleWith(input.shape())) {
            throw new InvalidInputException("model '" + name() + "' expects input of shape " + declared + " but got " + input.shape());
        }
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        DjlDescriber.Node n = nodes.get(layer.id());
        if (n == null || n.join()) {
            return List.of();
        }
        List<WeightTensor> out = new ArrayList<>();
        for (Pair<String, Parameter> p : n.block().getParameters()) {
            NDArray r = replaced.get(p.getValue().getId());
            out.add(WeightTensor.of(layer.id(), p.getKey(), DjlDescriber.role(n.block(), p.getKey()),
                    NdArrays.copy(r != null ? r : p.getValue().getArray())));
        }
        return out;
    }

    /**
     * The same block run with the listed layers' parameters shuffled: DJL's blocks take every
     * parameter's value from the {@link ParameterStore} of the call, so the copy's store hands
     * out shuffled arrays of its own and the user's block, still training perhaps, is not touched.
     */
    @Override
    protected ModelView doWithShuffledWeights(List<LayerInfo> layers, long seed) {
        NDManager m = NDManager.newBaseManager(manager.getDevice());
        Map<String, NDArray> values = new LinkedHashMap<>(replaced.size());
        try {
            replaced.forEach((id, a) -> values.put(id, a.duplicate().toDevice(m.getDevice(), true)));
            values.values().forEach(a -> a.attach(m));
            for (LayerInfo l : layers) {
                DjlDescriber.Node n = nodes.get(l.id());
                if (n == null || n.join()) {
                    continue;
                }
                for (Pair<String, Parameter> p : n.block().getParameters()) {
                    NDArray a = p.getValue().getArray();
                    float[] shuffled = WeightShuffle.shuffle(NdArrays.floats(a), WeightShuffle.random(seed, l.id(), p.getKey()));
                    values.put(p.getValue().getId(), m.create(shuffled, a.getShape()).toType(a.getDataType(), false));
                }
            }
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return new DjlModel(name() + " (shuffled " + layers.size() + " layers)", layers(), edges(), groups(), properties(), root, m,
                nodes, values);
    }

    @Override
    protected Map<String, Tensor> doActivations(Tensor input, List<LayerInfo> layers) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = input(sub, input);
            Map<String, NDArray> taps = new LinkedHashMap<>();
            DjlForward.run(root, "", new NDList(x), store(sub), taps, false, null);
            for (LayerInfo l : layers) {
                if (l.id().equals(DjlDescriber.INPUT)) {
                    out.put(l.id(), input);
                    continue;
                }
                NDArray a = taps.get(l.id());
                if (a == null) {
                    throw new InvalidInputException("layer '" + l.id() + "' produced no output in the forward pass");
                }
                out.put(l.id(), NdArrays.copy(a));
            }
        } catch (InvalidInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidInputException("DJL could not run model '" + name() + "' on input " + input.shape() + ": " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    protected Tensor doInputGradient(Tensor input, int target) {
        return DjlGradients.ofInput(this, input, target);
    }

    @Override
    protected Tensor doInputGradientSum(GradientPoints points, int target) {
        return DjlGradients.sumOverPoints(this, points, target);
    }

    @Override
    protected LayerGradient doLayerGradient(Tensor input, LayerInfo layer, int target) {
        return DjlGradients.ofLayer(this, input, layer, target);
    }

    @Override
    protected void doClose() {
        manager.close();
    }

    /** Its manager closed under it: the DJL model that owns it was closed. */
    @Override
    protected boolean released() {
        return !manager.isOpen();
    }
}
