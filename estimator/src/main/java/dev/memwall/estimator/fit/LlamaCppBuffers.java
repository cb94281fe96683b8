package dev.memwall.estimator.fit;

import dev.memwall.estimator.gguf.GgmlType;
import dev.memwall.estimator.llamacpp.LlamaCppContext;
import dev.memwall.estimator.llamacpp.LlamaCppMemory;
import dev.memwall.estimator.llamacpp.LlamaCppModel;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.source.WeightInventory;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The KV cache, output and compute buffers of a llama.cpp context on one device, as llama.cpp sizes them. */
final class LlamaCppBuffers {

    private LlamaCppBuffers() {
    }

    /** The context llama.cpp makes for this workload: {@code -c} = context x batch, {@code -np} = batch. */
    static LlamaCppContext context(Workload workload, RuntimeProfile.LlamaCpp l) {
        long perSequence = workload.contextTokens();
        int sequences = workload.batch();
        GgmlType kv = LlamaCppMemory.kvType(workload.kvPrecision().name());
        return new LlamaCppContext(LlamaCppContext.cellsPerSequence(perSequence, sequences), sequences,
                Math.min(l.ubatchTokens(), perSequence * sequences), l.flashAttention(), kv, kv);
    }

    static void add(ModelSpec spec, WeightInventory weights, Workload workload, RuntimeProfile.LlamaCpp l,
            boolean hostDevice, List<MemoryItem> items) {
        LlamaCppContext c = context(workload, l);
        LlamaCppMemory.KvCache kv = LlamaCppMemory.kvCache(spec, c);
        String layers = kv.slidingLayers() == 0
                ? String.format(Locale.ROOT, "%d layers x %,d cells", kv.fullLayers(), kv.fullCells())
                : String.format(Locale.ROOT, "%d layers x %,d cells + %d sliding-window layers x %,d cells "
                        + "(min(n_ctx_seq, window + n_ubatch %d), padded to 256)", kv.fullLayers(), kv.fullCells(),
                        kv.slidingLayers(), kv.slidingCells(), c.ubatchTokens());
        items.add(new MemoryItem("kv_cache", kv.bytes(), String.format(Locale.ROOT,
                "%s x %d sequences x %,d bytes (K and V rows of 2 x %d kv heads x %d, %s); %,d tokens per sequence "
                        + "make n_ctx %,d, %,d cells each (padded to 256)", layers, c.sequences(), kv.bytesPerCell(),
                spec.kvHeads(), spec.headDim(), workload.kvPrecision().name(), workload.contextTokens(),
                c.contextTokens(), c.cellsPerSequence())));
        long output = LlamaCppMemory.outputBytes(spec.vocabSize(), c.sequences());
        items.add(new MemoryItem("output_buffer", output, String.format(Locale.ROOT,
                "fp32 logits over the vocabulary %,d for one output per sequence x %d (output_reserve)%s",
                spec.vocabSize(), c.sequences(), hostDevice ? "" : ", in host memory"), !hostDevice));
        Optional<LlamaCppModel> m = LlamaCppMemory.model(spec);
        if (m.isPresent()) {
            GgmlType weightType = weights != null && workload.precision() == null
                    ? LlamaCppMemory.widestVecDot(weights.bytesByType().keySet())
                    : LlamaCppMemory.weightType(workload.precision().name());
            // -t where given; else llama.cpp's default, a thread per core (this host's, which only the cache lines
            // and flash attention's per-thread tiles depend on)
            int threads = l.threads() != null ? l.threads() : Runtime.getRuntime().availableProcessors();
            LlamaCppMemory.CpuBuffers cpu = hostDevice ? LlamaCppMemory.cpuBuffers(m.get(), c, weightType, threads)
                    : null;
            long compute = hostDevice ? cpu.computeBytes() : LlamaCppMemory.deviceComputeBytes(m.get(), c);
            items.add(new MemoryItem("compute_buffer", compute, String.format(Locale.ROOT,
                    "llama.cpp's %s graph for a %,d-token micro-batch over %d sequences, %s, placed as ggml's graph "
                            + "allocator places it (the larger of the prompt and generation graphs)%s",
                    m.get().arch().ggufName(), c.ubatchTokens(), c.sequences(),
                    c.flashAttention() ? "flash attention (an f16 mask per sequence)"
                            : "no flash attention (f32 scores and mask per sequence)",
                    hostDevice ? "" : "; on the GPU, without the token lookup the CPU does")));
            if (hostDevice) {
                items.add(new MemoryItem("cpu_work_buffer", cpu.workBytes(), String.format(Locale.ROOT, "ggml's CPU work buffer for %d threads: the largest "
                                + "scratch one node of the graph needs (%s), allocated when the graph first runs and "
                                + "resident once a micro-batch attends to the whole context; not among the buffers "
                                + "llama.cpp reports", threads, c.flashAttention()
                                ? "with flash attention, activations converted for the " + weightType + " weights"
                                : "without flash attention, usually the attention scores converted for the V "
                                        + "product")));
            }
        } else {
            items.add(MemoryAccounting.approximateLlamaCppCompute(spec, c.contextTokens(), l));
        }
    }
}
