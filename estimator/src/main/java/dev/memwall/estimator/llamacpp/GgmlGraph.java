package dev.memwall.estimator.llamacpp;

import dev.memwall.estimator.gguf.GgmlType;
import dev.memwall.estimator.llamacpp.GgmlTensor.Op;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A ggml compute graph built the way ggml builds one: each operation makes a tensor with ggml's result shape and
 * sources in ggml's order (ggml/src/ggml.c), and {@link #expand} visits sources depth first, left to right, putting
 * operations in {@code nodes} and operation-less tensors in {@code leafs} ({@code ggml_visit_parents_graph}). The
 * order matters: the graph allocator places tensors in it.
 */
final class GgmlGraph {

    final List<GgmlTensor> nodes = new ArrayList<>();
    final List<GgmlTensor> leafs = new ArrayList<>();
    private final Set<GgmlTensor> visited = Collections.newSetFromMap(new IdentityHashMap<>());

    /** {@code ggml_build_forward_expand}. */
    void expand(GgmlTensor t) {
        if (!visited.add(t)) {
            return;
        }
        for (GgmlTensor s : t.src) {
            if (s != null) {
                expand(s);
            }
        }
        (t.op == Op.NONE ? leafs : nodes).add(t);
    }

    // ---- leaves

    GgmlTensor input(String name, GgmlType type, long... ne) {
        GgmlTensor t = new GgmlTensor(Op.NONE, type, ne, null, null, name);
        t.input = true;
        return t;
    }

    /** A tensor in a buffer of its own: a weight or a KV cache layer. */
    GgmlTensor external(String name, GgmlType type, long... ne) {
        GgmlTensor t = new GgmlTensor(Op.NONE, type, ne, null, null, name);
        t.external = true;
        return t;
    }

    // ---- operations that make new tensors

    private static GgmlTensor dup(Op op, GgmlTensor a, String name, GgmlTensor... src) {
        return new GgmlTensor(op, a.type, a.ne, null, null, name, src);
    }

    GgmlTensor getRows(GgmlTensor a, GgmlTensor b) {
        GgmlType type = a.type == GgmlType.I32 ? GgmlType.I32 : GgmlType.F32;
        return new GgmlTensor(Op.GET_ROWS, type, new long[] {a.ne[0], b.ne[0], b.ne[1], b.ne[2]}, null, null,
                "get_rows", a, b);
    }

    GgmlTensor rmsNorm(GgmlTensor a) {
        return dup(Op.RMS_NORM, a, "rms_norm", a);
    }

    GgmlTensor norm(GgmlTensor a) {
        return dup(Op.NORM, a, "norm", a);
    }

    GgmlTensor mul(GgmlTensor a, GgmlTensor b) {
        return dup(Op.MUL, a, "mul", a, b);
    }

    GgmlTensor add(GgmlTensor a, GgmlTensor b) {
        return dup(Op.ADD, a, "add", a, b);
    }

    GgmlTensor div(GgmlTensor a, GgmlTensor b) {
        return dup(Op.DIV, a, "div", a, b);
    }

    GgmlTensor scale(GgmlTensor a) {
        return dup(Op.SCALE, a, "scale", a);
    }

    GgmlTensor clamp(GgmlTensor a) {
        return dup(Op.CLAMP, a, "clamp", a);
    }

    GgmlTensor unary(GgmlTensor a, String name) {
        return dup(Op.UNARY, a, name, a);
    }

    GgmlTensor mulMat(GgmlTensor a, GgmlTensor b) {
        return new GgmlTensor(Op.MUL_MAT, GgmlType.F32, new long[] {a.ne[1], b.ne[1], b.ne[2], b.ne[3]}, null, null,
                "mul_mat", a, b);
    }

    /** {@code ggml_mul_mat_id(as, b, ids)}: result {@code [as.ne1, ids.ne0, b.ne2, 1]}. */
    GgmlTensor mulMatId(GgmlTensor as, GgmlTensor b, GgmlTensor ids) {
        return new GgmlTensor(Op.MUL_MAT_ID, GgmlType.F32, new long[] {as.ne[1], ids.ne[0], b.ne[2], 1}, null, null,
                "mul_mat_id", as, b, ids);
    }

