package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.nnviz.backend.djl.onnx.OnnxGraphs.floatTensor;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.floats;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.graph;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.graphAttr;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.intAttr;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.ints;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.intsAttr;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.model;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.node;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.scalar;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.stringAttr;
import static io.nnviz.backend.djl.onnx.OnnxGraphs.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 30: the shape rules on small graphs of the operators of opsets 7 to 21 that exporters
 * write (padding, resizing, slicing, splitting, quantized operators, control flow, selection,
 * Einsum), each against the shape worked out by hand and, where onnx 1.12 (opsets up to 17) infers
 * one, against {@code onnx.shape_inference} run by {@code /usr/bin/python3}.
 */
class OnnxShapeRulesTest {
    private static final long MIN = Long.MIN_VALUE, MAX = Long.MAX_VALUE;
    private static final int U8 = OnnxTensors.UINT8, I64 = OnnxTensors.INT64;

    @TempDir
    Path dir;

    private record Case(String name, OnnxMl.ModelProto model, Map<String, String> expected) {
    }

    private final List<Case> cases = new ArrayList<>();

    /** A case: {@code expected} alternates tensor names and the shape nnviz must give them ("[N, 3, 6, 6]"). */
    private void add(String name, int opset, OnnxMl.GraphProto g, String... expected) {
        Map<String, String> e = new LinkedHashMap<>();
        for (int i = 0; i < expected.length; i += 2) {
            e.put(expected[i], expected[i + 1]);
        }
        cases.add(new Case(name, model(opset, g), e));
    }

    private void padsAndResizes() {
        add("pad-2", 10, graph(List.of("y"), floats("x", 1, 3, 4, 4),
                node("Pad", "x -> y").addAttribute(intsAttr("pads", 0, 0, 1, 2, 0, 0, 3, 4))), "y", "[1, 3, 8, 10]");
        add("pad-13", 13, graph(List.of("y"), floats("x", "N", 3, 4, 4), ints("pads", new long[] {0, 0, 1, 1, 0, 0, 1, 1}),
                node("Pad", "x, pads -> y")), "y", "[N, 3, 6, 6]");
        add("pad-18-axes", 18, graph(List.of("y"), floats("x", 1, 3, 4, 4), ints("pads", new long[] {1, 2, 3, 4}), ints("axes", new long[] {2, -1}),
                node("Pad", "x, pads, \"\", axes -> y")), "y", "[1, 3, 8, 10]");
        // torch.nn.functional.pad(x, (1, 2)): the pad list built at run time, reversed pairwise and transposed
        add("pad-torch", 13, graph(List.of("y"), floats("x", 1, 3, 10), ints("given", new long[] {1, 2}), ints("four", new long[] {4}),
                ints("pairs", new long[] {-1, 2}), ints("flat", new long[] {-1}), ints("s", new long[] {-1}), ints("e", new long[] {MIN}),
                ints("ax", new long[] {0}), node("ConstantOfShape", "four -> zeros").addAttribute(OnnxMl.AttributeProto.newBuilder()
                        .setName("value").setType(OnnxMl.AttributeProto.AttributeType.TENSOR).setT(ints("", new long[] {0}))),
                node("Concat", "given, zeros -> all").addAttribute(intAttr("axis", 0)), node("Reshape", "all, pairs -> p2"),
                node("Slice", "p2, s, e, ax, s -> rev"), node("Transpose", "rev -> t").addAttribute(intsAttr("perm", 1, 0)),
                node("Reshape", "t, flat -> pads"), node("Pad", "x, pads -> y").addAttribute(stringAttr("mode", "reflect"))),
                "pads", "[6]", "y", "[1, 3, 13]");
        add("resize-scales", 13, graph(List.of("y"), floats("x", 1, 3, 4, 4), floatTensor("scales", new float[] {1, 1, 2, 2}),
                node("Resize", "x, \"\", scales -> y")), "y", "[1, 3, 8, 8]");
        add("resize-10", 10, graph(List.of("y"), floats("x", 1, 3, 4, 5), floatTensor("scales", new float[] {1, 1, 2, 1.5f}),
                node("Resize", "x, scales -> y")), "y", "[1, 3, 8, 7]");
        // resized to another tensor's spatial size, read with Shape: its symbols come through
        add("resize-sizes-from-shape", 13, graph(List.of("y"), floats("x", "N", 3, 8, 8), floats("z", "N", 16, "H", "W"),
                ints("zero", new long[] {0}), ints("two", new long[] {2}), ints("four", new long[] {4}),
                node("Shape", "x -> sx"), node("Shape", "z -> sz"), node("Slice", "sx, zero, two -> nc"), node("Slice", "sz, two, four -> hw"),
                node("Concat", "nc, hw -> sizes").addAttribute(intAttr("axis", 0)), node("Resize", "x, \"\", \"\", sizes -> y")),
                "y", "[N, 3, H, W]");
        add("resize-18-axes-aspect", 18, graph(List.of("y"), floats("x", 1, 3, 20, 10), ints("sizes", new long[] {30, 30}),
                node("Resize", "x, \"\", \"\", sizes -> y").addAttribute(intsAttr("axes", 2, 3))
                        .addAttribute(stringAttr("keep_aspect_ratio_policy", "not_larger"))), "y", "[1, 3, 30, 15]");
        OnnxMl.AttributeProto scales7 = OnnxMl.AttributeProto.newBuilder().setName("scales").setType(OnnxMl.AttributeProto.AttributeType.FLOATS)
                .addFloats(1).addFloats(1).addFloats(2).addFloats(3).build();
        add("upsample-7", 7, graph(List.of("y"), floats("x", 1, 3, 4, 4), node("Upsample", "x -> y").addAttribute(scales7)), "y", "[1, 3, 8, 12]");
        add("upsample-9", 9, graph(List.of("y"), floats("x", 1, 3, 4, 4), floatTensor("scales", new float[] {1, 1, 2, 2}),
                node("Upsample", "x, scales -> y")), "y", "[1, 3, 8, 8]");
        add("depth-to-space", 13, graph(List.of("y", "z"), floats("x", 1, 8, 3, 3), node("DepthToSpace", "x -> y").addAttribute(intAttr("blocksize", 2)),
                node("SpaceToDepth", "y -> z").addAttribute(intAttr("blocksize", 2))), "y", "[1, 2, 6, 6]", "z", "[1, 8, 3, 3]");
    }

