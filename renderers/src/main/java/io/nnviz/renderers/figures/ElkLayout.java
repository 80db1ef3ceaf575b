package io.nnviz.renderers.figures;

import io.nnviz.renderers.figures.ArchitectureUnits.Unit;
import io.nnviz.renderers.figures.ArchitectureUnits.Units;
import org.eclipse.elk.alg.layered.options.LayeredMetaDataProvider;
import org.eclipse.elk.alg.layered.options.LayeredOptions;
import org.eclipse.elk.core.RecursiveGraphLayoutEngine;
import org.eclipse.elk.core.data.LayoutMetaDataService;
import org.eclipse.elk.core.math.ElkPadding;
import org.eclipse.elk.core.options.CoreOptions;
import org.eclipse.elk.core.options.Direction;
import org.eclipse.elk.core.options.HierarchyHandling;
import org.eclipse.elk.core.util.BasicProgressMonitor;
import org.eclipse.elk.graph.ElkBendPoint;
import org.eclipse.elk.graph.ElkEdge;
import org.eclipse.elk.graph.ElkEdgeSection;
import org.eclipse.elk.graph.ElkNode;
import org.eclipse.elk.graph.util.ElkGraphUtil;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Lays out an architecture diagram's units with Eclipse ELK's layered algorithm: frames as
 * compound nodes, boxes at their measured size, edges routed orthogonally; the units get their
 * absolute positions and the edges come back as polylines.
 */
final class ElkLayout {
    private ElkLayout() {
    }

    /** Laid-out edges as polylines in absolute coordinates, and the overall size. */
    record Placed(List<double[][]> edges, double width, double height) {
    }

    private static volatile boolean registered;

    private static void register() {
        if (!registered) {
            synchronized (ArchitectureDiagram.class) {
                if (!registered) {
                    LayoutMetaDataService.getInstance().registerLayoutMetaDataProviders(new LayeredMetaDataProvider());
                    registered = true;
                }
            }
        }
    }

    /** The layout of {@code u}: as kept from an earlier run of the same diagram ({@link LayoutCache}), else ELK's, then kept. */
    static Placed layout(Units u, ArchitectureDiagram.Direction direction, String modelName) {
        Path dir = LayoutCache.dir();
        byte[] key = dir == null ? null : LayoutCache.key(u, direction);
        Placed kept = key == null ? null : LayoutCache.get(dir, key, u);
        if (kept != null) {
            return kept;
        }
        Placed placed = elk(u, direction, modelName);
        if (key != null) {
            LayoutCache.put(dir, key, u, placed);
        }
        return placed;
    }

