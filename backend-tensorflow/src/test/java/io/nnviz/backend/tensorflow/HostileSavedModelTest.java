package io.nnviz.backend.tensorflow;

import com.google.protobuf.ByteString;
import io.nnviz.NNViz;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SavedModels that carry ops with side effects (issue 27): a model file is data, never code. Each
 * hostile file is first shown to be hostile, by TensorFlow's own loader doing what the file asks
 * (writing a file); nnviz then opens the same file without it happening.
 */
@Tag("natives")
class HostileSavedModelTest {
    @TempDir
    Path dir;

    /** A real SavedModel (TensorFlow Java's exporter) edited by {@code edit}; returns its folder. */
    private Path hostile(String name, UnaryOperator<MetaGraphDef> edit) throws Exception {
        Path saved = dir.resolve(name);
        TfFixtures.savedModel(saved);
        Path pb = saved.resolve("saved_model.pb");
        SavedModel sm = SavedModel.parseFrom(Files.readAllBytes(pb));
        Files.write(pb, sm.toBuilder().setMetaGraphs(0, edit.apply(sm.getMetaGraphs(0))).build().toByteArray());
        return saved;
    }

    /** Nodes that write {@code target} when run: WriteFile under {@code evil/}, and a NoOp {@code evil/init} waiting for it. */
    private static GraphDef withWriter(GraphDef g, Path target) {
        return g.toBuilder()
                .addNode(constant("evil/path", target.toString()))
                .addNode(constant("evil/contents", "written by a model file"))
                .addNode(NodeDef.newBuilder().setName("evil/write").setOp("WriteFile").addInput("evil/path").addInput("evil/contents"))
                .addNode(NodeDef.newBuilder().setName("evil/init").setOp("NoOp").addInput("^evil/write"))
                .build();
    }

    private static NodeDef constant(String name, String value) {
        return TfFreezing.constant(name, TensorProto.newBuilder().setDtype(DataType.DT_STRING)
                .setTensorShape(TensorShapeProto.getDefaultInstance()).addStringVal(ByteString.copyFromUtf8(value)).build(), List.of(), "");
    }