    private void slicesAndSplits() {
        add("slice-steps-negative-axes", 13, graph(List.of("y"), floats("x", 2, 10, 6), ints("s", new long[] {8, -1}), ints("e", new long[] {1, MIN}),
                ints("a", new long[] {1, -1}), ints("st", new long[] {-2, -1}), node("Slice", "x, s, e, a, st -> y")), "y", "[2, 4, 6]");
        add("slice-1", 7, graph(List.of("y"), floats("x", 5, 6), node("Slice", "x -> y").addAttribute(intsAttr("starts", 1))
                .addAttribute(intsAttr("ends", 4)).addAttribute(intsAttr("axes", 1))), "y", "[5, 3]");
        add("slice-to-end", 13, graph(List.of("y"), floats("x", "N", 6), ints("s", new long[] {2}), ints("e", new long[] {MAX}), ints("a", new long[] {1}),
                node("Slice", "x, s, e, a -> y")), "y", "[N, 4]");
        add("split-13-input", 13, graph(List.of("a", "b"), floats("x", 2, 10), ints("parts", new long[] {3, 7}),
                node("Split", "x, parts -> a, b").addAttribute(intAttr("axis", 1))), "a", "[2, 3]", "b", "[2, 7]");
        add("split-11-equal", 11, graph(List.of("a", "b", "c"), floats("x", 6, 4), node("Split", "x -> a, b, c")), "a", "[2, 4]", "c", "[2, 4]");
        add("split-18-num-outputs", 18, graph(List.of("a", "b", "c"), floats("x", 10), node("Split", "x -> a, b, c").addAttribute(intAttr("num_outputs", 3))),
                "a", "[4]", "b", "[4]", "c", "[2]");
        add("clip-13", 13, graph(List.of("y"), floats("x", "N", 3), scalar("lo", 0f),
                scalar("hi", 6f), node("Clip", "x, lo, hi -> y")), "y", "[N, 3]");
        add("prelu", 13, graph(List.of("y"), floats("x", "N", 3, 4, 4), floatTensor("slope", new float[] {1, 2, 3}, 3, 1, 1),
                node("PRelu", "x, slope -> y")), "y", "[N, 3, 4, 4]");
    }

