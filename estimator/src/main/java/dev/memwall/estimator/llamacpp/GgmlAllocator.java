package dev.memwall.estimator.llamacpp;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The size of the buffer ggml's graph allocator reserves for a graph: a port of {@code ggml_gallocr_alloc_graph_impl}
 * and its dynamic allocator ({@code ggml_dyn_tallocr}) in ggml/src/ggml-alloc.c for one buffer of one chunk (a CPU
 * or GPU compute buffer has no size limit that splits it). Leaves first, then each node in order; a node reuses
 * the memory of a source it is the only consumer of when its operation can run in place; a tensor is freed when its
 * last consumer has run; free blocks are best-fit, merged with their neighbours; the buffer is the highest end any
 * tensor reached.
 */
final class GgmlAllocator {

    private static final class Node {
        int children;
        int views;
        boolean allocated;
        long offset;
    }

    private record Block(long offset, long size) {
    }

    private final long alignment;
    private final List<long[]> free = new ArrayList<>(); // sorted by offset: {offset, size}
    private long maxSize;
    private final Map<GgmlTensor, Node> hash = new IdentityHashMap<>();

    private GgmlAllocator(long alignment) {
        this.alignment = alignment;
        free.add(new long[] {0, Long.MAX_VALUE / 2});
    }

    /** The compute buffer the graph needs, in bytes. */
    static long reserve(GgmlGraph graph, long alignment) {
        GgmlAllocator a = new GgmlAllocator(alignment);
        a.allocGraph(graph);
        return a.maxSize;
    }

    private Node node(GgmlTensor t) {
        return hash.computeIfAbsent(t, k -> new Node());
    }

    private long aligned(long size) {
        return (size + alignment - 1) / alignment * alignment;
    }

    private boolean isAllocated(GgmlTensor t) {
        return t.external || (t.viewSrc != null && t.viewSrc.external) || node(t).allocated;
    }

    private boolean isOwn(GgmlTensor t) {
        return node(t).allocated;
    }

    private void allocGraph(GgmlGraph g) {
        for (GgmlTensor leaf : g.leafs) {
            allocate(leaf);
        }
        for (GgmlTensor n : g.nodes) {
            if (n.isView()) {
                node(n.viewSrc).views++;
            }
            if (n.input) {
                allocate(n);
            }
            for (GgmlTensor s : n.src) {
                if (s == null) {
                    continue;
                }
                node(s).children++;
                if (s.input) {
                    allocate(s);
                }
            }
        }
        for (GgmlTensor n : g.nodes) {
            for (GgmlTensor s : n.src) {
                if (s != null) {
                    allocate(s);
                }
            }
            allocate(n);
            for (GgmlTensor p : n.src) {
                if (p == null) {
                    continue;
                }
                Node ph = node(p);
                ph.children--;
                if (ph.children == 0 && ph.views == 0) {
                    if (p.isView()) {
                        Node vs = node(p.viewSrc);
                        vs.views--;
                        if (vs.views == 0 && vs.children == 0 && vs.allocated) {
                            freeNode(p.viewSrc);
                        }
                    } else if (ph.allocated) {
                        freeNode(p);
                    }
                }
            }
        }
    }

    private void allocate(GgmlTensor t) {
        if (isAllocated(t) || t.isView()) {
            return;
        }
        Node h = node(t);
        h.allocated = true;
        if (t.op.canInplace()) {
            for (GgmlTensor parent : t.src) {
                if (parent == null || !isOwn(parent) || parent.output
                        || (parent.viewSrc != null && parent.viewSrc.output) || !t.sameLayout(parent)) {
                    continue;
                }
                Node ph = node(parent);
                if (ph.children == 1 && ph.views == 0) {
                    if (parent.isView()) {
                        Node vs = node(parent.viewSrc);
                        if (vs.views == 1 && vs.children == 0) {
                            h.offset = ph.offset;
                            ph.allocated = false;
                            vs.allocated = false;
                            freeExtra(t, parent.viewSrc, ph.offset);
                            return;
                        }
                    } else {
                        h.offset = ph.offset;
                        ph.allocated = false;
                        freeExtra(t, parent, ph.offset);
                        return;
                    }
                }
            }
        }
        h.offset = alloc(t.bytes());
    }

    private void freeExtra(GgmlTensor t, GgmlTensor parent, long offset) {
        long parentSize = aligned(parent.bytes());
        long size = aligned(t.bytes());
        if (parentSize > size) {
            freeBytes(offset + size, parentSize - size);
        }
    }

    private void freeNode(GgmlTensor t) {
        if (t.output) {
            return;
        }
        Node h = node(t);
        freeBytes(h.offset, t.bytes());
        h.allocated = false;
    }

    /** {@code ggml_dyn_tallocr_alloc}: best fit among all blocks but the last, else the last one. */
    private long alloc(long bytes) {
        long size = aligned(bytes);
        int best = -1;
        long bestSize = Long.MAX_VALUE;
        for (int i = 0; i < free.size() - 1; i++) {
            long[] b = free.get(i);
            if (b[1] >= size && b[1] <= bestSize) {
                best = i;
                bestSize = b[1];
            }
        }
        if (best == -1) {
            best = free.size() - 1;
        }
        long[] b = free.get(best);
        long offset = b[0];
        b[0] += size;
        b[1] -= size;
        if (b[1] == 0) {
            free.remove(best);
        }
        maxSize = Math.max(maxSize, offset + size);
        return offset;
    }

    /** {@code ggml_dyn_tallocr_free_bytes}: merge with a neighbouring block, or insert in address order. */
    private void freeBytes(long offset, long bytes) {
        long size = aligned(bytes);
        for (int i = 0; i < free.size(); i++) {
            long[] b = free.get(i);
            if (b[0] + b[1] == offset) {
                b[1] += size;
                if (i < free.size() - 1) {
                    long[] next = free.get(i + 1);
                    if (b[0] + b[1] == next[0]) {
                        b[1] += next[1];
                        free.remove(i + 1);
                    }
                }
                return;
            }
            if (offset + size == b[0]) {
                b[0] = offset;
                b[1] += size;
                if (i > 0) {
                    long[] prev = free.get(i - 1);
                    if (prev[0] + prev[1] == b[0]) {
                        prev[1] += b[1];
                        free.remove(i);
                    }
                }
                return;
            }
        }
        int at = 0;
        while (at < free.size() && free.get(at)[0] < offset) {
            at++;
        }
        free.add(at, new long[] {offset, size});
    }
}
