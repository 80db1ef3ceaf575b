package io.nnviz.bench.djl;

import io.nnviz.NNViz;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.attention.Attention;
import io.nnviz.api.attention.AttentionMaps;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Attention extraction of all-MiniLM-L6-v2 at a given length: every layer's and head's
 * probabilities for one sequence, through nnviz from the ONNX file (found inside the graph by
 * pattern, ONNX Runtime) or from the TorchScript rebuild that returns them
 * ({@code corpus/onnx_bert_to_torchscript.py}); {@code bench/peers/attention_minilm_torch.py}
 * runs that TorchScript file in PyTorch. Token ids cycle through the vocabulary's ordinary words
 * between [CLS] and [SEP]. Prints the median of 5 timed runs after 2 warm-ups, and the process's
 * peak RSS (VmHWM).
 *
 * <pre>mvn -pl bench-djl exec:exec@attention-minilm -Dnnviz.path=onnx -Dnnviz.tokens=512</pre>
 */
public final class AttentionMiniLm {
    private AttentionMiniLm() {
    }

    public static void main(String[] args) throws Exception {
        String path = args.length > 0 ? args[0] : "onnx";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        Path corpus = Path.of(System.getProperty("user.home"), ".cache", "nnviz", "corpus");
        Path file = path.equals("onnx") ? corpus.resolve("onnx/all-minilm-l6-v2.onnx") : corpus.resolve("torchscript/minilm-attentions.pt");
        float[] ids = new float[n], ones = new float[n], zeros = new float[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i == 0 ? 101 : i == n - 1 ? 102 : 2000 + (i * 7) % 5000;
            ones[i] = 1;
        }
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("input_ids", Tensor.of(ids, 1, n));
        in.put("attention_mask", Tensor.of(ones, 1, n));
        in.put("token_type_ids", Tensor.of(zeros, 1, n));
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tokens.add("t" + i);
        }
        try (ModelView m = NNViz.load(file)) {
            double[] times = new double[5];
            Attention a = null;
            for (int r = -2; r < times.length; r++) {
                long t0 = System.nanoTime();
                a = AttentionMaps.of(m, in, tokens);
                if (r >= 0) {
                    times[r] = (System.nanoTime() - t0) / 1e9;
                }
            }
            Arrays.sort(times);
            long hwm = 0;
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) {
                    hwm = Long.parseLong(l.substring(6).trim().split("\\s+")[0]) / 1024;
                }
            }
            System.out.printf("nnviz attention MiniLM (%s) %d tokens, %d x %d heads: %.3f s (median of 5), peak RSS %d MiB%n", path, n,
                    a.layers(), a.heads(), times[2], hwm);
        }
    }
}
