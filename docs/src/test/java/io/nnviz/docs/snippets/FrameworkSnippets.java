package io.nnviz.docs.snippets;

import io.nnviz.NNViz;
import io.nnviz.api.ModelView;
import io.nnviz.api.hook.Attachment;
import io.nnviz.backend.dl4j.Dl4jListener;
import io.nnviz.backend.tensorflow.TfGraph;
import io.nnviz.backend.tensorflow.TfTraining;
import io.nnviz.recording.Recorder;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The snippets of docs/frameworks.md, compiled. */
@SuppressWarnings("unused")
final class FrameworkSnippets {
    void dl4j(MultiLayerNetwork net, Recorder recorder, DataSetIterator trainIterator, DataSetIterator trainSlice,
              DataSetIterator testIterator) {
        // docs:begin
        try (Attachment a = NNViz.attach(net, recorder).validateOn(testIterator)) {  // recorder implements io.nnviz.api.hook.Hook
            net.fit(trainIterator, 5);
        }

        Dl4jListener nnviz = Dl4jListener.builder(recorder)
                .evaluate("train", trainSlice)                 // train/loss and train/accuracy each epoch
                .evaluate("validation", testIterator)          // validation/loss and validation/accuracy
                .build();
        net.addListeners(nnviz);
        net.fit(trainIterator, 5);                             // a loop of fit(DataSet) calls ends an epoch with nnviz.epochEnd()
        nnviz.close();                                         // removes it from the network
        // docs:end
    }

    void tfOpen(Graph graph, Session session) {
        // docs:begin
        try (ModelView m = NNViz.inspect(TfGraph.of(graph, session).input("images").output("logits"))) {
            m.layers().forEach(l -> System.out.println(l.name() + " " + l.outputShape()));
        }
        try (ModelView m = NNViz.load(Path.of("saved_model_dir"))) {   // SavedModel (its default signature) or frozen .pb
            System.out.println(m.parameterCount());
        }
        // docs:end
    }

    void tfLoop(Session session, Recorder recorder, List<Map<String, TFloat32>> batches, List<Map<String, TFloat32>> heldOut, int epochs) {
        // docs:begin
        try (TfTraining training = TfTraining.attach(session, "loss", recorder).validateOn(heldOut)) {  // heldOut: feeds, as batches
            for (int epoch = 0; epoch < epochs; epoch++) {
                for (Map<String, TFloat32> b : batches) {
                    try (Result r = session.runner().feed("images", b.get("images")).feed("labels", b.get("labels"))
                            .fetch("loss").addTarget("train").run()) {
                        training.stepEnd(((TFloat32) r.get(0)).getFloat());
                    }
                }
                training.epochEnd();                           // validation/loss and validation/accuracy through the "loss" op
            }
        }
        // docs:end
    }
}