    private void quantized() {
        add("quantize-dequantize", 13, graph(List.of("q", "d"), floats("x", "N", 4), scalar("s", 0.1f),
                OnnxMl.TensorProto.newBuilder().setName("zp").setDataType(U8).addInt32Data(128).build(),
                node("QuantizeLinear", "x, s, zp -> q"), node("DequantizeLinear", "q, s, zp -> d")), "q", "[N, 4]", "d", "[N, 4]");
        add("dynamic-quantize-matmul-integer", 13, graph(List.of("y"), floats("x", "N", 8), value("w", U8, 8, 3),
                node("DynamicQuantizeLinear", "x -> q, s, zp"), node("MatMulInteger", "q, w, zp -> y")), "y", "[N, 3]", "s", "[]");
        add("qlinear-conv", 13, graph(List.of("y"), value("x", U8, 1, 2, 5, 5), value("w", U8, 4, 2, 3, 3),
                scalar("s", 0.1f), value("zp", U8), node("QLinearConv", "x, s, zp, w, s, zp, s, zp -> y")
                        .addAttribute(intsAttr("pads", 1, 1, 1, 1)).addAttribute(intsAttr("strides", 2, 2))), "y", "[1, 4, 3, 3]");
        add("qlinear-matmul", 13, graph(List.of("y"), value("a", U8, "N", 5, 8), value("b", U8, 8, 2),
                scalar("s", 0.1f), value("zp", U8), node("QLinearMatMul", "a, s, zp, b, s, zp, s, zp -> y")),
                "y", "[N, 5, 2]");
        add("conv-integer", 13, graph(List.of("y"), value("x", U8, 1, 2, 5, 5), value("w", U8, 4, 2, 3, 3), node("ConvInteger", "x, w -> y")),
                "y", "[1, 4, 3, 3]");
    }

    private void controlFlow() {
        // Loop: 3 iterations adding 1 to a [2] vector, its running value scanned out
        OnnxMl.GraphProto body = graph(List.of("c_out", "v_out", "scanned"), value("i", I64), value("c_in", OnnxTensors.BOOL),
                floats("v_in", (Object[]) null), node("Identity", "c_in -> c_out"), node("Add", "v_in, one -> v_out"),
                node("Identity", "v_out -> scanned"));
        add("loop", 13, graph(List.of("v_final", "all"), floats("v", 2), scalar("trips", 3L), floatTensor("one", new float[] {1}),
                node("Loop", "trips, \"\", v -> v_final, all").addAttribute(graphAttr("body", body))),
                "v_final", "[2]", "all", "[3, 2]", "scanned", "[2]");
        // If on a condition only known at run time: the branches agree on the rank, not on the first size
        OnnxMl.GraphProto two = graph(List.of("t"), ints("r2", new long[] {2, -1}), node("Reshape", "x, r2 -> t"));
        OnnxMl.GraphProto three = graph(List.of("e"), ints("r3", new long[] {3, -1}), node("Reshape", "x, r3 -> e"));
        add("if-unknown-condition", 13, graph(List.of("y"), floats("x", 6, 4), value("c", OnnxTensors.BOOL),
                node("If", "c -> y").addAttribute(graphAttr("then_branch", two)).addAttribute(graphAttr("else_branch", three))),
                "t", "[2, 12]", "e", "[3, 8]", "y", "[?, ?]");
        // an If inside an If's branch, reading a tensor of the outermost graph, on a condition computed from sizes
        OnnxMl.GraphProto inner = graph(List.of("in_t"), node("Relu", "h -> in_t"));
        OnnxMl.GraphProto innerElse = graph(List.of("in_e"), node("Neg", "h -> in_e"));
        OnnxMl.GraphProto outer = graph(List.of("out_t"), node("Shape", "h -> hs"), node("Size", "hs -> rank"),
                node("Equal", "rank, three -> is3"), node("If", "is3 -> out_t").addAttribute(graphAttr("then_branch", inner))
                        .addAttribute(graphAttr("else_branch", innerElse)));
        OnnxMl.GraphProto outerElse = graph(List.of("out_e"), node("Identity", "h -> out_e"));
        add("nested-if", 13, graph(List.of("y"), floats("h", "N", 5, 7), value("c", OnnxTensors.BOOL), scalar("three", 3L),
                node("If", "c -> y").addAttribute(graphAttr("then_branch", outer)).addAttribute(graphAttr("else_branch", outerElse))),
                "in_t", "[N, 5, 7]", "out_t", "[N, 5, 7]", "y", "[N, 5, 7]");
        // Scan over the first axis of a [5, 3] tensor, summing rows into a state
        OnnxMl.GraphProto sum = graph(List.of("s_out", "row_out"), floats("s_in", 3), floats("row", 3), node("Add", "s_in, row -> s_out"),
                node("Identity", "row -> row_out"));
        add("scan", 11, graph(List.of("s_final", "rows"), floats("s0", 3), floats("xs", 5, 3), node("Scan", "s0, xs -> s_final, rows")
                .addAttribute(graphAttr("body", sum)).addAttribute(intAttr("num_scan_inputs", 1))), "s_final", "[3]", "rows", "[5, 3]");
    }

