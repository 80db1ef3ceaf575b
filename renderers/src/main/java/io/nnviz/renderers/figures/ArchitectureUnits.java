package io.nnviz.renderers.figures;

import io.nnviz.api.Edge;
import io.nnviz.api.Group;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.renderers.LayerNames;
import io.nnviz.renderers.canvas.Num;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.canvas.Xml;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What an {@link ArchitectureDiagram} draws: which layers are boxes of their own, which groups
 * are frames around their layers, which are collapsed into one box, and which runs of identical
 * sibling blocks are folded into one box marked "x N"; and the edges between the boxes.
 */
final class ArchitectureUnits {
    private ArchitectureUnits() {
    }


    /** The widest a box gets: a name of about 44 characters fits, a longer one is cut with an ellipsis. */
    static final double MAX_W = 300;

    /** A box or frame in the diagram. */
    static final class Unit {
        final String id;
        final String name, line2, line3, line4;
        int fill;
        final String tooltip;
        final String parent; // id of the enclosing expanded group unit, or null
        final boolean frame;
        double x, y, w, h;
        /** A mark's outline colour (0: the usual grey), and white text on a dark overlay colour. */
        int outline;
        boolean lightText;
        /** A collapsed block's layers (of the first block, for a folded run), in the model's order; empty for a layer or frame. */
        final List<String> members = new ArrayList<>();
        /** A collapsed block's id as a reader knows it ({@link #shownId}); null for a layer or frame. */
        String path;
        /** How many identical blocks a collapsed block stands for (it and those folded into it): 1 unless folded. */
        int run = 1;

        Unit(String id, String name, String line2, String line3, String line4, int fill, String tooltip, String parent,
             boolean frame) {
            this.id = id;
            this.name = name;
            this.line2 = line2;
            this.line3 = line3;
            this.line4 = line4;
            this.fill = fill;
            this.tooltip = tooltip;
            this.parent = parent;
            this.frame = frame;
            double tw = Math.max(Math.max(textW(name, ArchitectureDiagram.NAME), textW(line2, ArchitectureDiagram.LINE)),
                    Math.max(textW(line3, ArchitectureDiagram.LINE), textW(line4, ArchitectureDiagram.LINE)));
            this.w = Math.max(110, Math.min(MAX_W, tw + 16));
            this.h = ArchitectureDiagram.NODE_H;
        }

        /** The width a line takes in the style the diagram draws it in (names past 44 characters are abbreviated anyway). */
        private static double textW(String s, TextStyle style) {
            return s == null ? 0 : style.width(Xml.abbreviate(s, 44));
        }
    }

    /** Decides which layers and groups become which units, and the edges between units. */
    static final class Units {
        final Map<String, Unit> units = new LinkedHashMap<>();
        final Map<String, String> unitOfLayer = new HashMap<>();
        final List<String[]> edges = new ArrayList<>();
        final int layerCount;
        /** What the short dimension names on the drawn boxes stand for ({@link LayerNames#dimensionKey}). */
        final Set<String> dimensionKey = new LinkedHashSet<>();
        /** The model has no edges (a TorchScript file keeps none): units are chained in the model's layer order, drawn faint. */
        boolean orderOnly;

        /**
         * The units of {@code m}: explicit {@code collapsed} and {@code expanded} groups first;
         * then, with {@code depth} > 0, groups at that depth collapsed and shallower ones drawn
         * as frames; with {@code auto} and no depth, the deepest depth whose boxes number at most
         * {@code autoLimit}. Runs of at least {@code minRun} identical collapsed siblings fold.
         */
        Units(ModelView m, Set<String> collapsed, Set<String> expanded, boolean auto, int autoLimit, int depth, int minRun) {
            this(m, groupsOf(m, auto, autoLimit), collapsed, expanded, auto, autoLimit, depth, minRun);
        }

