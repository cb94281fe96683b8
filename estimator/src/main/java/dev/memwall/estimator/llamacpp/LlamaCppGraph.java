package dev.memwall.estimator.llamacpp;

import dev.memwall.estimator.gguf.GgmlType;
import java.util.List;

/**
 * The graph llama.cpp reserves its compute buffer for, built as llama.cpp builds it: {@code llm_build_llama} and
 * its relatives in src/models/, with the inputs, attention and feed-forward blocks of src/llama-graph.cpp and the KV
 * cache views of src/llama-kv-cache.cpp (llama.cpp as bundled in node-llama-cpp 3.21.1). Shapes are those of the
 * worst-case micro-batch {@code sched_reserve} builds: {@code min(n_ctx, n_ubatch)} tokens over {@code n_seq_max}
 * sequences, every token an output, the whole cache in view.
 */
final class LlamaCppGraph {

    private final LlamaCppModel m;
    private final LlamaCppContext c;
    private final GgmlGraph g = new GgmlGraph();
    private final long tokens;
    private final long outputs;

    private final boolean device;

    private LlamaCppGraph(LlamaCppModel m, LlamaCppContext c, long tokens, long outputs, boolean device) {
        this.device = device;
        this.m = m;
        this.c = c;
        this.tokens = tokens;
        this.outputs = outputs;
    }

    /**
     * The compute buffer of a GPU holding every layer: the same graph without the token lookup, which runs on the
     * CPU where the input embedding stays; its rows arrive as the split's first input ({@code
     * ggml_backend_sched_split_graph}, ggml/src/ggml-backend.cpp).
     */
    static long deviceComputeBufferBytes(LlamaCppModel m, LlamaCppContext c, long alignment) {
        return reserve(m, c, true, alignment);
    }

    /**
     * The CPU backend's compute buffer, as {@code sched_reserve} and {@code graph_reserve} reserve it
     * (src/llama-context.cpp), and ggml's CPU work buffer once the worst-case micro-batch has run (see
     * {@link GgmlCpuPlan}): the larger of each over the same two graphs.
     */
    static LlamaCppMemory.CpuBuffers cpuBuffers(LlamaCppModel m, LlamaCppContext c, GgmlType weightType,
            int threads) {
        long compute = 0;
        long work = 0;
        for (GgmlGraph g : graphs(m, c, false)) {
            compute = Math.max(compute, GgmlAllocator.reserve(g, LlamaCppContext.CPU_ALIGNMENT));
            work = Math.max(work, GgmlCpuPlan.workBytes(g, weightType, threads));
        }
        return new LlamaCppMemory.CpuBuffers(compute, work);
    }

    private static long reserve(LlamaCppModel m, LlamaCppContext c, boolean device, long alignment) {
        long bytes = 0;
        for (GgmlGraph g : graphs(m, c, device)) {
            bytes = Math.max(bytes, GgmlAllocator.reserve(g, alignment));
        }
        return bytes;
    }

    /**
     * The two graphs {@code sched_reserve} reserves for: the prompt graph ({@code min(n_ctx, n_ubatch)} tokens,
     * rounded up to a multiple of the sequences, every one an output) and the generation graph (one token per
     * sequence).
     */
    private static List<GgmlGraph> graphs(LlamaCppModel m, LlamaCppContext c, boolean device) {
        long first = Math.min(c.contextTokens(), c.ubatchTokens());
        long tokens = (first + c.sequences() - 1) / c.sequences() * c.sequences();
        return List.of(new LlamaCppGraph(m, c, tokens, first, device).build(),
                new LlamaCppGraph(m, c, c.sequences(), c.sequences(), device).build());
    }

    /** One KV cache of the model (llama_kv_cache): the base one, or the sliding-window one of an iSWA cache. */
    private final class Cache {
        final long cells;
        final GgmlTensor kIdxs;
        final GgmlTensor vIdxs;
        final GgmlTensor mask;
        final GgmlTensor kRot;
        final GgmlTensor vRot;

        Cache(long cells, String suffix) {
            this.cells = cells;
            long streams = c.sequences();
            kIdxs = g.input("k_idxs" + suffix, GgmlType.I64, tokens);
            vIdxs = g.input("v_idxs" + suffix, GgmlType.I64, c.flashAttention() ? tokens
                    : tokens * m.kvHeads() * m.headDimV());
            mask = g.input("attn_inp_kq_mask" + suffix, c.flashAttention() ? GgmlType.F16 : GgmlType.F32, cells,
                    tokens / streams, 1, streams);
            kRot = rotation(c.typeK(), m.headDimK(), true);
            vRot = rotation(c.typeV(), m.headDimV(), false);
        }
    }

