package io.nnviz.bench;

import io.nnviz.api.Group;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.spi.ModelBuilder;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.figures.ArchitectureDiagram;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Architecture layout and SVG at scale (issue 19): synthetic graphs of N nodes, a chain with a
 * skip edge every 3 nodes, and nested blocks (stages of identical blocks of 10 layers, each block
 * with its own skip), drawn collapsed (automatic depth, identical runs folded) and expanded. Prints
 * the seconds of layout and SVG, the peak heap and the SVG's size; writes the graph as DOT
 * beside ({@code --dot DIR}) for {@code bench/peers/dot_graphs.sh} to time Graphviz on the same.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.nnviz.bench.ArchitectureScale chain 20000 expanded</pre>
 */
public final class ArchitectureScale {
    private ArchitectureScale() {
    }

    /** A chain of n layers with a skip every 3. */
    static ModelView chain(int n) {
        ModelBuilder b = ModelBuilder.of("chain-" + n);
        for (int i = 0; i < n; i++) {
            LayerKind kind = i == 0 ? LayerKind.INPUT : i % 3 == 0 ? LayerKind.MERGE : LayerKind.CONV;
            LayerInfo.Builder l = LayerInfo.builder("n" + i, kind).outputShape(Shape.of(-1, 64, 56, 56));
            if (kind == LayerKind.CONV) {
                l.weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(64, 64, 3, 3)));
            }
            b.layer(l.build());
            if (i > 0) {
                b.edge("n" + (i - 1), "n" + i);
            }
            if (i >= 3 && i % 3 == 0) {
                b.edge("n" + (i - 3), "n" + i);
            }
        }
        return b.build();
    }

    /** 10 stages of identical blocks of 10 layers (n layers in all), each block skip-connected around its body. */
    static ModelView nested(int n) {
        ModelBuilder b = ModelBuilder.of("nested-" + n);
        b.layer(LayerInfo.builder("input", LayerKind.INPUT).outputShape(Shape.of(-1, 64, 56, 56)).build());
        String prev = "input";
        int perStage = Math.max(1, n / 100);
        for (int s = 0; s < 10; s++) {
            String stage = "stage" + s;
            List<String> stageLayers = new ArrayList<>();
            for (int k = 0; k < perStage; k++) {
                String block = stage + "/block" + k;
                List<String> members = new ArrayList<>();
                String in = prev;
                for (int j = 0; j < 10; j++) {
                    String id = block + "/l" + j;
                    LayerKind kind = j == 9 ? LayerKind.MERGE : j % 3 == 2 ? LayerKind.ACTIVATION : LayerKind.CONV;
                    LayerInfo.Builder l = LayerInfo.builder(id, kind).outputShape(Shape.of(-1, 64, 56, 56)).group(block);
                    if (kind == LayerKind.CONV) {
                        l.weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(64, 64, 3, 3)));
                    }
                    b.layer(l.build());
                    b.edge(prev, id);
                    if (j == 9) {
                        b.edge(in, id); // the block's skip
                    }
                    prev = id;
                    members.add(id);
                }
                b.group(new Group(block, "block" + k, "Block", stage, members));
                stageLayers.addAll(members);
            }
            b.group(new Group(stage, stage, "Stage", null, List.of()));
        }
        return b.build();
    }

    public static void main(String[] args) throws Exception {
        String kind = args.length > 0 ? args[0] : "chain";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        boolean expanded = args.length > 2 && args[2].equals("expanded");
        ModelView m = kind.equals("nested") ? nested(n) : chain(n);
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            p.resetPeakUsage();
        }
        int repeats = Integer.getInteger("nnviz.repeats", 1);
        double seconds = Double.MAX_VALUE, first = 0;
        String svg = null;
        for (int r = 0; r < repeats; r++) { // the first run includes class loading and JIT; with repeats, the best is printed too
            long t0 = System.nanoTime();
            ArchitectureDiagram d = ArchitectureDiagram.of(m);
            if (expanded) {
                d.autoCollapse(Integer.MAX_VALUE);
            }
            svg = Figures.toSvg(d.build());
            double s = (System.nanoTime() - t0) / 1e9;
            first = r == 0 ? s : first;
            seconds = Math.min(seconds, s);
        }
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                peak += p.getPeakUsage().getUsed();
            }
        }
        System.out.printf("nnviz %s %d nodes %s: %.2f s layout+SVG (first run %.2f s), peak heap %d MiB, SVG %d KiB, %d boxes%n", kind,
                m.layers().size(), expanded ? "expanded" : "collapsed", seconds, first, peak >> 20, svg.getBytes(StandardCharsets.UTF_8).length >> 10,
                svg.split("class=\"node\"", -1).length - 1);
        for (int i = 3; i + 1 < args.length; i++) {
            if (args[i].equals("--dot")) {
                Path f = Path.of(args[i + 1]).resolve(kind + "-" + n + ".dot");
                StringBuilder dot = new StringBuilder("digraph g { node [shape=box];\n");
                m.edges().forEach(e -> dot.append('"').append(e.from()).append("\" -> \"").append(e.to()).append("\";\n"));
                Files.writeString(f, dot.append("}\n"));
            }
        }
    }
}
