package io.nnviz.renderers.figures;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.spi.ModelBuilder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 30: the layout-quality measures on graphs whose answer is known by construction, and the
 * bounds the diagram keeps on graph shapes the corpus lacks (a wide fan of parallel branches).
 */
class LayoutQualityTest {
    private static LayerInfo layer(String id, LayerKind kind) {
        return LayerInfo.builder(id, kind).frameworkType(kind.name()).build();
    }

    @Test
    void aChainFlowsDownWithoutCrossings() {
        ModelBuilder b = ModelBuilder.of("chain");
        String[] ids = new String[12];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = "l" + i;
            b.layer(layer(ids[i], i == 0 ? LayerKind.INPUT : LayerKind.DENSE));
        }
        ModelView m = b.chain(ids).build();
        LayoutQuality q = LayoutQuality.of(ArchitectureDiagram.of(m).build());
        assertEquals(12, q.boxes());
        assertEquals(11, q.edges());
        assertEquals(1.0, q.downwardShare());
        assertEquals(0.0, q.crossingsPerEdge());
        assertEquals(1.0, q.groupPurity());
        assertTrue(q.aspect() < 1, "a chain is tall: " + q);
    }

    /** 200 parallel branches from one input into one merge: drawn side by side, the page would be 100 times wider than tall. */
    @Test
    void aWideFanIsNotAStrip() {
        ModelBuilder b = ModelBuilder.of("fan").layer(layer("in", LayerKind.INPUT)).layer(layer("merge", LayerKind.MERGE));
        for (int i = 0; i < 200; i++) {
            b.layer(layer("branch_conv" + i, LayerKind.CONV)).layer(layer("branch_act" + i, LayerKind.ACTIVATION));
            b.edge("in", "branch_conv" + i).edge("branch_conv" + i, "branch_act" + i).edge("branch_act" + i, "merge");
        }
        LayoutQuality q = LayoutQuality.of(ArchitectureDiagram.of(b.build()).build());
        assertTrue(q.aspect() <= 3, "a page no wider than 3 times its height: " + q);
        assertEquals(1.0, q.groupPurity(), q.toString());
    }
}