        private Units(ModelView m, List<Group> modelGroups, Set<String> collapsed, Set<String> expanded, boolean auto, int autoLimit, int depth,
                      int minRun) {
            layerCount = m.layers().size();
            LayerNames names = LayerNames.of(m);
            Map<String, Group> groups = new LinkedHashMap<>();
            modelGroups.forEach(g -> groups.put(g.id(), g));
            Map<String, String> groupOfLayer = new HashMap<>();
            for (Group g : modelGroups) {
                g.layerIds().forEach(id -> groupOfLayer.put(id, g.id()));
            }
            for (LayerInfo l : m.layers()) {
                if (l.groupId() != null && groups.containsKey(l.groupId())) {
                    groupOfLayer.put(l.id(), l.groupId());
                }
            }
            Map<String, Integer> firstIndex = new HashMap<>();
            Map<String, Long> params = new HashMap<>();
            Map<String, Integer> sizes = new HashMap<>();
            List<LayerInfo> layers = m.layers();
            for (int i = 0; i < layers.size(); i++) {
                LayerInfo l = layers.get(i);
                for (String g = groupOfLayer.get(l.id()); g != null; g = groups.containsKey(g) ? groups.get(g).parentId() : null) {
                    firstIndex.putIfAbsent(g, i);
                    params.merge(g, l.parameterCount(), Long::sum);
                    sizes.merge(g, 1, Integer::sum);
                }
            }
            // which groups are drawn collapsed: explicit choice wins, else the depth asked for or chosen
            Map<String, Integer> depthOf = new HashMap<>();
            for (Group g : modelGroups) {
                depthOf.put(g.id(), depth(g, groups));
            }
            int at = depth > 0 ? depth : auto ? autoDepth(m, groups, groupOfLayer, depthOf, autoLimit) : 0;
            Set<String> isCollapsed = new HashSet<>();
            for (Group g : modelGroups) {
                if (collapsed.contains(g.id()) || at > 0 && depthOf.get(g.id()) == at && !expanded.contains(g.id())) {
                    isCollapsed.add(g.id());
                }
            }
            // the outermost collapsed ancestor represents a layer
            Map<String, String> rep = new HashMap<>();
            for (Group g : modelGroups) {
                String top = null;
                for (String a = g.id(); a != null; a = groups.containsKey(a) ? groups.get(a).parentId() : null) {
                    if (isCollapsed.contains(a)) {
                        top = a;
                    }
                }
                if (top != null) {
                    rep.put(g.id(), top);
                }
            }
            // fold runs of identical collapsed siblings that feed one another (a stack of blocks), or that read and feed the
            // same (parallel branches: a fan of 200 identical towers is one box "x200", not a strip 200 boxes wide)
            Map<String, String> foldedInto = new HashMap<>();
            Map<String, Integer> runLength = new HashMap<>();
            if (!isCollapsed.isEmpty()) {
                Set<String> feeds = new HashSet<>(); // "a\0b": a collapsed group whose output a collapsed group reads
                Map<String, Set<String>> from = new HashMap<>(), to = new HashMap<>(); // what each collapsed group reads and feeds
                for (Edge e : m.edges()) {
                    String ga = groupOfLayer.get(e.from()), gb = groupOfLayer.get(e.to());
                    String a = ga == null ? null : rep.get(ga), b = gb == null ? null : rep.get(gb);
                    if (a != null && a.equals(b)) {
                        continue;
                    }
                    if (a != null && b != null) {
                        feeds.add(a + "\u0000" + b);
                    }
                    if (b != null) {
                        from.computeIfAbsent(b, k -> new HashSet<>()).add(a != null ? "g:" + a : "l:" + e.from());
                    }
                    if (a != null) {
                        to.computeIfAbsent(a, k -> new HashSet<>()).add(b != null ? "g:" + b : "l:" + e.to());
                    }
                }
                Map<String, List<Group>> siblings = new LinkedHashMap<>();
                for (Group g : modelGroups) {
                    if (isCollapsed.contains(g.id()) && rep.get(g.id()).equals(g.id()) && firstIndex.containsKey(g.id())) {
                        siblings.computeIfAbsent(String.valueOf(g.parentId()), k -> new ArrayList<>()).add(g);
                    }
                }
                for (List<Group> sib : siblings.values()) {
                    sib.sort((a, b) -> Integer.compare(firstIndex.get(a.id()), firstIndex.get(b.id())));
                    int i = 0;
                    while (i < sib.size()) {
                        int j = i + 1;
                        String sig = signature(sib.get(i), m, groupOfLayer, params);
                        while (j < sib.size() && signature(sib.get(j), m, groupOfLayer, params).equals(sig)
                                && (m.edges().isEmpty() || feeds.contains(sib.get(j - 1).id() + "\u0000" + sib.get(j).id())
                                || parallel(sib.get(i).id(), sib.get(j).id(), from, to))) {
                            j++;
                        }
                        if (j - i >= minRun) {
                            for (int k = i + 1; k < j; k++) {
                                foldedInto.put(sib.get(k).id(), sib.get(i).id());
                            }
                            runLength.put(sib.get(i).id(), j - i);
                        }
                        i = j;
                    }
                }
            }
            // expanded groups that contain something drawn become frames
            for (Group g : modelGroups) {
                if (rep.containsKey(g.id()) || !sizes.containsKey(g.id())) {
                    continue;
                }
                String parent = g.parentId() != null && groups.containsKey(g.parentId()) && !rep.containsKey(g.parentId())
                        ? "g:" + g.parentId() : null;
                units.put("g:" + g.id(), new Unit("g:" + g.id(), g.name(), g.frameworkType(), null, null, 0x00000000,
                        g.name() + " (" + g.frameworkType() + ")", parent, true));
            }
            Map<String, String> framePrefix = new HashMap<>();
            for (LayerInfo l : layers) {
                String g = groupOfLayer.get(l.id());
                String r = g == null ? null : rep.get(g);
                if (r != null) {
                    String target = foldedInto.getOrDefault(r, r);
                    String uid = "c:" + target;
                    unitOfLayer.put(l.id(), uid);
                    if (!units.containsKey(uid)) {
                        Group rg = groups.get(target);
                        Integer run = runLength.get(target);
                        String name = rg.name() + (run != null ? " \u00d7" + run : "");
                        long p = params.getOrDefault(target, 0L) * (run == null ? 1 : run);
                        String parent = rg.parentId() != null && groups.containsKey(rg.parentId()) && !rep.containsKey(rg.parentId())
                                ? "g:" + rg.parentId() : null;
                        String path = Xml.abbreviate(shownId(rg), 1000);
                        Unit c = new Unit(uid, name, "block \u00b7 " + rg.frameworkType(),
                                sizes.get(target) * (run == null ? 1 : run) + " layers (collapsed)",
                                p > 0 ? "params " + Num.shortCount(p) : null, 0xFFF0F0F0, // as a layer without parameters
                                path + (run != null ? " \u00d7" + run + " (it and the " + (run - 1)
                                        + (run == 2 ? " identical block after it)" : " identical blocks after it)") : "")
                                        + ": " + rg.frameworkType() + ", " + Num.count(p) + " parameters",
                                parent, false);
                        c.path = path;
                        c.run = run == null ? 1 : run;
                        units.put(uid, c);
                    }
                    if (r.equals(target)) {
                        units.get(uid).members.add(l.id());
                    }
                    continue;
                }
                String uid = "l:" + l.id();
                unitOfLayer.put(l.id(), uid);
                String shape = LayerNames.fullShape(l);
                String type = l.kind().name().toLowerCase(Locale.ROOT) + " \u00b7 " + l.frameworkType();
                String parent = g != null && units.containsKey("g:" + g) ? "g:" + g : null;
                // the full id on hover; on the node, the name without the prefix all layers share, and
                // inside a group's frame without the group's own path
                StringBuilder tip = new StringBuilder(Xml.abbreviate(l.id(), 1000));
                if (!l.name().equals(l.id())) {
                    tip.append(" (").append(Xml.abbreviate(l.name(), 1000)).append(')');
                }
                tip.append('\n').append(l.frameworkType()).append(", out ").append(shape)
                        .append(", ").append(Num.count(l.parameterCount())).append(" parameters");
                l.attributes().forEach((k, v) -> tip.append('\n').append(k).append(": ").append(v));
                String label = parent != null && g.startsWith(NameGroups.ID_PREFIX) ? NameGroups.shortName(l.name()) : names.display(l);
                if (parent != null && g != null && l.name().length() > g.length() + 1 && l.name().startsWith(g)
                        && "/.:".indexOf(l.name().charAt(g.length())) >= 0) {
                    label = l.name().substring(g.length() + 1);
                } else if (parent != null && !g.startsWith(NameGroups.ID_PREFIX)) {
                    // a framework's own group: its members' names without the prefix most of them share
                    String p = framePrefix.computeIfAbsent(g, k -> LayerNames.of(membersOf(k, layers, groupOfLayer)).prefix());
                    if (!p.isEmpty() && l.name().startsWith(p) && l.name().length() > p.length()) {
                        label = l.name().substring(p.length());
                    }
                }
                dimensionKey.addAll(names.dimensionKey(l));
                units.put(uid, new Unit(uid, label, type, "out " + names.shape(l),
                        l.parameterCount() > 0 ? "params " + Num.shortCount(l.parameterCount()) : null,
                        ArchitectureDiagram.KIND_COLORS.get(l.kind()), tip.toString(), parent, false));
            }
            Set<String> seen = new HashSet<>();
            for (Edge e : m.edges()) {
                String a = unitOfLayer.get(e.from()), b = unitOfLayer.get(e.to());
                if (a != null && b != null && !a.equals(b) && seen.add(a + "\u0000" + b)) {
                    edges.add(new String[] {a, b});
                }
            }
            if (m.edges().isEmpty()) {
                // no edges to lay out by: keep the model's order readable as a faint chain rather than a heap
                String prev = null;
                for (Unit x : units.values()) {
                    if (!x.frame) {
                        if (prev != null) {
                            edges.add(new String[] {prev, x.id});
                        }
                        prev = x.id;
                    }
                }
                orderOnly = !edges.isEmpty();
            }
        }