    GgmlTensor rope(GgmlTensor a, GgmlTensor pos, GgmlTensor factors) {
        return dup(Op.ROPE, a, "rope", a, pos, factors);
    }

    /** {@code ggml_set_rows(a, b, c)}: a view of the destination; sources b, c, a ("order is weird"). */
    GgmlTensor setRows(GgmlTensor a, GgmlTensor b, GgmlTensor c) {
        return new GgmlTensor(Op.SET_ROWS, a.type, a.ne, a.nb, a, "set_rows", b, c, a);
    }

    GgmlTensor flashAttnExt(GgmlTensor q, GgmlTensor k, GgmlTensor v, GgmlTensor mask, GgmlTensor sinks) {
        return new GgmlTensor(Op.FLASH_ATTN_EXT, GgmlType.F32, new long[] {v.ne[0], q.ne[2], q.ne[1], q.ne[3]}, null,
                null, "flash_attn_ext", q, k, v, mask, sinks);
    }

    GgmlTensor softMax(GgmlTensor a, GgmlTensor mask, GgmlTensor sinks) {
        return dup(Op.SOFT_MAX, a, "soft_max", a, mask, sinks);
    }

    GgmlTensor cont(GgmlTensor a, long... ne) {
        return new GgmlTensor(Op.CONT, a.type, ne.length == 0 ? a.ne : ne, null, null, "cont", a);
    }

    /** {@code ggml_glu_split} (swiglu, geglu): the shape of a. */
    GgmlTensor gluSplit(GgmlTensor a, GgmlTensor b) {
        return new GgmlTensor(Op.GLU, a.type, a.ne, null, null, "glu", a, b);
    }

    GgmlTensor argsortTop(GgmlTensor a, long k) {
        // ggml_argsort_top_k: an I32 argsort of a, then a view of its first k columns
        GgmlTensor sorted = new GgmlTensor(Op.ARGSORT, GgmlType.I32, a.ne, null, null, "argsort", a);
        return view(sorted, new long[] {k, a.ne[1], a.ne[2], a.ne[3]}, sorted.nb);
    }

    GgmlTensor sumRows(GgmlTensor a) {
        return new GgmlTensor(Op.SUM_ROWS, a.type, new long[] {1, a.ne[1], a.ne[2], a.ne[3]}, null, null, "sum_rows",
                a);
    }

    // ---- views

    GgmlTensor reshape(GgmlTensor a, long... ne) {
        long[] shape = new long[4];
        for (int i = 0; i < 4; i++) {
            shape[i] = i < ne.length ? ne[i] : 1;
        }
        return new GgmlTensor(Op.RESHAPE, a.type, shape, null, a, "reshape", a);
    }

    /** {@code ggml_view_4d}: {@code nb[0]} of the source, the given strides above it. */
    GgmlTensor view(GgmlTensor a, long[] ne, long[] strides) {
        long[] nb = new long[4];
        nb[0] = a.nb[0];
        if (strides.length == 4) {
            System.arraycopy(strides, 1, nb, 1, 3);
        } else {
            for (int i = 1; i < 4; i++) {
                nb[i] = i - 1 < strides.length ? strides[i - 1] : nb[i - 1] * ne[i - 1];
            }
        }
        return new GgmlTensor(Op.VIEW, a.type, ne, nb, a, "view", a);
    }

    GgmlTensor permute(GgmlTensor a, int... axes) {
        long[] ne = new long[4];
        long[] nb = new long[4];
        for (int i = 0; i < 4; i++) {
            ne[axes[i]] = a.ne[i];
            nb[axes[i]] = a.nb[i];
        }
        return new GgmlTensor(Op.PERMUTE, a.type, ne, nb, a, "permute", a);
    }

    GgmlTensor transpose(GgmlTensor a) {
        return permute(a, 1, 0, 2, 3);
    }
}
