package io.nnviz.backend.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.ViewIterator;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Objects;

/**
 * One data split evaluated at the end of an epoch, as DL4J's {@code EvaluativeListener} would:
 * the mean loss (DL4J's score, example-weighted) and, for a classifier (softmax output), DL4J's
 * own {@link Evaluation} accuracy, reported as {@code SPLIT/loss} and {@code SPLIT/accuracy}.
 */
final class Dl4jEvaluation {
    private final String split;
    private final DataSetIterator data;

    Dl4jEvaluation(String split, DataSetIterator data) {
        this.split = Objects.requireNonNull(split, "split");
        this.data = Objects.requireNonNull(data, "data");
        if (split.isBlank() || split.contains("/")) {
            throw new IllegalArgumentException("a split is a plain name such as \"validation\", got '" + split + "'");
        }
    }

    /** The evaluation of {@code data}, a {@code DataSetIterator} or a {@code DataSet} (read in batches of 256). */
    static Dl4jEvaluation of(String split, Object data) {
        if (data instanceof DataSetIterator i) {
            return new Dl4jEvaluation(split, i);
        }
        if (data instanceof DataSet ds) {
            return new Dl4jEvaluation(split, new ViewIterator(ds, 256));
        }
        throw new IllegalArgumentException("DL4J validation data is a DataSetIterator or a DataSet, not "
                + (data == null ? "null" : data.getClass().getName()));
    }

    /** Runs the evaluation on {@code m} in inference mode and puts its metrics in {@code out}. */
    void evaluate(Model m, Map<String, Double> out) {
        boolean classifier = isSoftmax(m);
        Evaluation eval = new Evaluation();
        double lossSum = 0;
        long examples = 0;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            data.reset();
            while (data.hasNext()) {
                DataSet ds = data.next();
                long n = ds.numExamples();
                INDArray predicted = m instanceof MultiLayerNetwork net ? net.output(ds.getFeatures(), false)
                        : ((ComputationGraph) m).outputSingle(false, ds.getFeatures());
                double score = m instanceof MultiLayerNetwork net ? net.score(ds, false) : ((ComputationGraph) m).score(ds, false);
                lossSum += score * n;
                examples += n;
                if (classifier) {
                    eval.eval(ds.getLabels(), predicted);
                }
            }
            data.reset();
        }
        if (examples == 0) {
            return;
        }
        out.put(split + "/" + "loss", lossSum / examples);
        if (classifier) {
            out.put(split + "/" + "accuracy", eval.accuracy());
        }
    }

    String split() {
        return split;
    }

    private static boolean isSoftmax(Model m) {
        Layer out = m instanceof MultiLayerNetwork net ? net.getOutputLayer()
                : ((ComputationGraph) m).getOutputLayer(0);
        return out != null && out.conf().getLayer() instanceof BaseOutputLayer o
                && o.getActivationFn() instanceof ActivationSoftmax;
    }
}
