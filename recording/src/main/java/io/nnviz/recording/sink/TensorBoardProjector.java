package io.nnviz.recording.sink;

import io.nnviz.api.Tensor;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.run.Stamped;
import io.nnviz.recording.storage.RunStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * TensorBoard's embedding projector files for a run's latest embedding capture, in the log
 * directory: {@code projector_config.pbtxt} naming the tensor and its metadata,
 * {@code embedding/tensors.tsv} (one row per input, its activations tab-separated) and
 * {@code embedding/metadata.tsv} (each input's class name; one column, so no header line, as the
 * projector expects). {@code tensorboard --logdir DIR} then shows them under Projector, with PCA,
 * t-SNE and UMAP of its own.
 */
final class TensorBoardProjector {
    private TensorBoardProjector() {
    }

    static void write(RunStore store, String dir, Stamped<RunLog.Embedding> s, RunInfo info) throws IOException {
        String prefix = dir.isEmpty() ? "" : dir + "/";
        RunLog.Embedding e = s.value();
        Tensor a = e.activations();
        int n = a.shape().dim(0), d = a.size() / n;
        StringBuilder rows = new StringBuilder(n * d * 10);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                if (j > 0) {
                    rows.append('\t');
                }
                rows.append(Float.toString(a.getFlat(i * d + j)));
            }
            rows.append('\n');
        }
        StringBuilder meta = new StringBuilder();
        for (int label : e.labels()) {
            String name = label >= 0 && label < info.classNames().size() ? info.classNames().get(label) : String.valueOf(label);
            meta.append(name.replace('\t', ' ').replace('\n', ' ')).append('\n');
        }
        String name = e.layerId().replaceAll("[^A-Za-z0-9_.-]", "_") + "@" + s.step();
        String config = String.format(Locale.ROOT, "embeddings {%n  tensor_name: \"%s\"%n  tensor_path: \"embedding/tensors.tsv\"%n"
                + "  metadata_path: \"embedding/metadata.tsv\"%n}%n", name);
        store.replace(prefix + "embedding/tensors.tsv", rows.toString().getBytes(StandardCharsets.UTF_8));
        store.replace(prefix + "embedding/metadata.tsv", meta.toString().getBytes(StandardCharsets.UTF_8));
        store.replace(prefix + "projector_config.pbtxt", config.getBytes(StandardCharsets.UTF_8));
    }
}