        /**
         * The model's groups; for a model without any, the ones its layer names give
         * ({@link NameGroups}), completed from the graph ({@link StructureGroups}); failing those, the
         * blocks its graph gives ({@link StructureBlocks}); failing those, past {@link #CHUNK_FACTOR}
         * times the automatic limit, runs of layers.
         */
        static List<Group> groupsOf(ModelView m, boolean auto, int autoLimit) {
            if (!m.groups().isEmpty()) {
                return m.groups();
            }
            List<Group> named = NameGroups.of(m);
            if (!named.isEmpty()) {
                return StructureGroups.complete(m, named);
            }
            List<Group> blocks = StructureBlocks.of(m, auto && m.layers().size() > autoLimit);
            if (!blocks.isEmpty()) {
                return blocks;
            }
            return auto && m.layers().size() > CHUNK_FACTOR * Math.max(1, autoLimit) ? chunks(m, Math.max(1, autoLimit)) : List.of();
        }

        /**
         * A group's id as a reader knows it: a group of names is its names' prefix; a group nnviz made
         * from the graph or the layers' order has an id only nnviz knows, and is shown by its name.
         */
        static String shownId(Group g) {
            if (g.id().startsWith(NameGroups.ID_PREFIX)) {
                return g.id().substring(NameGroups.ID_PREFIX.length());
            }
            return g.id().startsWith(SYNTHETIC) ? g.name() : g.id();
        }