    private void selection() {
        add("topk", 11, graph(List.of("v", "i"), floats("x", "N", 10), ints("k", new long[] {3}), node("TopK", "x, k -> v, i")),
                "v", "[N, 3]", "i", "[N, 3]");
        add("nms", 11, graph(List.of("sel"), floats("boxes", 1, 100, 4), floats("scores", 1, 1, 100), node("NonMaxSuppression", "boxes, scores -> sel")),
                "sel", "[?, 3]");
        add("range", 11, graph(List.of("y"), scalar("a", 0L), scalar("b", 10L), scalar("d", 3L), node("Range", "a, b, d -> y")), "y", "[4]");
        add("reduce-axes-input", 13, graph(List.of("y"), floats("x", "N", 3, 4), ints("ax", new long[] {1}),
                node("ReduceSum", "x, ax -> y").addAttribute(intAttr("keepdims", 0))), "y", "[N, 4]");
        add("reduce-18", 18, graph(List.of("y"), floats("x", "N", 3, 4), ints("ax", new long[] {-1}), node("ReduceMean", "x, ax -> y")),
                "y", "[N, 3, 1]");
        add("einsum-batched", 12, graph(List.of("y"), floats("a", "N", 2, 3), floats("b", "N", 3, 4),
                node("Einsum", "a, b -> y").addAttribute(stringAttr("equation", "bij,bjk->bik"))), "y", "[N, 2, 4]");
        add("einsum-implicit", 12, graph(List.of("y"), floats("a", 2, 3), floats("b", 3, 4),
                node("Einsum", "a, b -> y").addAttribute(stringAttr("equation", "ij,jk"))), "y", "[2, 4]");
        add("gather-nd-elements-one-hot", 13, graph(List.of("g", "ge", "oh"), floats("x", 4, 5, 6), value("idx", I64, 4, 2),
                value("idx3", I64, 4, 5, 2), value("lab", I64, "N"), scalar("depth", 10L), floatTensor("onoff", new float[] {0, 1}),
                node("GatherND", "x, idx -> g"), node("GatherElements", "x, idx3 -> ge"), node("OneHot", "lab, depth, onoff -> oh")),
                "g", "[4, 6]", "ge", "[4, 5, 2]", "oh", "[N, 10]");
        add("nonzero-compress", 13, graph(List.of("nz", "c"), floats("x", 3, 4), value("keep", OnnxTensors.BOOL, 4),
                node("NonZero", "x -> nz"), node("Compress", "x, keep -> c").addAttribute(intAttr("axis", 1))), "nz", "[2, ?]", "c", "[3, ?]");
        add("roi-align-grid-sample", 16, graph(List.of("r", "gs"), floats("x", 1, 8, 20, 20), floats("rois", "R", 4), value("bi", I64, "R"),
                floats("grid", 1, 7, 9, 2), node("RoiAlign", "x, rois, bi -> r").addAttribute(intAttr("output_height", 5))
                        .addAttribute(intAttr("output_width", 6)), node("GridSample", "x, grid -> gs")), "r", "[R, 8, 5, 6]", "gs", "[1, 8, 7, 9]");
        add("maxpool-indices-layernorm-stats", 17, graph(List.of("p", "pi", "ln"), floats("x", 1, 3, 8, 8), floats("gamma", 8),
                node("MaxPool", "x -> p, pi").addAttribute(intsAttr("kernel_shape", 2, 2)).addAttribute(intsAttr("strides", 2, 2)),
                node("LayerNormalization", "x, gamma -> ln, mean, inv").addAttribute(intAttr("axis", -1))),
                "p", "[1, 3, 4, 4]", "pi", "[1, 3, 4, 4]", "ln", "[1, 3, 8, 8]", "mean", "[1, 3, 8, 1]");
        add("conv-same-symbols", 13, graph(List.of("y", "z"), floats("x", "N", 3, "H", "W"), floatTensor("w", new float[8 * 3 * 9], 8, 3, 3, 3),
                node("Conv", "x, w -> y").addAttribute(intsAttr("pads", 1, 1, 1, 1)),
                node("Conv", "y, w8 -> z").addAttribute(intsAttr("strides", 2, 2)).addAttribute(intsAttr("kernel_shape", 1, 1))),
                "y", "[N, 8, H, W]", "z", "[N, ?, ?, ?]");
        add("hann-window", 17, graph(List.of("w"), scalar("n", 16L), node("HannWindow", "n -> w")), "w", "[16]");
    }

