package io.nnviz.backend.tensorflow;

import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.testkit.Corpus;
import io.nnviz.testkit.FashionMnist;
import io.nnviz.testkit.FiniteDifferences;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.types.TFloat32;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real pretrained TensorFlow models nobody here made (the TensorFlow.js graph models of
 * {@code @vladmandic/human}: emotion, blazeface, antispoof, liveness), as the two files TensorFlow
 * users have: TF 2 SavedModels (the model in a library function called by a
 * {@code StatefulPartitionedCall}, weights in resource variables restored from {@code variables/})
 * and frozen graphs (weights as constants), both keeping the fused {@code _FusedConv2D} and
 * {@code _FusedMatMul} ops. nnviz must see their layers, weights and shapes, compute their inner
 * activations as TensorFlow's own runtime does on the original fused graph, and their saliency.
 */
@Tag("corpus")
@Tag("natives")
class TfCorpusTest {
    private static final Set<String> CONV = Set.of("_FusedConv2D", "Conv2D", "DepthwiseConv2dNative"), DENSE = Set.of("_FusedMatMul", "MatMul");

    /** A real Fashion-MNIST image stretched (nearest) to the model's input, NCHW, values in [0, 1]. */
    static Tensor image(int c, int h, int w) {
        float[] px = FashionMnist.trainCached(16).image(0);
        float[] out = new float[c * h * w];
        for (int k = 0; k < c; k++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[(k * h + y) * w + x] = px[(y * 28 / h) * 28 + x * 28 / w];
                }
            }
        }
        return Tensor.of(out, 1, c, h, w);
    }

    /** What TensorFlow computes for {@code ops} running the original, fused graph on the same input (NHWC in, NHWC out). */
    private static Map<String, Tensor> original(TfjsGraphModels.Parsed m, Tensor nchw, List<String> ops) {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        try (Graph g = new Graph()) {
            g.importGraphDef(GraphDef.newBuilder().addAllNode(m.nodes()).build());
            try (Session s = new Session(g); TFloat32 x = TfTensors.floats(nchw.permute(0, 2, 3, 1))) {
                Session.Runner r = s.runner().feed(m.input().getName(), x);
                ops.forEach(r::fetch);
                try (Result res = r.run()) {
                    for (int i = 0; i < ops.size(); i++) {
                        out.put(ops.get(i), TfTensors.canonical(res.get(i)));
                    }
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} as a {1}")
    @CsvSource({"emotion, savedmodel", "blazeface, savedmodel", "antispoof, frozen", "liveness, frozen"})
    void aRealTensorFlowModelShowsItsInnerLayers(String name, String format) throws Exception {
        TfjsGraphModels.Parsed parsed = TfjsGraphModels.parse(Corpus.file("tfjs/" + name));
        Path out = Path.of("target", "corpus", name);
        Path file = format.equals("frozen") ? TfjsGraphModels.frozen(parsed, out.resolve(name + ".pb"))
                : TfjsGraphModels.savedModel(parsed, out.resolve("saved_model"), "__inference_" + name + "_42");
        List<NodeDef> used = ancestors(parsed); // a model with several heads: what its first output depends on
        long convs = used.stream().filter(n -> CONV.contains(n.getOp())).count();
        long dense = used.stream().filter(n -> DENSE.contains(n.getOp())).count();
        long floats = 0;
        Set<String> usedNames = new java.util.HashSet<>();
        used.forEach(n -> usedNames.add(n.getName()));
        for (Map.Entry<String, TensorProto> e : parsed.weights().entrySet()) {
            TensorProto t = e.getValue();
            if (!usedNames.contains(e.getKey())) {
                continue;
            }
            long n = t.getTensorShape().getDimList().stream().mapToLong(d -> d.getSize()).reduce(1, (a, b) -> a * b);
            floats += t.getDtype() == DataType.DT_FLOAT && t.getTensorShape().getDimCount() > 0 && n > 1 ? n : 0;
        }
        try (ModelView m = NNViz.load(file)) {
            // not one StatefulPartitionedCall layer: every convolution and dense layer of the function's body
            assertEquals(convs, m.layers().stream().filter(l -> l.kind() == LayerKind.CONV).count(), "conv layers " + m.layers());
            assertEquals(dense, m.layers().stream().filter(l -> l.kind() == LayerKind.DENSE || l.kind() == LayerKind.OUTPUT).count(),
                    "dense layers");
            assertEquals(floats, m.parameterCount(), "the float weights, frozen from the restored variables");
            long known = m.layers().stream().filter(l -> l.outputShape() != null && l.outputShape().rank() > 0).count();
            assertTrue(known >= 0.95 * m.layers().size(), known + " of " + m.layers().size() + " layers have a shape");
            assertTrue(m.layers().stream().noneMatch(l -> l.id().startsWith("StatefulPartitionedCall")), "the call's prefix is the scope, not a layer");

            LayerInfo input = m.layers().get(0);
            io.nnviz.api.Shape s = input.outputShape();
            Tensor x = image(s.dim(1), s.dim(2), s.dim(3));
            List<LayerInfo> convLayers = m.layers().stream().filter(l -> l.kind() == LayerKind.CONV).toList();
            LayerInfo inner = convLayers.get(convLayers.size() / 2), last = m.layers().get(m.layers().size() - 1);
            Map<String, Tensor> ours = m.activations(x, List.of(inner.id(), last.id()));
            String innerOp = inner.attributes().get("output op"); // the SavedModel's call adds its name in front
            innerOp = format.equals("frozen") ? innerOp : innerOp.substring("StatefulPartitionedCall/".length());
            Map<String, Tensor> tf = original(parsed, x, List.of(innerOp, parsed.output().getName()));
            Corpus.assertClose(tf.get(innerOp), ours.get(inner.id()), 1e-4, "inner conv " + inner.id() + " (" + innerOp + ")");
            Corpus.assertClose(tf.get(parsed.output().getName()), ours.get(last.id()), 1e-4, "output");

            // saliency through the split ops; TensorFlow's C++ registry has no gradient for the fused ones
            int target = 0;
            Tensor grad = m.inputGradient(x, target);
            assertEquals(x.shape(), grad.shape());
            assertTrue(!grad.stats().hasNonFinite(), "a finite saliency");
            // the score: the output's target entry along its last axis, summed over the others. For the detector that sum
            // runs over 512 unbounded anchor outputs through many ReLU kinks: its finite differences converge slowly as the
            // step shrinks (-2350, -2530, -2665, -2865 against -3194 at steps 4e-3 to 5e-4), so a smaller step and a looser
            // tolerance; the classifiers' bounded scores agree at 5%.
            boolean detector = name.equals("blazeface");
            FiniteDifferences.assertMatches(x, grad, v -> sumTarget(m, last, v, x, target), detector ? 5e-4 : 2e-3, detector ? 0.15 : 5e-2, 3);

            // Grad-CAM at the inner convolution: the cut is where TensorFlow's activation is, and its gradient
            // is the one the input gradient above (checked) flows back through
            io.nnviz.api.LayerGradient lg = m.layerGradient(x, inner.id(), target);
            Corpus.assertClose(tf.get(innerOp), lg.activation(), 1e-4, "Grad-CAM's activation at " + inner.id());
            assertEquals(lg.activation().shape(), lg.gradient().shape());
            assertTrue(!lg.gradient().stats().hasNonFinite() && lg.gradient().stats().max() - lg.gradient().stats().min() > 0,
                    "a finite, non-constant gradient at " + inner.id() + ": " + lg.gradient().stats());
        }
    }

    /** The score gradients differentiate ({@link ModelView#scores}: the logits where the graph ends in a softmax), unit target summed. */
    private static double sumTarget(ModelView m, LayerInfo last, float[] v, Tensor x, int target) {
        Tensor y = m.scores(Tensor.of(v, x.shape().toArray()));
        int k = y.shape().dim(y.rank() - 1);
        double sum = 0;
        for (int i = target; i < y.size(); i += k) {
            sum += y.getFlat(i);
        }
        return sum;
    }

    /** The nodes the model's output depends on. */
    private static List<NodeDef> ancestors(TfjsGraphModels.Parsed m) {
        Map<String, NodeDef> byName = new java.util.HashMap<>();
        m.nodes().forEach(n -> byName.put(n.getName(), n));
        Set<String> seen = new java.util.LinkedHashSet<>();
        java.util.Deque<String> todo = new java.util.ArrayDeque<>(List.of(m.output().getName()));
        while (!todo.isEmpty()) {
            String n = todo.pop();
            if (seen.add(n) && byName.containsKey(n)) {
                byName.get(n).getInputList().forEach(i -> todo.push(i.replaceFirst("^\\^", "").replaceFirst(":\\d+$", "")));
            }
        }
        return m.nodes().stream().filter(n -> seen.contains(n.getName())).toList();
    }

    /** An input shape given at load is the placeholder's; one the graph cannot take is refused naming the file. */
    @org.junit.jupiter.api.Test
    void anInputShapeGivenAtLoadIsTheGraphsAndAWrongOneIsRefused() throws Exception {
        TfjsGraphModels.Parsed parsed = TfjsGraphModels.parse(Corpus.file("tfjs/emotion"));
        Path file = TfjsGraphModels.frozen(parsed, Path.of("target", "corpus", "emotion-shape", "emotion.pb"));
        try (ModelView m = NNViz.load(file, io.nnviz.api.LoadOptions.defaults().inputShape(2, 1, 64, 64))) {
            assertEquals(io.nnviz.api.Shape.of(2, 1, 64, 64), m.layers().get(0).outputShape(), "canonical NCHW, batch as given");
            assertEquals(2, m.layers().get(m.layers().size() - 1).outputShape().dim(0));
        }
        io.nnviz.api.ModelLoadException e = org.junit.jupiter.api.Assertions.assertThrows(io.nnviz.api.ModelLoadException.class,
                () -> NNViz.load(file, io.nnviz.api.LoadOptions.defaults().inputShape(1, 3, 64, 64))); // three channels into a one-channel convolution
        assertTrue(e.getMessage().contains("emotion.pb"), e.getMessage());
    }
}