    private static boolean tensorFlowRunsIt(Path saved) {
        try (SavedModelBundle b = SavedModelBundle.load(saved.toString(), "serve")) {
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Test
    void initOpsOfEveryKindAreNeverRun() throws Exception {
        Path target = dir.resolve("pwned-init");
        Path saved = hostile("init-ops", mg -> mg.toBuilder().setGraphDef(withWriter(mg.getGraphDef(), target))
                // TF 2's init signature and TF 1's collections: TensorFlow's loader runs whichever it finds
                .putSignatureDef("__saved_model_init_op", SignatureDef.newBuilder()
                        .putOutputs("__saved_model_init_op", TensorInfo.newBuilder().setName("evil/init").build()).build())
                .putCollectionDef("legacy_init_op", CollectionDef.newBuilder()
                        .setNodeList(CollectionDef.NodeList.newBuilder().addValue("evil/init")).build())
                .build());
        assertTrue(tensorFlowRunsIt(saved));
        assertTrue(Files.exists(target), "the fixture is hostile: TensorFlow's own loader writes the file");
        Files.delete(target);

        Tensor input = Tensor.of(TfNets.data().batch(0, 2), 2, 1, 28, 28);
        try (ModelView m = NNViz.load(saved)) {
            assertEquals(10, m.scores(input).shape().dim(1));
            m.activations(input, List.of(m.layers().get(1).id()));
            m.inputGradient(input, 3);
        }
        assertFalse(Files.exists(target), "opening and running the model wrote the init op's file");
    }

    @Test
    void aWriterTheOutputWaitsForIsRefusedBeforeAnythingRuns() throws Exception {
        Path target = dir.resolve("pwned-output");
        Path saved = hostile("output-waits", mg -> {
            SignatureDef sig = mg.getSignatureDefOrThrow("serving_default");
            String out = sig.getOutputsMap().values().iterator().next().getName();
            GraphDef g = withWriter(mg.getGraphDef(), target).toBuilder().addNode(NodeDef.newBuilder().setName("evil/out").setOp("Identity")
                    .addInput(out).addInput("^evil/init").putAttr("T", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())).build();
            String key = sig.getOutputsMap().keySet().iterator().next();
            return mg.toBuilder().setGraphDef(g).putSignatureDef("serving_default", sig.toBuilder()
                    .putOutputs(key, TensorInfo.newBuilder().setName("evil/out:0").setDtype(DataType.DT_FLOAT).build()).build()).build();
        });
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> NNViz.load(saved));
        assertTrue(e.getMessage().contains("WriteFile") && e.getMessage().contains("output-waits"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertFalse(Files.exists(target));
    }

    @Test
    void aFunctionThatCallsItselfIsRefusedWhereTheModelReachesItAndIgnoredWhereItDoesNot() throws Exception {
        FunctionDef rec = FunctionDef.newBuilder()
                .setSignature(OpDef.newBuilder().setName("evil_rec")
                        .addInputArg(OpDef.ArgDef.newBuilder().setName("x").setType(DataType.DT_FLOAT))
                        .addOutputArg(OpDef.ArgDef.newBuilder().setName("y").setType(DataType.DT_FLOAT)))
                .addNodeDef(call("again", "x"))
                .putRet("y", "again:output:0").build();
        Path unreached = hostile("rec-unreached", mg -> mg.toBuilder().setGraphDef(mg.getGraphDef().toBuilder()
                .setLibrary(mg.getGraphDef().getLibrary().toBuilder().addFunction(rec))).build());
        try (ModelView m = NNViz.load(unreached)) {
            assertEquals(10, m.scores(Tensor.of(TfNets.data().batch(0, 1), 1, 1, 28, 28)).shape().dim(1));
        }

        Path reached = hostile("rec-reached", mg -> {
            SignatureDef sig = mg.getSignatureDefOrThrow("serving_default");
            String out = sig.getOutputsMap().values().iterator().next().getName();
            GraphDef g = mg.getGraphDef().toBuilder().setLibrary(mg.getGraphDef().getLibrary().toBuilder().addFunction(rec))
                    .addNode(call("evil/call", out)).build();
            String key = sig.getOutputsMap().keySet().iterator().next();
            return mg.toBuilder().setGraphDef(g).putSignatureDef("serving_default", sig.toBuilder()
                    .putOutputs(key, TensorInfo.newBuilder().setName("evil/call:0").setDtype(DataType.DT_FLOAT).build()).build()).build();
        });
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> NNViz.load(reached));
        assertTrue(e.getMessage().contains("rec-reached"), e.getMessage());
    }

    private static NodeDef call(String name, String input) {
        return NodeDef.newBuilder().setName(name).setOp("PartitionedCall").addInput(input)
                .putAttr("f", AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName("evil_rec")).build())
                .putAttr("Tin", AttrValue.newBuilder().setList(AttrValue.ListValue.newBuilder().addType(DataType.DT_FLOAT)).build())
                .putAttr("Tout", AttrValue.newBuilder().setList(AttrValue.ListValue.newBuilder().addType(DataType.DT_FLOAT)).build())
                .build();
    }

    /**
     * The mutation campaign's frozen graph (liveness.pb#612@27): a node reading output 2^31 of
     * another killed the JVM in libtensorflow's ImportGraphDef; it is refused before the import.
     */
    @Test
    void anInputNamingAnOutputPastAnyOpsIsRefusedBeforeTheImport() throws Exception {
        for (String input : List.of("x:2147483648", "x:-1", "x:99999999999", "x:")) {
            NodeDef x = NodeDef.newBuilder().setName("x").setOp("Placeholder")
                    .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build()).build();
            NodeDef y = NodeDef.newBuilder().setName("y").setOp("Identity").addInput(input)
                    .putAttr("T", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build()).build();
            Path pb = Files.write(dir.resolve("damaged.pb"), GraphDef.newBuilder().addNode(x).addNode(y).build().toByteArray());
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> NNViz.load(pb), input);
            assertTrue(e.getMessage().contains("an output no op has"), e.getMessage());
        }
    }

    /** A constant of 10^10 floats filled from one value: 40 GB declared in a few bytes, refused before TensorFlow allocates it. */
    @Test
    void aConstantDeclaringGigabytesItDoesNotHoldIsRefused() throws Exception {
        TensorProto zeros = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).addFloatVal(0f).setTensorShape(TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dim.newBuilder().setSize(100_000)).addDim(TensorShapeProto.Dim.newBuilder().setSize(100_000))).build();
        NodeDef c = NodeDef.newBuilder().setName("zeros").setOp("Const")
                .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
                .putAttr("value", AttrValue.newBuilder().setTensor(zeros).build()).build();
        NodeDef y = NodeDef.newBuilder().setName("y").setOp("Identity").addInput("zeros")
                .putAttr("T", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build()).build();
        Path pb = Files.write(dir.resolve("zeros.pb"), GraphDef.newBuilder().addNode(c).addNode(y).build().toByteArray());
        io.nnviz.api.ModelTooLargeException e = assertThrows(io.nnviz.api.ModelTooLargeException.class,
                () -> NNViz.load(pb, io.nnviz.api.LoadOptions.defaults().memoryBudget(1L << 30)));
        assertTrue(e.getMessage().contains("constant 'zeros'") && e.getMessage().contains("37.3 GiB"), e.getMessage());
    }
}
