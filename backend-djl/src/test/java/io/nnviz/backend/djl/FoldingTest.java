package io.nnviz.backend.djl;

import io.nnviz.NNViz;
import io.nnviz.api.ModelView;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.testkit.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19's folding on torchvision's own architectures saved as TorchScript (corpus/fetch.sh):
 * ResNet-50's repeated bottlenecks drawn as "x N" boxes, MobileNetV2's 17 inverted-residual
 * blocks as 17 blocks, from the module tree the file keeps.
 */
@Tag("corpus")
@Tag("natives")
class FoldingTest {
    /** The tooltips of the diagram's node boxes: a collapsed block's says its full path and its run. */
    private static List<String> boxes(String svg) throws Exception {
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        NodeList gs = d.getElementsByTagName("g");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < gs.getLength(); i++) {
            Element g = (Element) gs.item(i);
            if ("node".equals(g.getAttribute("class"))) {
                out.add(g.getElementsByTagName("title").item(0).getTextContent());
            }
        }
        return out;
    }

    private static String draw(Path pt, int depth, String file) throws Exception {
        try (ModelView m = NNViz.load(pt)) {
            String svg = Figures.toSvg(ArchitectureDiagram.of(m).depth(depth).build());
            Path dir = Files.createDirectories(Path.of("target", "folding"));
            Files.writeString(dir.resolve(file), svg);
            return svg;
        }
    }

    @Test
    void resNet50sRepeatedBottlenecksAreFolded() throws Exception {
        List<String> b = boxes(draw(Corpus.file("torchscript/resnet50.pt"), 2, "resnet50-depth2.svg"));
        // each stage: its first bottleneck (with the downsample) alone, the identical rest as one box
        for (String want : List.of("layer1.1 \u00d72", "layer2.1 \u00d73", "layer3.1 \u00d75", "layer4.1 \u00d72")) {
            assertTrue(b.stream().anyMatch(s -> s.startsWith(want + " (")), want + " in " + b);
        }
        assertTrue(b.size() < 20, "the whole network in a screen of boxes: " + b);
    }

    @Test
    void mobileNetV2Is17Blocks() throws Exception {
        List<String> b = boxes(draw(Corpus.file("torchscript/mobilenet_v2.pt"), 2, "mobilenet_v2-depth2.svg"));
        Pattern block = Pattern.compile("^features\\.(\\d+)(?: \u00d7(\\d+) \\(|:)");
        int blocks = 0;
        for (String s : b) {
            Matcher mt = block.matcher(s);
            if (mt.find() && !s.contains("\n")) { // a collapsed block, not a layer (whose tooltip has lines)
                int index = Integer.parseInt(mt.group(1));
                if (index >= 1 && index <= 17) {
                    blocks += mt.group(2) == null ? 1 : Integer.parseInt(mt.group(2));
                }
            }
        }
        assertEquals(17, blocks, "inverted residual blocks features.1 to features.17: " + b);
    }

    /** A real ONNX export keeps no hierarchy but writes it into its names: MiniLM's six identical encoder layers fold into one box. */
    @Test
    void miniLmsNamesGiveItsBlocksAndTheSixEncoderLayersFold() throws Exception {
        try (ModelView m = NNViz.load(Corpus.file("onnx/all-minilm-l6-v2.onnx"))) {
            assertTrue(m.groups().isEmpty(), "the file keeps no groups");
            assertTrue(ArchitectureDiagram.hierarchyDepth(m) >= 3, "encoder / layer.N / attention ...");
            String svg = Figures.toSvg(ArchitectureDiagram.of(m).depth(2).build());
            Files.writeString(Files.createDirectories(Path.of("target", "folding")).resolve("minilm-depth2.svg"), svg);
            List<String> b = boxes(svg);
            assertTrue(b.stream().anyMatch(s -> s.startsWith("encoder/layer.0 \u00d76 (") || s.contains("layer.0 \u00d76 (")), "six encoder layers as one: " + b);
        }
    }
}
