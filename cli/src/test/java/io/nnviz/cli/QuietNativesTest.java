package io.nnviz.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The stderr filter on lines libtensorflow 2.18 (TF Java 1.1), its protobuf, HDF5 1.12 and ONNX Runtime 1.21 printed here loading models. */
class QuietNativesTest {
    @Test
    void nativeLogLinesAreDroppedAndEverythingElsePasses() throws Exception {
        String in = "2026-12-01 10:39:25.572595: I tensorflow/core/util/port.cc:153] oneDNN custom operations are on.\n"
                + "Rendering model   0% [    ] 0/1\rRendering model 100% [====] 1/1\r"
                + "2026-12-01 10:39:25.666216: I tensorflow/core/platform/cpu_feature_guard.cc:210] This TensorFlow binary is optimized.\n"
                + "To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.\n"
                + "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
                + "I0000 00:00:1796121565.674819    5496 mlir_graph_optimization_pass.cc:401] MLIR V1 optimization pass is not enabled\n"
                + "2026-12-01 10:39:26.117294: W tensorflow/core/profiler/convert/xplane_to_step_stats.cc:78] GPU trace was not collected.\n"
                + "2026-12-01 10:39:26.117294: E tensorflow/core/framework/tensor.cc:163] Input size was 131072 and expected 65536\n"
                + "[libprotobuf ERROR external/com_google_protobuf/src/google/protobuf/wire_format_lite.cc:618] String field 'tensorflow.NodeDef.op'"
                + " contains invalid UTF-8 data when parsing a protocol buffer.\n"
                + "HDF5-DIAG: Error detected in HDF5 (1.12.1) thread 0:\n"
                + "  #000: H5A.c line 528 in H5Aopen_by_name(): can't open attribute\n"
                + "    major: Attribute\n"
                + "    minor: Can't open object\n"
                // ONNX Runtime 1.21's, coloured, a shape probe's run failing on an input too short for its convolution
                + "\u001B[1;31m2026-12-07 00:43:36.233300991 [E:onnxruntime:, sequential_executor.cc:572 ExecuteKernel] Non-zero status code"
                + " returned while running Conv node. Name:'Conv_2' Status Message: Invalid input shape: {1}\u001B[m\n"
                + "2026-12-07 00:43:36.233300991 [W:onnxruntime:, graph.cc:4285 CleanUnusedInitializersAndNodeArgs] Removing initializer\n"
                + "nnviz: model.pb: not a TensorFlow graph\n"
                + "Wrote 5 files to /tmp/out";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        QuietNatives.filter(new ByteArrayInputStream(in.getBytes(StandardCharsets.UTF_8)), out);
        assertEquals("Rendering model   0% [    ] 0/1\rRendering model 100% [====] 1/1\r"
                + "\nnnviz: model.pb: not a TensorFlow graph\nWrote 5 files to /tmp/out", out.toString(StandardCharsets.UTF_8));
    }

    /** The mutation campaign's multi-line native messages (libtorch's warning with its source; TensorFlow's proto text) go whole. */
    @Test
    void multiLineNativeMessagesAreDroppedWhole() throws Exception {
        String in = "[W1204 20:08:37.344476714 ir_emitter.cpp:4523] Warning: List consists of heterogeneous types\n"
                + "Serialized   File \"code/__torch__/torch/nn/modules/pooling.py\", line 8\n"
                + "  def forward(self: __torch__.torch.nn.modules.pooling.MaxPool2d,\n"
                + "    x = torch.max_pool2d(argument_1, [-0.0, 2], [2, 2], [0, 0], [1, 1])\n"
                + "                                     ~~~~~~~~ <--- HERE\n"
                + " (function emitListLiteral)\n"
                + "nnviz: antispoof.pt: DJL's PyTorch engine could not load it\n"
                + "2026-12-04 20:12:43.519241: E tensorflow/core/framework/graph.cc:1] Attr value has value dtype: 75 tensor_shape {\n"
                + "  dim {\n    size: 3\n  }\n}\n"
                + "tensor_content: \"\\207\\3019>Vg\"\n"
                + "\n"
                + "\twhen importing GraphDef to MLIR module in GrapplerHook\n"
                + "[main] WARN io.nnviz.backend - kept: not native\n"
                + "nnviz: liveness.pb: TensorFlow could not read the weights\n"
                + "I0000 00:00:1796435506.578355   18204 mlir_graph_optimization_pass.cc:401] MLIR V1 optimization pass is not enabled\n"
                + "timings: load 422 ms (class loading and native start-up included), describe 25 ms\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        QuietNatives.filter(new ByteArrayInputStream(in.getBytes(StandardCharsets.UTF_8)), out);
        assertEquals("nnviz: antispoof.pt: DJL's PyTorch engine could not load it\n[main] WARN io.nnviz.backend - kept: not native\n"
                + "nnviz: liveness.pb: TensorFlow could not read the weights\n"
                + "timings: load 422 ms (class loading and native start-up included), describe 25 ms\n", out.toString(StandardCharsets.UTF_8));
    }
}
