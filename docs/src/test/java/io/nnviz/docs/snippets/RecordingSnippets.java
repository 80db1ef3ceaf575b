package io.nnviz.docs.snippets;

import io.nnviz.NNViz;
import io.nnviz.api.Tensor;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.LayerSelector;
import io.nnviz.dashboard.LiveDashboard;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.Runs;
import io.nnviz.recording.view.RunComparison;
import io.nnviz.renderers.report.HtmlReport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.nio.file.Path;
import java.util.Map;

/** The snippets of docs/recording.md, compiled. */
@SuppressWarnings("unused")
final class RecordingSnippets {
    void recorder(MultiLayerNetwork network, DataSetIterator data, DataSetIterator heldOut, Tensor fourImages, long step, int epoch)
            throws Exception {
        // docs:begin
        Recorder rec = Recorder.builder()
                .histogramsEvery(20).gradients(true)            // gradient histograms where the backend gives them
                .filtersEvery(100)
                .layers(LayerSelector.matching("conv.*|fc.*"))  // by name, kind or pattern
                .probes(fourImages).probesEvery(200)            // activations of fixed inputs over training; saliency and Grad-CAM at the end
                .maxPoints(1000)                                // per series; histograms keep half that per weight
                .name("lenet-adam").hyperparameters(Map.of("lr", 1e-3, "batch", 32))
                .tensorBoard(Path.of("runs/cnn"))               // sinks: TensorBoard event files,
                .json(Path.of("runs/cnn/run.json"))             // and run.json kept up to date at each epoch's end
                .build();
        try (Attachment a = NNViz.attach(network, rec).validateOn(heldOut)) {
            network.fit(data, 5);
        }
        rec.scalar("gradient_noise", step, 0.41);               // values of your own: per step ...
        rec.epochScalar("test/accuracy", epoch, 0.87);          // ... or per (zero-based) epoch
        rec.addTo(HtmlReport.titled("cnn")).write(Path.of("report"));
        rec.close();
        // docs:end
    }

    void sweep() throws Exception {
        // docs:begin
        Recorder rec = Recorder.builder().name("lr 0.01").hyperparameters(Map.of("lr", 0.01, "batch", 32)).tags("sweep")
                .runsRoot(Path.of("runs")).build();
        // ... train, rec.close(), and the other runs of the sweep the same way; then
        Runs runs = Runs.open(Path.of("runs"));                       // every run, from whichever file reaches later
        RunComparison.of(runs.logs()).addTo(HtmlReport.titled("sweep")).write(Path.of("out"));
        // docs:end
    }

    void workers(String jobId, int rank) {
        // docs:begin
        Recorder rec = Recorder.builder().name("resnet").runsRoot("hdfs://namenode:8020/nnviz/runs")
                .worker(jobId, "w" + rank)        // the same run id on every worker: events.w0.jsonl, events.w1.jsonl, ...
                .build();
        // docs:end
    }

    void dashboard(MultiLayerNetwork network, DataSetIterator data) throws Exception {
        // docs:begin
        try (LiveDashboard dash = LiveDashboard.start()) {                // 127.0.0.1 and a free port
            Recorder rec = Recorder.defaults();
            System.out.println("watch at " + dash.show("cnn", rec));       // http://127.0.0.1:PORT/run/cnn/
            try (Attachment a = NNViz.attach(network, rec)) {
                network.fit(data, 5);
            }
        }
        // docs:end
    }
}
