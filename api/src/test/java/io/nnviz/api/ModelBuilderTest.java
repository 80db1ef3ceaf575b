package io.nnviz.api;

import io.nnviz.api.spi.ModelBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelBuilderTest {

    private static LayerInfo layer(String id) {
        return LayerInfo.builder(id, LayerKind.OTHER).build();
    }

    @Test
    void layersAreSortedTopologicallyAndStably() {
        ModelView m = ModelBuilder.of("skip")
                .layer(layer("add")).layer(layer("in")).layer(layer("a")).layer(layer("b")).layer(layer("side"))
                .chain("in", "a", "b", "add").edge("in", "add")
                .build();
        assertEquals(List.of("in", "a", "b", "add", "side"), m.layers().stream().map(LayerInfo::id).toList());
        assertEquals(5, m.edges().size() + 1);
    }

    @Test
    void badStructureGivesMessagesNamingTheCulprit() {
        InvalidInputException dup = assertThrows(InvalidInputException.class,
                () -> ModelBuilder.of("m").layer(layer("x")).layer(layer("x")).build());
        assertTrue(dup.getMessage().contains("'x'"), dup.getMessage());
        InvalidInputException edge = assertThrows(InvalidInputException.class,
                () -> ModelBuilder.of("m").layer(layer("x")).edge("x", "ghost").build());
        assertTrue(edge.getMessage().contains("ghost"), edge.getMessage());
        InvalidInputException cycle = assertThrows(InvalidInputException.class,
                () -> ModelBuilder.of("m").layer(layer("p")).layer(layer("q")).chain("p", "q", "p").build());
        assertTrue(cycle.getMessage().contains("cycle"), cycle.getMessage());
    }

    @Test
    void weightsMustMatchTheirSpecs() {
        LayerInfo fc = LayerInfo.builder("fc", LayerKind.DENSE)
                .weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(2, 3))).build();
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> ModelBuilder.of("m").layer(fc)
                .weights("fc", WeightTensor.of("fc", "W", WeightRole.KERNEL, Tensor.zeros(3, 2))).build());
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3, 2]"), e.getMessage());
    }

    @Test
    void missingCapabilitiesSayHowToAddThem() {
        LayerInfo fc = LayerInfo.builder("fc", LayerKind.DENSE)
                .weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(2, 3))).build();
        try (ModelView m = ModelBuilder.of("structure-only").layer(fc).build()) {
            assertEquals(6, m.parameterCount());
            assertTrue(m.capabilities().isEmpty());
            UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                    () -> m.activations(Tensor.zeros(1, 3), List.of("fc")));
            assertTrue(e.getMessage().contains("ModelBuilder.forward"), e.getMessage());
            assertThrows(UnsupportedCapabilityException.class, () -> m.weights("fc"));
        }
    }

    @Test
    void layerAttributesKeepOrderAndCannotBeChanged() {
        LayerInfo l = LayerInfo.builder("c", LayerKind.CONV).attribute("kernel", "3x3").attribute("stride", 2)
                .attribute("activation", "relu").build();
        assertEquals(List.of("kernel", "stride", "activation"), List.copyOf(l.attributes().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> l.attributes().put("x", "y"));
        assertEquals("c", l.name());
        assertEquals("CONV", l.frameworkType());
    }
}
