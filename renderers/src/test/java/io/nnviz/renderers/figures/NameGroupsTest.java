package io.nnviz.renderers.figures;

import io.nnviz.api.Group;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.spi.ModelBuilder;
import io.nnviz.renderers.Figures;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hierarchies layer names imply: path names, dotted module paths, Keras' numbered blocks; operator-and-index names imply none. */
class NameGroupsTest {
    @Test
    void namesGiveTheirPrefixes() {
        assertEquals(List.of("encoder", "layer.0", "attention", "self", "query"), NameGroups.path("/encoder/layer.0/attention/self/query/MatMul"));
        assertEquals(List.of("layer1", "0"), NameGroups.path("layer1.0.conv1"));
        assertEquals(List.of("block_3"), NameGroups.path("block_3_expand_BN"));
        assertEquals(List.of(), NameGroups.path("Conv.12"));
        assertEquals(List.of(), NameGroups.path("conv1"));
        assertEquals(List.of(), NameGroups.path("/Unsqueeze"));
        assertEquals("MatMul", NameGroups.shortName("/encoder/layer.0/attention/self/query/MatMul"));
        assertEquals("conv1", NameGroups.shortName("layer1.0.conv1"));
        assertEquals("expand_BN", NameGroups.shortName("block_3_expand_BN"));
        assertEquals("Conv.12", NameGroups.shortName("Conv.12"));
    }

    @Test
    void aGroupNeedsTwoLayersAndMayNotHoldThemAll() {
        ModelBuilder b = ModelBuilder.of("keras");
        String prev = null;
        for (String n : List.of("input_1", "block_1_expand", "block_1_expand_BN", "block_2_expand", "block_2_expand_BN", "block_3_only", "out")) {
            b.layer(LayerInfo.builder(n, n.equals("input_1") ? LayerKind.INPUT : LayerKind.CONV).build());
            if (prev != null) {
                b.edge(prev, n);
            }
            prev = n;
        }
        ModelView m = b.build();
        List<Group> g = NameGroups.of(m);
        assertEquals(List.of("block_1", "block_2"), g.stream().map(Group::name).toList(), "block_3 has one layer; input_1 is no block");
        assertEquals(List.of("block_1_expand", "block_1_expand_BN"), g.get(0).layerIds());
        ModelBuilder all = ModelBuilder.of("shared");
        all.layer(LayerInfo.builder("x", LayerKind.INPUT).build()).layer(LayerInfo.builder("model/a/y", LayerKind.DENSE).build())
                .layer(LayerInfo.builder("model/a/z", LayerKind.DENSE).build()).chain("x", "model/a/y", "model/a/z");
        assertTrue(NameGroups.of(all.build()).isEmpty(), "a prefix every layer but the input shares is no block");
    }

    /**
     * A group of names has an id only nnviz knows ({@code nnviz:name:block_1}): a collapsed block of
     * one shows the reader its names' prefix, in its tooltip and in what the report's panel reads
     * ({@code data-name}), and lists its layers for the panel ({@code data-layers}).
     */
    @Test
    void aCollapsedGroupOfNamesShowsItsPrefixNotItsId() {
        ModelBuilder b = ModelBuilder.of("keras");
        String prev = null;
        for (String n : List.of("input_1", "block_1_expand", "block_1_expand_BN", "block_2_expand", "out")) {
            b.layer(LayerInfo.builder(n, n.equals("input_1") ? LayerKind.INPUT : LayerKind.CONV).build());
            if (prev != null) {
                b.edge(prev, n);
            }
            prev = n;
        }
        String svg = Figures.toSvg(ArchitectureDiagram.of(b.build()).depth(1).build());
        assertTrue(svg.contains("data-group=\"" + NameGroups.ID_PREFIX + "block_1\""), svg);
        assertTrue(svg.contains("data-name=\"block_1\""), svg);
        assertTrue(svg.contains("data-layers=\"block_1_expand\nblock_1_expand_BN\""), svg);
        assertTrue(svg.contains("<title>block_1: "), svg);
        assertFalse(svg.contains("<title>" + NameGroups.ID_PREFIX), "no tooltip shows nnviz's own id: " + svg);
    }
}