        /** What the ids of the groups nnviz makes start with ({@link NameGroups}, {@link StructureBlocks}, {@link #chunks}). */
        static final String SYNTHETIC = "nnviz:";

        /** A model without groups is cut into runs only past this many times the automatic limit: below, it is drawn whole. */
        static final int CHUNK_FACTOR = 10;

        /**
         * For a model with no groups of its own and too many layers to draw one by one (a flat
         * chain of 100,000 ops): runs of consecutive layers as groups, at most {@code limit} of
         * them, so the collapsed view's size is bounded by what is shown; identical runs then fold.
         */
        static List<Group> chunks(ModelView m, int limit) {
            List<LayerInfo> layers = m.layers();
            int size = (layers.size() + limit - 1) / limit;
            List<Group> out = new ArrayList<>();
            for (int from = 0; from < layers.size(); from += size) {
                int to = Math.min(layers.size(), from + size);
                List<String> ids = new ArrayList<>(to - from);
                for (int k = from; k < to; k++) {
                    ids.add(layers.get(k).id());
                }
                String name = "layers " + from + "\u2013" + (to - 1);
                out.add(new Group(SYNTHETIC + "chunk:" + from, name, to - from + " layers in order", null, ids));
            }
            return out;
        }

        /** True for two collapsed groups that read the same units and feed the same units. */
        private static boolean parallel(String a, String b, Map<String, Set<String>> from, Map<String, Set<String>> to) {
            return from.containsKey(a) && from.get(a).equals(from.get(b)) && Objects.equals(to.get(a), to.get(b));
        }

