package io.nnviz.backend.djl.onnx;

import io.nnviz.backend.djl.onnx.OnnxShapeRules.Rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.nnviz.backend.djl.onnx.OnnxShapeRules.add;

/**
 * Shape rules for the text operators of scikit-learn-style pipelines: {@code StringNormalizer}
 * (the input's shape; with {@code stopwords} the words' axis is as long as what they leave, so
 * unknown) and {@code TfIdfVectorizer} (the input's rows, and one column per n-gram index: the
 * largest of {@code ngram_indexes} and one).
 */
final class OnnxTextRules {
    /** ONNX's string element type. */
    private static final int STRING = 8;

    private OnnxTextRules() {
    }

    static void register(Map<String, Rule> rules) {
        add(rules, OnnxTextRules::normalizer, "StringNormalizer");
        add(rules, OnnxTextRules::tfIdf, "TfIdfVectorizer");
    }

    private static void normalizer(OnnxNode n) {
        List<OnnxDim> x = n.dims(0);
        if (x == null || x.isEmpty()) {
            return;
        }
        List<OnnxDim> d = new ArrayList<>(x);
        if (n.attr("stopwords") != null) {
            d.set(d.size() - 1, OnnxDim.UNKNOWN);
        }
        n.put(OnnxTensorInfo.of(d, STRING));
    }

    private static void tfIdf(OnnxNode n) {
        List<OnnxDim> x = n.dims(0);
        long[] indexes = n.attrInts("ngram_indexes");
        if (x == null || x.isEmpty() || x.size() > 2 || indexes == null) {
            return;
        }
        long columns = 0;
        for (long i : indexes) {
            columns = Math.max(columns, i + 1);
        }
        List<OnnxDim> d = new ArrayList<>();
        if (x.size() == 2) {
            d.add(x.get(0));
        }
        d.add(OnnxDim.of(columns));
        n.put(OnnxTensorInfo.of(d, OnnxTensors.FLOAT));
    }
}