    @Test
    void everyRuleGivesTheShapeWorkedOutByHandAndOnnxsWhereItGivesOne() throws Exception {
        padsAndResizes();
        slicesAndSplits();
        quantized();
        controlFlow();
        selection();
        List<String> wrong = new ArrayList<>();
        Map<String, OnnxShapes> ours = new LinkedHashMap<>();
        for (Case c : cases) {
            OnnxShapes s = OnnxShapes.of(c.model(), Map.of());
            ours.put(c.name(), s);
            c.expected().forEach((tensor, want) -> {
                OnnxTensorInfo got = s.anywhere(tensor);
                if (got == null || !want.equals(got.toString())) {
                    wrong.add(c.name() + ": " + tensor + " is " + got + ", want " + want);
                }
            });
            Files.write(dir.resolve(c.name() + ".onnx"), c.model().toByteArray());
        }
        JsonNode onnx = onnxShapes();
        int compared = 0;
        for (Case c : cases) {
            JsonNode theirs = onnx.path(c.name());
            for (Iterator<Map.Entry<String, JsonNode>> it = theirs.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                OnnxTensorInfo got = ours.get(c.name()).anywhere(e.getKey());
                if (got == null || got.dims() == null) {
                    continue;
                }
                List<String> dims = new ArrayList<>();
                e.getValue().forEach(d -> dims.add(d.asText()));
                compared++;
                if (!OnnxCorpusSweepTest.agrees(got.toString(), dims)) {
                    wrong.add(c.name() + ": " + e.getKey() + " is " + got + ", onnx.shape_inference " + dims);
                }
            }
        }
        System.out.println(cases.size() + " graphs, " + compared + " shapes compared with onnx.shape_inference");
        assertEquals(List.of(), wrong);
        assertTrue(compared >= 60, "shapes compared with onnx.shape_inference: " + compared);
    }

    /** onnx.shape_inference's shapes of every case's tensors, subgraphs included, by case; a case it cannot read has none. */
    private JsonNode onnxShapes() throws Exception {
        String script = String.join("\n",
                "import json, os, sys, onnx",
                "from onnx import shape_inference",
                "def dims(v):",
                "    t = v.type.tensor_type",
                "    return [d.dim_value if d.HasField('dim_value') else (d.dim_param or '?') for d in t.shape.dim] if t.HasField('shape') else None",
                "def walk(g, out):",
                "    for v in list(g.value_info) + list(g.output):",
                "        if dims(v) is not None: out[v.name] = dims(v)",
                "    for n in g.node:",
                "        for a in n.attribute:",
                "            if a.type == onnx.AttributeProto.GRAPH: walk(a.g, out)",
                "res = {}",
                "for f in sorted(os.listdir(sys.argv[1])):",
                "    if not f.endswith('.onnx'): continue",
                "    out = {}",
                "    try: walk(shape_inference.infer_shapes(onnx.load(os.path.join(sys.argv[1], f))).graph, out)",
                "    except Exception as e: out = {}",
                "    res[f[:-5]] = out",
                "json.dump(res, open(os.path.join(sys.argv[1], 'onnx.json'), 'w'))");
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, dir.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "onnx.shape_inference (python3-onnx): " + log);
        return new ObjectMapper().readTree(dir.resolve("onnx.json").toFile());
    }
}
