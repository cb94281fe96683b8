package dev.memwall.estimator.llamacpp;

import dev.memwall.estimator.gguf.GgmlType;
import java.util.Arrays;

/**
 * A tensor of a ggml graph as the graph allocator sees it: its operation, type, shape, sources in ggml's order, the
 * tensor it is a view of, and whether it is an input, an output or lives in another buffer (weights, KV cache).
 */
final class GgmlTensor {

    /** The operations memwall builds; {@code NONE} is a leaf (an input, a weight, a cache). */
    enum Op {
        NONE, GET_ROWS, RMS_NORM, NORM, MUL, ADD, SCALE, MUL_MAT, MUL_MAT_ID, ROPE, SET_ROWS, FLASH_ATTN_EXT, SOFT_MAX,
        CONT, GLU, UNARY, VIEW, RESHAPE, PERMUTE, TRANSPOSE, ARGSORT, SUM_ROWS, DIV, CLAMP, FILL, CPY;

        /** {@code ggml_op_can_inplace} in ggml/src/ggml-alloc.c, for the operations listed here. */
        boolean canInplace() {
            return switch (this) {
                case FILL, SCALE, ADD, MUL, DIV, UNARY, ROPE, RMS_NORM, CLAMP, SOFT_MAX -> true;
                default -> false;
            };
        }
    }

    final Op op;
    final GgmlType type;
    final long[] ne;
    final long[] nb;
    final GgmlTensor[] src;
    /** The root tensor this one is a view of ({@code view_src}, never itself a view), or null. */
    final GgmlTensor viewSrc;
    final String name;
    boolean input;
    boolean output;
    /** Data in a buffer of its own (weights, KV cache): never placed by the allocator. */
    boolean external;
    /** A model weight, whose type here is a placeholder (it changes no tensor the allocator places). */
    boolean weight;

    GgmlTensor(Op op, GgmlType type, long[] ne, long[] nb, GgmlTensor viewOf, String name, GgmlTensor... src) {
        this.op = op;
        this.type = type;
        this.ne = Arrays.copyOf(ne, 4);
        for (int i = ne.length; i < 4; i++) {
            this.ne[i] = 1;
        }
        this.nb = nb != null ? nb.clone() : contiguous(type, this.ne);
        this.viewSrc = viewOf == null ? null : viewOf.viewSrc != null ? viewOf.viewSrc : viewOf;
        this.name = name;
        this.src = src;
    }

    static long[] contiguous(GgmlType type, long[] ne) {
        long[] nb = new long[4];
        nb[0] = type.typeSize();
        nb[1] = nb[0] * (ne[0] / type.blockSize());
        for (int i = 2; i < 4; i++) {
            nb[i] = nb[i - 1] * ne[i - 1];
        }
        return nb;
    }

    /** {@code ggml_nbytes}. */
    long bytes() {
        long blck = type.blockSize();
        if (blck == 1) {
            long n = type.typeSize();
            for (int i = 0; i < 4; i++) {
                n += (ne[i] - 1) * nb[i];
            }
            return n;
        }
        long n = ne[0] * nb[0] / blck;
        for (int i = 1; i < 4; i++) {
            n += (ne[i] - 1) * nb[i];
        }
        return n;
    }

    boolean isView() {
        return viewSrc != null;
    }

    long elements() {
        return ne[0] * ne[1] * ne[2] * ne[3];
    }

    /** {@code ggml_are_same_layout}: same type, shape and strides. */
    boolean sameLayout(GgmlTensor o) {
        return type == o.type && Arrays.equals(ne, o.ne) && Arrays.equals(nb, o.nb);
    }

    @Override
    public String toString() {
        return name + " " + op + " " + type + Arrays.toString(ne);
    }
}
