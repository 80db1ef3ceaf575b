package io.nnviz.backend.tensorflow;

import io.nnviz.NNViz;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The gradients a graph's own optimizer applies, as {@link TfAppliedGradients} finds them: on each
 * network trained by TF Java's Adam, one per variable of every layer, and each equal to TensorFlow's
 * gradient of the loss with respect to that variable ({@code Graph.addGradients}) on the same batch.
 */
@Tag("natives")
class TfAppliedGradientsTest {
    @Test
    void everyVariableHasTheGradientItsOptimizerAppliesAndItIsTheLossGradient() {
        for (Supplier<TfNets> make : List.<Supplier<TfNets>>of(TfNets::cnn, TfNets::mlp, TfNets::regressor, TfNets::lstm)) {
            try (TfNets net = make.get(); TfModel model = (TfModel) NNViz.inspect(net.handle())) {
                Map<String, List<Output<?>>> applied = TfAppliedGradients.byLayer(model);
                List<Output<?>> found = new ArrayList<>(), variables = new ArrayList<>();
                for (Map.Entry<String, TfLayer> e : model.layerGroups().entrySet()) {
                    List<Output<?>> of = applied.getOrDefault(e.getKey(), List.of());
                    long vars = e.getValue().weights.stream().filter(TfWeight::variable).count();
                    assertEquals(vars, of.size(), net.output + ": " + e.getKey() + "'s applied gradients");
                    found.addAll(of);
                    e.getValue().weights.stream().filter(TfWeight::variable).forEach(w -> variables.add(w.source().output(0)));
                }
                Output<?>[] reference = net.graph.addGradients("reference", new Output<?>[] {net.graph.operation(net.loss).output(0)},
                        variables.toArray(new Output<?>[0]), null);
                try (TFloat32 x = net.features(0); TFloat32 y = net.targets(0)) {
                    Session.Runner r = net.session.runner().feed(net.input, x).feed(net.labels, y);
                    found.forEach(r::fetch);
                    for (Output<?> o : reference) {
                        r.fetch(o);
                    }
                    try (Result result = r.run()) {
                        for (int i = 0; i < found.size(); i++) {
                            assertArrayEquals(floats(result, i + found.size()), floats(result, i), 1e-6f,
                                    net.output + ": " + variables.get(i).op().name());
                        }
                    }
                }
            }
        }
    }

    private static float[] floats(Result r, int i) {
        return TfTensors.copy(r.get(i)).toArray();
    }
}
