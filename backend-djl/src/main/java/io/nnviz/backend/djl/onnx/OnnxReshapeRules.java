package io.nnviz.backend.djl.onnx;

import io.nnviz.backend.djl.onnx.OnnxShapeRules.Rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.nnviz.backend.djl.onnx.OnnxShapeRules.add;

/**
 * Shape rules for the operators that rearrange a tensor: {@code Flatten}, {@code Reshape} (its
 * 0s and its -1, which may come out as the one symbol the other sizes leave), {@code Transpose}
 * (which keeps a small tensor's values, permuted), {@code Squeeze} and {@code Unsqueeze} (which
 * keep a shape vector's values), {@code Expand} and {@code Tile}; padding and resizing are
 * {@link OnnxResizeRules}'.
 */
final class OnnxReshapeRules {
    private OnnxReshapeRules() {
    }

    static void register(Map<String, Rule> rules) {
        add(rules, OnnxReshapeRules::flatten, "Flatten");
        add(rules, n -> n.put(reshape(n)), "Reshape");
        add(rules, OnnxReshapeRules::transpose, "Transpose");
        add(rules, n -> n.put(squeeze(n)), "Squeeze");
        add(rules, n -> n.put(unsqueeze(n)), "Unsqueeze");
        add(rules, OnnxReshapeRules::expand, "Expand");
        add(rules, OnnxReshapeRules::tile, "Tile");
    }

    private static void flatten(OnnxNode n) {
        List<OnnxDim> x = n.dims(0);
        if (x != null) {
            int axis = (int) n.attrInt("axis", 1);
            axis = axis < 0 ? axis + x.size() : axis;
            n.put(OnnxTensorInfo.of(List.of(OnnxDim.product(x.subList(0, axis)), OnnxDim.product(x.subList(axis, x.size()))), n.type(0)));
        }
    }

    private static void transpose(OnnxNode n) {
        OnnxTensorInfo x = n.info(0);
        if (x != null && x.dims() != null) {
            long[] p = n.attrInts("perm");
            int[] perm = new int[x.rank()];
            List<OnnxDim> d = new ArrayList<>();
            for (int i = 0; i < x.rank(); i++) {
                perm[i] = (int) (p == null || p.length == 0 ? x.rank() - 1 - i : p[i]);
                d.add(x.dims().get(perm[i]));
            }
            OnnxTensorInfo out = OnnxTensorInfo.of(d, x.type());
            n.put(x.values() == null ? out : out.withValues(OnnxValues.transpose(x.dims(), x.values(), perm)));
        }
    }

    private static void expand(OnnxNode n) {
        List<OnnxDim> target = n.values(1), x = n.dims(0);
        if (target == null) {
            // sizes given at run time: the rank is the longer of the input's and the shape's length, and where the input's
            // size is not 1 the output's is that size (the shape's must be 1 or equal to it)
            long length = n.length(1);
            if (x == null || length < 0) {
                return;
            }
            int rank = (int) Math.max(x.size(), length);
            List<OnnxDim> d = new ArrayList<>();
            for (int i = 0; i < rank; i++) {
                int xi = i - (rank - x.size());
                OnnxDim own = xi >= 0 ? x.get(xi) : null;
                d.add(own != null && own.known() && own.size() != 1 ? own : OnnxDim.UNKNOWN);
            }
            n.put(OnnxTensorInfo.of(d, n.type(0)));
            return;
        }
        n.put(OnnxTensorInfo.of(OnnxDim.broadcast(List.of(x, OnnxDim.asSizes(target))), n.type(0)));
    }

    private static void tile(OnnxNode n) {
        List<OnnxDim> x = n.dims(0);
        long[] reps = n.intValues(1);
        if (x != null && reps != null && reps.length == x.size()) {
            List<OnnxDim> d = new ArrayList<>();
            for (int i = 0; i < x.size(); i++) {
                d.add(x.get(i).known() ? OnnxDim.of(x.get(i).size() * reps[i]) : reps[i] == 1 ? x.get(i) : OnnxDim.UNKNOWN);
            }
            n.put(OnnxTensorInfo.of(d, n.type(0)));
        } else if (x != null) {
            n.put(OnnxTensorInfo.of(OnnxDim.unknownLike(x), n.type(0))); // repeats at run time: the rank only
        }
    }

    /** A Reshape wildcard. */
    private static boolean isMinusOne(OnnxDim d) {
        return d.size() == -1;
    }