    private GgmlGraph build() {
        long e = m.embedding();
        boolean gemma = m.arch() == LlamaCppModel.Arch.GEMMA3;
        // build_inp_embd: token ids, and the embeddings input the graph selects between (both are leaves)
        GgmlTensor tokEmbd = g.external("token_embd.weight", GgmlType.F16, e, m.vocabulary());
        GgmlTensor inpL;
        if (device) {
            inpL = g.input("embd (copied from the CPU)", GgmlType.F32, e, tokens);
            g.expand(inpL);
        } else {
            GgmlTensor inpTokens = g.input("inp_tokens", GgmlType.I32, tokens);
            GgmlTensor inpEmbd = g.input("inp_embd", GgmlType.F32, e, tokens);
            inpL = g.getRows(tokEmbd, inpTokens);
            g.expand(inpL);
            g.expand(inpEmbd);
        }
        if (gemma) {
            inpL = g.scale(inpL);
        }
        GgmlTensor inpPos = g.input("inp_pos", GgmlType.I32, tokens);
        // build_attn_inp_kv, or build_attn_inp_kv_iswa: the base cache's inputs, then the sliding window's
        boolean iswa = m.anySliding();
        Cache base = new Cache(c.cellsPerSequence(), "");
        Cache swa = iswa ? new Cache(c.slidingCells(m.slidingWindow()), "_swa") : null;
        GgmlTensor outIds = g.input("inp_out_ids", GgmlType.I32, outputs);

        long qWidth = (long) m.heads() * m.headDimK();
        long kvWidth = (long) m.kvHeads() * m.headDimK();
        long vWidth = (long) m.kvHeads() * m.headDimV();
        boolean bias = m.arch() == LlamaCppModel.Arch.QWEN2;
        boolean headNorm = m.arch() == LlamaCppModel.Arch.QWEN3 || m.arch() == LlamaCppModel.Arch.QWEN3MOE || gemma;
        for (int il = 0; il < m.layers(); il++) {
            GgmlTensor inpSA = inpL;
            GgmlTensor cur = norm(inpL, e);
            // build_qkv: separate projections (+ biases), reshaped to heads
            GgmlTensor q = g.mulMat(weight(e, qWidth), cur);
            if (bias) {
                q = g.add(q, weight(qWidth));
            }
            GgmlTensor k = g.mulMat(weight(e, kvWidth), cur);
            if (bias) {
                k = g.add(k, weight(kvWidth));
            }
            GgmlTensor v = g.mulMat(weight(e, vWidth), cur);
            if (bias) {
                v = g.add(v, weight(vWidth));
            }
            q = g.reshape(q, m.headDimK(), m.heads(), tokens);
            k = g.reshape(k, m.headDimK(), m.kvHeads(), tokens);
            v = g.reshape(v, m.headDimV(), m.kvHeads(), tokens);
            if (headNorm) {
                q = norm(q, m.headDimK());
            }
            q = g.rope(q, inpPos, null);
            if (headNorm) {
                k = norm(k, m.headDimK());
            }
            k = g.rope(k, inpPos, null);
            if (gemma) {
                q = g.scale(q);
            }
            boolean sliding = iswa && m.slidingLayer(il);
            cur = attention(il, q, k, v, sliding ? swa : base, iswa);
            cur = g.mulMat(weight(qWidth(), e), cur);
            if (il == m.layers() - 1) {
                cur = g.getRows(cur, outIds);
                inpSA = g.getRows(inpSA, outIds);
            }
            if (gemma) {
                cur = norm(cur, e);
            }
            GgmlTensor ffnInp = g.add(cur, inpSA);
            cur = norm(ffnInp, e);
            if (m.experts() > 0) {
                cur = moe(cur);
            } else {
                // build_ffn with a parallel gate: up, gate, then swiglu or geglu of the two
                GgmlTensor up = g.mulMat(weight(e, m.feedForward()), cur);
                GgmlTensor gate = g.mulMat(weight(e, m.feedForward()), cur);
                cur = g.gluSplit(gate, up);
                cur = g.mulMat(weight(m.feedForward(), e), cur);
            }
            if (gemma) {
                cur = norm(cur, e);
            }
            inpL = g.add(cur, ffnInp);
        }
        GgmlTensor cur = norm(inpL, e);
        GgmlTensor outputWeight = g.external("output.weight", GgmlType.F16, e, m.vocabulary());
        outputWeight.weight = true;
        GgmlTensor logits = g.mulMat(outputWeight, cur);
        logits.output = true;
        g.expand(logits);
        return g;
    }