        /** The layers directly in group {@code g}. */
        private static List<LayerInfo> membersOf(String g, List<LayerInfo> layers, Map<String, String> groupOfLayer) {
            List<LayerInfo> out = new ArrayList<>();
            for (LayerInfo l : layers) {
                if (g.equals(groupOfLayer.get(l.id()))) {
                    out.add(l);
                }
            }
            return out;
        }

        /** 1 for a top-level group, its parent's depth plus one below. */
        private static int depth(Group g, Map<String, Group> groups) {
            int d = 1;
            for (String p = g.parentId(); p != null && groups.containsKey(p) && d < 10_000; p = groups.get(p).parentId()) {
                d++;
            }
            return d;
        }

        /**
         * The deepest depth at which the diagram has at most {@code limit} boxes (layers outside
         * every group of that depth, plus one box per group of that depth), at least 1: what is
         * shown, not the model's size, sets the cost of the layout.
         */
        private static int autoDepth(ModelView m, Map<String, Group> groups, Map<String, String> groupOfLayer, Map<String, Integer> depthOf,
                                     int limit) {
            int max = depthOf.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            int best = 1;
            for (int d = 1; d <= max; d++) {
                Set<String> boxes = new HashSet<>();
                for (LayerInfo l : m.layers()) {
                    String box = "l:" + l.id();
                    for (String g = groupOfLayer.get(l.id()); g != null; g = groups.containsKey(g) ? groups.get(g).parentId() : null) {
                        if (depthOf.getOrDefault(g, 0) == d) {
                            box = "g:" + g;
                        }
                    }
                    boxes.add(box);
                    if (boxes.size() > limit) {
                        break;
                    }
                }
                if (boxes.size() > limit) {
                    break;
                }
                best = d;
            }
            return best;
        }

        private static String signature(Group g, ModelView m, Map<String, String> groupOfLayer, Map<String, Long> params) {
            StringBuilder sb = new StringBuilder(g.frameworkType()).append('|').append(params.get(g.id())).append('|');
            for (LayerInfo l : m.layers()) {
                if (g.id().equals(groupOfLayer.get(l.id()))) {
                    sb.append(l.kind().ordinal()).append(',');
                }
            }
            return sb.toString();
        }
    }
}