    private static Placed elk(Units u, ArchitectureDiagram.Direction direction, String modelName) {
        register();
        AtomicReference<Object> result = new AtomicReference<>();
        // ELK 0.10 recurses once per node along a chain (ComponentsProcessor.dfs): a 500-node chain overflowed
        // the default stack, so layouts run on a thread with a 512 MiB stack (reserved, not committed)
        Thread t = new Thread(null, () -> {
            try {
                result.set(doLayout(u, direction));
            } catch (RuntimeException | StackOverflowError e) {
                result.set(e);
            }
        }, "nnviz-elk-layout", 512L << 20);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during layout", e);
        }
        Object r = result.get();
        if (r instanceof Placed p) {
            return p;
        }
        throw new IllegalStateException("ELK layout failed for model '" + modelName + "': " + r, (Throwable) r);
    }

    private static Placed doLayout(Units u, ArchitectureDiagram.Direction direction) {
        ElkNode root = ElkGraphUtil.createGraph();
        root.setProperty(CoreOptions.ALGORITHM, LayeredOptions.ALGORITHM_ID);
        root.setProperty(CoreOptions.DIRECTION, direction == ArchitectureDiagram.Direction.TOP_DOWN
                ? Direction.DOWN : Direction.RIGHT);
        root.setProperty(CoreOptions.SEPARATE_CONNECTED_COMPONENTS, false);
        root.setProperty(LayeredOptions.THOROUGHNESS, u.layerCount > 300 ? 1 : 7);
        root.setProperty(LayeredOptions.SPACING_NODE_NODE, 18.0);
        root.setProperty(LayeredOptions.SPACING_NODE_NODE_BETWEEN_LAYERS, 26.0);
        root.setProperty(LayeredOptions.SPACING_EDGE_NODE, 10.0);
        root.setProperty(CoreOptions.PADDING, new ElkPadding(ArchitectureDiagram.PAD));
        boolean hierarchical = u.units.values().stream().anyMatch(x -> x.frame);
        if (hierarchical) {
            root.setProperty(CoreOptions.HIERARCHY_HANDLING, HierarchyHandling.INCLUDE_CHILDREN);
        }
        Map<String, ElkNode> nodes = new HashMap<>();
        // frames first (parents before children: groups are listed outer-first by backends)
        List<Unit> pending = new ArrayList<>(u.units.values());
        while (!pending.isEmpty()) {
            boolean progress = false;
            for (Iterator<Unit> it = pending.iterator(); it.hasNext(); ) {
                Unit x = it.next();
                if (x.parent != null && !nodes.containsKey(x.parent)) {
                    continue;
                }
                ElkNode n = ElkGraphUtil.createNode(x.parent == null ? root : nodes.get(x.parent));
                if (x.frame) {
                    n.setProperty(CoreOptions.PADDING, new ElkPadding(ArchitectureDiagram.GROUP_HEADER + 6, 10, 10, 10));
                    n.setProperty(CoreOptions.DIRECTION, root.getProperty(CoreOptions.DIRECTION));
                } else {
                    n.setDimensions(x.w, x.h);
                }
                nodes.put(x.id, n);
                it.remove();
                progress = true;
            }
            if (!progress) {
                // a parent that is not drawn: attach the rest at top level
                for (Unit x : pending) {
                    ElkNode n = ElkGraphUtil.createNode(root);
                    n.setDimensions(x.w, x.h);
                    nodes.put(x.id, n);
                }
                pending.clear();
            }
        }
        List<ElkEdge> elkEdges = new ArrayList<>(u.edges.size());
        for (String[] e : u.edges) {
            ElkEdge edge = ElkGraphUtil.createSimpleEdge(nodes.get(e[0]), nodes.get(e[1]));
            ElkGraphUtil.updateContainment(edge);
            elkEdges.add(edge);
        }
        new RecursiveGraphLayoutEngine().layout(root, new BasicProgressMonitor());
        for (Unit x : u.units.values()) {
            ElkNode n = nodes.get(x.id);
            double[] abs = absolute(n, root);
            x.x = abs[0];
            x.y = abs[1] + ArchitectureDiagram.TITLE_H;
            x.w = n.getWidth();
            x.h = n.getHeight();
        }
        List<double[][]> polylines = new ArrayList<>(elkEdges.size());
        for (ElkEdge e : elkEdges) {
            ElkNode container = e.getContainingNode();
            double[] off = container == null ? new double[2] : absolute(container, root);
            for (ElkEdgeSection s : e.getSections()) {
                int n = s.getBendPoints().size() + 2;
                double[] xs = new double[n], ys = new double[n];
                xs[0] = s.getStartX() + off[0];
                ys[0] = s.getStartY() + off[1] + ArchitectureDiagram.TITLE_H;
                int i = 1;
                for (ElkBendPoint b : s.getBendPoints()) {
                    xs[i] = b.getX() + off[0];
                    ys[i] = b.getY() + off[1] + ArchitectureDiagram.TITLE_H;
                    i++;
                }
                xs[n - 1] = s.getEndX() + off[0];
                ys[n - 1] = s.getEndY() + off[1] + ArchitectureDiagram.TITLE_H;
                polylines.add(new double[][] {xs, ys});
            }
        }
        return new Placed(polylines, root.getWidth(), root.getHeight() + ArchitectureDiagram.TITLE_H);
    }

    private static double[] absolute(ElkNode n, ElkNode root) {
        double x = 0, y = 0;
        for (ElkNode k = n; k != null && k != root; k = k.getParent()) {
            x += k.getX();
            y += k.getY();
        }
        return new double[] {x, y};
    }
}