    /**
     * {@code build_moe_ffn} as qwen3moe calls it (src/llama-graph.cpp): router logits, softmax, the top k experts,
     * their weights normalised to sum 1 and forced into the graph early, then the experts' up, gate and down by
     * {@code mul_mat_id}, weighted, and added up view by view.
     */
    private GgmlTensor moe(GgmlTensor cur) {
        long e = m.embedding();
        long n = m.experts();
        long k = m.expertsUsed();
        long ff = m.expertFeedForward();
        GgmlTensor logits = g.mulMat(weight(e, n), cur);
        GgmlTensor probs = g.softMax(logits, null, null);
        GgmlTensor selected = g.argsortTop(probs, k);
        GgmlTensor weights = g.getRows(g.reshape(probs, 1, n, tokens), selected);
        weights = g.reshape(weights, k, tokens);
        GgmlTensor sum = g.sumRows(weights);
        sum = g.clamp(sum);
        weights = g.div(weights, sum);
        weights = g.reshape(weights, 1, k, tokens);
        g.expand(weights);
        cur = g.reshape(cur, e, 1, tokens);
        GgmlTensor up = g.mulMatId(weight(e, ff, n), cur, selected);
        GgmlTensor gate = g.mulMatId(weight(e, ff, n), cur, selected);
        cur = g.gluSplit(gate, up);
        GgmlTensor experts = g.mulMatId(weight(ff, e, n), cur, selected);
        experts = g.mul(experts, weights);
        g.expand(experts);
        GgmlTensor[] views = new GgmlTensor[(int) k];
        for (int i = 0; i < k; i++) {
            // ggml_view_2d(experts, n_embd, n_tokens, nb[2], i x nb[1]): where it lies does not change the buffer
            views[i] = g.view(experts, new long[] {e, tokens, 1, 1}, new long[] {experts.nb[2]});
            g.expand(views[i]);
        }
        GgmlTensor out = views[0];
        for (int i = 1; i < k; i++) {
            out = g.add(out, views[i]);
            g.expand(out);
        }
        return k == 1 ? g.cont(out) : out;
    }

    /** {@code build_norm} with a weight: an RMS norm, multiplied by the weight. */
    private GgmlTensor norm(GgmlTensor x, long width) {
        return g.mul(g.rmsNorm(x), weight(width));
    }

    private long qWidth() {
        return (long) m.heads() * m.headDimV();
    }