    private static OnnxTensorInfo reshape(OnnxNode n) {
        List<OnnxDim> x = n.dims(0), target = n.values(1);
        if (target == null) {
            OnnxTensorInfo t = n.info(1);
            if (t != null && t.dims() != null && t.dims().size() == 1 && t.dims().get(0).known()) {
                List<OnnxDim> d = new ArrayList<>();
                for (long i = 0; i < t.dims().get(0).size(); i++) {
                    d.add(OnnxDim.UNKNOWN);
                }
                return OnnxTensorInfo.of(d, n.type(0)); // the rank is known, the sizes are not
            }
            return null;
        }
        boolean allowZero = n.attrInt("allowzero", 0) == 1;
        List<OnnxDim> d = new ArrayList<>();
        int wildcard = -1;
        for (int i = 0; i < target.size(); i++) {
            OnnxDim t = target.get(i);
            if (t.known() && t.size() == 0 && !allowZero) {
                d.add(x != null && i < x.size() ? x.get(i) : OnnxDim.UNKNOWN);
            } else if (isMinusOne(t) && wildcard < 0) {
                wildcard = i;
                d.add(OnnxDim.UNKNOWN);
            } else {
                d.add(t.numeric() ? OnnxDim.of(t.size()) : t);
            }
        }
        if (wildcard >= 0 && x != null) {
            OnnxDim all = OnnxDim.product(x);
            long rest = 1;
            boolean ok = all.known();
            for (int i = 0; i < d.size(); i++) {
                if (i != wildcard) {
                    ok &= d.get(i).known();
                    rest *= d.get(i).known() ? d.get(i).size() : 1;
                }
            }
            if (ok && rest > 0) {
                d.set(wildcard, OnnxDim.of(all.size() / rest));
            } else if (!ok) {
                d.set(wildcard, symbolLeft(x, d, wildcard));
            }
        }
        OnnxTensorInfo out = OnnxTensorInfo.of(d, n.type(0));
        return n.values(0) != null ? out.withValues(n.values(0)) : out;
    }

    /** The -1 of a reshape whose other sizes cancel all but one symbol of the input (batch_size, say) is that symbol. */
    private static OnnxDim symbolLeft(List<OnnxDim> x, List<OnnxDim> d, int wildcard) {
        List<OnnxDim> rest = new ArrayList<>(x);
        long known = 1;
        for (OnnxDim dim : rest) {
            known *= dim.known() ? dim.size() : 1;
        }
        for (int i = 0; i < d.size(); i++) {
            if (i == wildcard) {
                continue;
            }
            OnnxDim dim = d.get(i);
            if (dim.known()) {
                if (dim.size() == 0 || known % dim.size() != 0) {
                    return OnnxDim.UNKNOWN;
                }
                known /= dim.size();
            } else if (!rest.remove(dim)) {
                return OnnxDim.UNKNOWN;
            }
        }
        List<OnnxDim> symbols = rest.stream().filter(x1 -> !x1.known()).toList();
        return symbols.size() == 1 && known == 1 ? symbols.get(0) : symbols.isEmpty() ? OnnxDim.of(known) : OnnxDim.UNKNOWN;
    }

    private static OnnxTensorInfo squeeze(OnnxNode n) {
        OnnxTensorInfo x = n.info(0);
        if (x == null || x.dims() == null) {
            return null;
        }
        long[] axes = n.axes(1);
        if (axes == null && n.given(1)) {
            return null; // axes given as an input whose values are not known: not every 1 is squeezed
        }
        List<OnnxDim> d = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            boolean drop = false;
            if (axes == null) {
                drop = x.dims().get(i).known() && x.dims().get(i).size() == 1;
            } else {
                for (long a : axes) {
                    drop |= (a < 0 ? a + x.rank() : a) == i;
                }
            }
            if (!drop) {
                d.add(x.dims().get(i));
            }
        }
        return new OnnxTensorInfo(d, x.type(), x.values(), null);
    }

    private static OnnxTensorInfo unsqueeze(OnnxNode n) {
        OnnxTensorInfo x = n.info(0);
        long[] axes = n.axes(1);
        if (x == null || x.dims() == null) {
            return null;
        }
        if (axes == null) { // axes at run time: the rank only, from how many there are
            long count = n.length(1);
            return count < 0 ? null : OnnxTensorInfo.of(OnnxDim.unknown((int) (x.rank() + count)), x.type());
        }
        int rank = x.rank() + axes.length;
        List<OnnxDim> d = new ArrayList<>();
        int k = 0;
        for (int i = 0; i < rank; i++) {
            boolean inserted = false;
            for (long a : axes) {
                inserted |= (a < 0 ? a + rank : a) == i;
            }
            d.add(inserted ? OnnxDim.of(1) : k < x.rank() ? x.dims().get(k++) : OnnxDim.UNKNOWN);
        }
        return new OnnxTensorInfo(d, x.type(), x.values(), null);
    }
}
