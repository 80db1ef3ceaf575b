package io.nnviz.api;

import java.util.List;
import java.util.Objects;

/**
 * A nested block: a named set of layers the framework keeps together (a DJL
 * {@code SequentialBlock}, a ResNet stage, an ONNX {@code If} branch, a TensorFlow name scope).
 * Groups nest through {@code parentId}; renderers may draw a group collapsed.
 *
 * @param id            stable id, unique among the model's groups
 * @param name          display name
 * @param frameworkType the framework's own type name (for example {@code SequentialBlock})
 * @param parentId      the enclosing group's id, or {@code null} at top level
 * @param layerIds      ids of the layers directly in this group
 */
public record Group(String id, String name, String frameworkType, String parentId, List<String> layerIds) {
    /** Validates and copies the arguments. */
    public Group {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(frameworkType, "frameworkType");
        layerIds = List.copyOf(layerIds);
    }
}