    /**
     * {@code build_attn} with a KV cache ({@code llm_graph_input_attn_kv} expands q, v, k; the iSWA one q, k, v),
     * {@code cpy_k}, {@code cpy_v}, {@code get_k}, {@code get_v} (src/llama-kv-cache.cpp) and {@code build_attn_mha}.
     */
    private GgmlTensor attention(int il, GgmlTensor q, GgmlTensor k, GgmlTensor v, Cache cache, boolean iswa) {
        if (cache.kRot != null) {
            q = hadamard(q, cache.kRot);
            k = hadamard(k, cache.kRot);
        }
        if (cache.vRot != null) {
            v = hadamard(v, cache.vRot);
        }
        g.expand(q);
        if (iswa) {
            g.expand(k);
            g.expand(v);
        } else {
            g.expand(v);
            g.expand(k);
        }
        long streams = c.sequences();
        long kvSize = cache.cells;
        long nKv = cache.cells;
        long kGqa = (long) m.kvHeads() * m.headDimK();
        long vGqa = (long) m.kvHeads() * m.headDimV();
        GgmlTensor cacheK = g.external("cache_k_l" + il, c.typeK(), kGqa, kvSize, streams);
        GgmlTensor cacheV = g.external("cache_v_l" + il, c.typeV(), vGqa, kvSize, streams);
        boolean vTrans = !c.flashAttention();
        GgmlTensor k2 = g.view(k, new long[] {kGqa, tokens, 1, 1}, new long[] {k.nb[2]});
        GgmlTensor kDst = streams > 1 ? g.reshape(cacheK, kGqa, kvSize * streams) : cacheK;
        g.expand(g.setRows(kDst, k2, cache.kIdxs));
        if (!vTrans) {
            GgmlTensor v2 = g.view(v, new long[] {vGqa, tokens, 1, 1}, new long[] {v.nb[2]});
            GgmlTensor vDst = streams > 1 ? g.reshape(cacheV, vGqa, kvSize * streams) : cacheV;
            g.expand(g.setRows(vDst, v2, cache.vIdxs));
        } else {
            GgmlTensor v2 = g.reshape(v, vGqa, tokens);
            GgmlTensor vView = g.reshape(cacheV, 1, cacheV.elements());
            v2 = g.reshape(v2, 1, v2.elements());
            g.expand(g.setRows(vView, v2, cache.vIdxs));
        }
        GgmlTensor kView = g.view(cacheK, new long[] {m.headDimK(), m.kvHeads(), nKv, streams},
                new long[] {0, LlamaCppMemory.rowBytes(c.typeK(), m.headDimK()), LlamaCppMemory.rowBytes(c.typeK(), kGqa),
                        LlamaCppMemory.rowBytes(c.typeK(), kGqa * kvSize)});
        GgmlTensor vView;
        if (!vTrans) {
            vView = g.view(cacheV, new long[] {m.headDimV(), m.kvHeads(), nKv, streams},
                    new long[] {0, LlamaCppMemory.rowBytes(c.typeV(), m.headDimV()), LlamaCppMemory.rowBytes(c.typeV(), vGqa),
                            LlamaCppMemory.rowBytes(c.typeV(), vGqa * kvSize)});
        } else {
            vView = g.view(cacheV, new long[] {nKv, m.kvHeads(), m.headDimV(), streams},
                    new long[] {0, LlamaCppMemory.rowBytes(c.typeV(), kvSize * m.headDimV()), LlamaCppMemory.rowBytes(c.typeV(), kvSize),
                            LlamaCppMemory.rowBytes(c.typeV(), kvSize * vGqa)});
        }
        GgmlTensor qs = g.view(q, new long[] {q.ne[0], q.ne[1], q.ne[2] / streams, streams},
                new long[] {0, q.nb[1], q.nb[2], q.nb[3] / streams});
        qs = g.permute(qs, 0, 2, 1, 3);
        GgmlTensor kp = g.permute(kView, 0, 2, 1, 3);
        GgmlTensor vp = g.permute(vView, 0, 2, 1, 3);
        GgmlTensor cur;
        if (c.flashAttention()) {
            cur = g.flashAttnExt(qs, kp, vp, cache.mask, null);
            cur = g.reshape(cur, cur.ne[0] * cur.ne[1], cur.ne[2] * cur.ne[3]);
        } else {
            GgmlTensor kq = g.mulMat(kp, qs);
            kq = g.softMax(kq, cache.mask, null);
            GgmlTensor kqv = g.mulMat(vp, kq);
            cur = g.permute(kqv, 0, 2, 1, 3);
            cur = g.cont(cur, cur.ne[0] * cur.ne[1], cur.ne[2] * cur.ne[3]);
        }
        g.expand(cur);
        if (cache.vRot != null) {
            cur = hadamard(cur, cache.vRot);
        }
        return cur;
    }


    /**
     * The Hadamard rotation llama.cpp applies to attention when the cache type is quantized ({@code attn_rot_k},
     * {@code attn_rot_v}, src/llama-kv-cache.cpp): an f32 {@code nrot x nrot} input.
     */
    private GgmlTensor rotation(GgmlType type, int headDim, boolean key) {
        if (!LlamaCppContext.quantized(type) || headDim % 64 != 0) {
            return null;
        }
        int nrot = 64;
        if (key) {
            do {
                nrot *= 2;
            } while (headDim % nrot == 0);
            nrot /= 2;
        }
        return g.input(key ? "attn_inp_k_rot" : "attn_inp_v_rot", GgmlType.F32, nrot, nrot);
    }

    /** {@code llama_mul_mat_hadamard}, src/llama-graph.cpp. */
    private GgmlTensor hadamard(GgmlTensor cur, GgmlTensor rot) {
        long n = rot.ne[0];
        GgmlTensor r = g.reshape(cur, n, cur.elements() / n);
        r = g.mulMat(rot, r);
        return g.reshape(r, cur.ne);
    }

    /** A weight: its type does not change the graph's tensors, only its shape does. */
    private GgmlTensor weight(long... ne) {
        GgmlTensor w = g.external("weight", GgmlType.F32, ne);
        w.weight = true;
        return w;
    }
}
