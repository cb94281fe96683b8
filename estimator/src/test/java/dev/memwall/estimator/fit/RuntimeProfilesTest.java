package dev.memwall.estimator.fit;

import static dev.memwall.estimator.fit.FitFactsTest.BF16;
import static dev.memwall.estimator.fit.FitFactsTest.KV16;
import static dev.memwall.estimator.fit.FitFactsTest.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import org.junit.jupiter.api.Test;

/**
 * The vllm and llama.cpp profiles against what those engines printed in published logs. Each expected figure is
 * the engine's own log line, with where it was published.
 */
class RuntimeProfilesTest {

    static final long MIB = 1L << 20;
    static final double GIB = 1L << 30;

    static long item(String model, Workload w, String name) {
        return MemoryAccounting.estimate(model(model), null, w, 1, null).bytes(name);
    }

    /** vLLM's V0 engine: the logs below print V0's line (vllm/worker/worker.py, vllm-project/vllm@fa820741). */
    static Workload vllmV0(long context, int tokens, int seqs) {
        return new Workload(BF16, KV16, context, 1, Mode.INFERENCE).withRuntime(
                new RuntimeProfile.Vllm(0.9, tokens, seqs, new VllmVersion(0, 7, 0), VllmDtype.AUTO, false));
    }

    static Workload llamaCpp(Precision p, long context, int ubatch, boolean flash) {
        return new Workload(p, KV16, context, 1, Mode.INFERENCE).withRuntime(
                new RuntimeProfile.LlamaCpp(ubatch, LlamaCppProfile.FIT_MARGIN_BYTES, flash));
    }

    // vLLM's "PyTorch activation peak memory takes X GiB" (its profiling run over max_num_batched_tokens tokens, and
    // the sampler over max_num_seqs sequences), a line of the V0 engine (before 0.8). The engine measures it;
    // memwall's estimate for V0 must be within 5%. The V1 engine's peaks are checked in VllmStartupLogsTest.

    @Test
    void vllmActivationPeakForLlama3_8bOnAnH100() {
        // github.com/vllm-project/vllm/pull/10511: Meta-Llama-3-8B, max_model_len 8192 (the profiling run then
        // covers 8192 tokens), 256 sequences: "PyTorch activation peak memory takes 1.26GiB".
        assertThat(item("llama-3-8b", vllmV0(8192, 8192, 256), "activation_peak") / GIB).isCloseTo(1.26, within(0.063));
    }

    @Test
    void vllmActivationPeakForLlama31_8bOnAnRtx3090() {
        // github.com/vllm-project/vllm/issues/10517: Llama-3.1-8B-Instruct, weights 14.99 GiB; peak_torch_memory
        // 17.06 GiB at max_model_len 20000 and 17.98 GiB at 29000: activation peaks of 2.07 and 2.99 GiB.
        assertThat(item("llama-3.1-8b", vllmV0(20000, 20000, 256), "activation_peak") / GIB)
                .isCloseTo(2.07, within(2.07 * 0.05));
        assertThat(item("llama-3.1-8b", vllmV0(29000, 29000, 256), "activation_peak") / GIB)
                .isCloseTo(2.99, within(2.99 * 0.05));
    }

    @Test
    void vllmActivationPeakForQwenModels() {
        // github.com/vllm-project/vllm/issues/13882: Qwen2.5-7B, max_model_len 4096: 1.42 GiB.
        assertThat(item("qwen2.5-7b", vllmV0(4096, 4096, 256), "activation_peak") / GIB)
                .isCloseTo(1.42, within(1.42 * 0.05));
        // github.com/vllm-project/vllm/issues/12529: a Qwen2.5-1.5B (lm_head [151936, 1536]), max_model_len 2000, so
        // 2048 batched tokens: 1.39 GiB.
        assertThat(item("qwen2.5-1.5b", vllmV0(2000, 2048, 256), "activation_peak") / GIB)
                .isCloseTo(1.39, within(1.39 * 0.05));
    }

    @Test
    void vllmKvPoolArithmeticMatchesItsLogs() {
        // github.com/LMCache/LMCache/issues/1739, Qwen3-14B (40 layers x 2 x 8 KV heads x 128 x 2 bytes = 160 KiB
        // per token), max_model_len 32768: "Available KV cache memory: 6.51 GiB", "GPU KV cache size: 42,656
        // tokens", "Maximum concurrency for 32,768 tokens per request: 1.30x".
        ModelSpec qwen = model("qwen3-14b");
        double perToken = qwen.kvElementsPerTokenPerLayer() * qwen.layers() * 2.0;
        assertThat(perToken).isEqualTo(160 * 1024);
        KvPool p = KvPool.of((long) (6.51 * GIB), perToken, 32768);
        assertThat(p.tokens()).isEqualTo(42_656);
        assertThat(p.maxConcurrency()).isCloseTo(1.30, within(0.005));
        // github.com/vllm-project/vllm/pull/12569, Llama-3.1-70B (5 MiB per block): "# GPU blocks: 1381",
        // "Maximum concurrency for 2048 tokens per request: 10.79x".
        ModelSpec llama70 = model("llama-3.1-70b");
        double perToken70 = llama70.kvElementsPerTokenPerLayer() * llama70.layers() * 2.0;
        KvPool q = KvPool.of(1381 * 5 * MIB, perToken70, 2048);
        assertThat(q.tokens()).isEqualTo(1381 * 16);
        assertThat(q.maxConcurrency()).isCloseTo(10.79, within(0.005));
        // github.com/vllm-project/vllm/issues/10517: 1952 blocks of Llama-3.1-8B at max_model_len 20000: 1.56x.
        ModelSpec llama8 = model("llama-3.1-8b");
        KvPool r = KvPool.of(1952 * 2 * MIB, llama8.kvElementsPerTokenPerLayer() * llama8.layers() * 2.0, 20000);
        assertThat(r.tokens()).isEqualTo(31_232);
        assertThat(r.maxConcurrency()).isCloseTo(1.56, within(0.005));
    }

    @Test
    void vllmTakesItsBudgetAndTheRestOfItIsKvCache() {
        Capacity h100 = new Capacity("sim:0", "NVIDIA H100", 85_045_477_376L, 84_000_000_000L, 0L, null,
                3_350_000_000_000L, null, 500 * MIB);
        RuntimeProfile.Vllm v = RuntimeProfile.Vllm.defaults(0.9, h100.totalBytes(), h100.name());
        assertThat(v.maxNumBatchedTokens()).isEqualTo(8192);
        assertThat(v.maxNumSeqs()).isEqualTo(1024);
        Workload w = new Workload(BF16, KV16, 8192, 1, Mode.INFERENCE).withRuntime(v);
        Verdict r = new FitPlanner(model("llama-3.1-8b"), null).evaluate(w, h100, 1);
        assertThat(r.fitsNow()).isTrue();
        long budget = (long) Math.ceil(h100.totalBytes() * 0.9); // requested_memory = ceil(total x utilization)
        MemoryEstimate e = r.estimate();
        long nonKv = e.bytes("weights") + e.bytes("activation_peak") + e.bytes("non_torch") + e.bytes("cuda_graphs");
        assertThat(r.kvPool().bytes()).isEqualTo(budget - nonKv);
        assertThat(r.availableBytes()).isEqualTo(budget + 500 * MIB);
        // The pool holds whole blocks of 16 tokens at 128 KiB per token.
        assertThat(r.kvPool().tokens() % 16).isZero();
        assertThat(r.kvPool().tokens() * 128L * 1024).isLessThanOrEqualTo(r.kvPool().bytes());
        // The largest context is the pool's tokens (the model's 131,072 cap aside).
        assertThat(r.maxContextTokens()).isEqualTo(Math.min(131_072, r.kvPool().tokens()));
        // An A100 80GB keeps the small defaults (EngineArgs excludes it by name).
        assertThat(RuntimeProfile.Vllm.defaults(0.9, h100.totalBytes(), "NVIDIA A100-SXM4-80GB").maxNumSeqs())
                .isEqualTo(256);
    }

    @Test
    void vllmRefusesToStartWhenFreeMemoryIsUnderItsBudget() {
        // "Free memory on device ... on startup is less than desired GPU memory utilization": 40 GiB free of 80.
        Capacity busy = new Capacity("sim:0", "GPU", 80L << 30, 40L << 30, 0L, null, 2_000_000_000_000L, null,
                500 * MIB);
        Workload w = new Workload(BF16, KV16, 4096, 1, Mode.INFERENCE).withRuntime(
                RuntimeProfile.Vllm.defaults(0.9, busy.totalBytes(), busy.name()));
        Verdict r = new FitPlanner(model("llama-3.2-1b"), null).evaluate(w, busy, 1);
        assertThat(r.fitsNow()).isFalse();
        assertThat(r.fitsWhenIdle()).isTrue();
        assertThat(r.maxContextTokens()).isNull();
        assertThat(r.notes()).singleElement().asString().contains("refuses to start")
                .contains("--gpu-memory-utilization 0.49 would start");
    }

    @Test
    void runtimesRefuseKvPrecisionsTheyDoNotOffer() {
        Precision q4 = Precisions.kvCache("q4_0").orElseThrow();
        Precision fp8 = Precisions.kvCache("fp8").orElseThrow();
        Workload base = new Workload(BF16, KV16, 4096, 1, Mode.INFERENCE);
        assertThatThrownBy(() -> new Workload(BF16, q4, 4096, 1, Mode.INFERENCE, Recompute.NONE, 16, 0,
                RuntimeProfile.Vllm.defaults(0.9, 1L << 34, "")))
                .hasMessage("vllm offers no q4_0 KV cache; it offers fp16, bf16, fp8, fp8_e5m2");
        assertThatThrownBy(() -> new Workload(BF16, fp8, 4096, 1, Mode.INFERENCE, Recompute.NONE, 16, 0,
                RuntimeProfile.LlamaCpp.defaults())).hasMessageStartingWith("llama.cpp offers no fp8 KV cache");
        assertThatThrownBy(() -> new Workload(BF16, KV16, 4096, 1, Mode.TRAINING, Recompute.NONE, 16, 0,
                RuntimeProfile.LlamaCpp.defaults())).hasMessageContaining("inference engine");
        assertThat(base.withRuntime(RuntimeProfile.LlamaCpp.defaults()).runtime().word()).isEqualTo("llama.cpp");
    }

    // llama.cpp's "CUDA0 compute buffer size = X MiB" lines from published GPU logs. memwall rebuilds the graph of
    // the llama.cpp it is checked against on the CPU (LlamaCppMemoryTruthTest); on a GPU the graph lacks the token
    // lookup. Logs of older llama.cpp versions differ where the graph changed since (docs/ACCURACY.md).

    @Test
    void llamaCppComputeBufferOnAGpuWithoutFlashAttention() {
        Precision q4 = Precisions.weight("q4_k_m").orElseThrow();
        // Llama-3-8B Q4_K_M, n_ctx 512, n_ubatch 512, flash_attn 0: 258.50 MiB.
        assertThat(item("llama-3-8b", llamaCpp(q4, 512, 512, false), "compute_buffer")).isEqualTo(258 * MIB + MIB / 2);
        // Llama-3-8B Q4_0 on a T4, n_ctx 8192, flash_attn 0: 560.00 MiB (memwall 564.01, 0.7% over).
        assertThat(item("llama-3-8b", llamaCpp(q4, 8192, 512, false), "compute_buffer") / (double) MIB)
                .isCloseTo(560, within(560 * 0.01));
    }

    @Test
    void llamaCppComputeBufferOnAGpuWithFlashAttention() {
        Precision q4 = Precisions.weight("q4_0").orElseThrow();
        // Llama-3-8B Q4_0 on Vulkan, n_ctx 16384, n_ubatch 1024, flash_attn 1: 613.01 MiB in a llama.cpp that kept
        // an f32 mask (16384 x 1024 x 4 = 64 MiB) and its f16 cast (32 MiB); the mask is now built in f16 once and
        // freed before the logits, leaving 517.00 MiB.
        assertThat(item("llama-3-8b", llamaCpp(q4, 16384, 1024, true), "compute_buffer") / (double) MIB)
                .isCloseTo(613.01 - 96, within(0.01));
    }

    @Test
    void llamaCppApproximatesTheGraphsItDoesNotRebuild() {
        Precision q4 = Precisions.weight("q4_k_m").orElseThrow();
        // Phi-3-mini-4k, n_ctx 4096, n_ubatch 256, flash_attn 0: 150.00 MiB (memwall's approximation 143).
        MemoryEstimate e = MemoryAccounting.estimate(model("phi-3-mini"), null, llamaCpp(q4, 4096, 256, false), 1,
                null);
        assertThat(e.bytes("compute_buffer") / (double) MIB).isCloseTo(150, within(150 * 0.05));
        assertThat(e.items().stream().filter(i -> i.name().equals("compute_buffer")).findFirst().orElseThrow()
                .formula()).startsWith("approximate");
    }

    @Test
    void llamaCppKvBuffersAndWeightPlacement() {
        Precision q4 = Precisions.weight("q4_0").orElseThrow();
        // "CUDA0 KV buffer size = 1792.00 MiB": Qwen2.5-7B at n_ctx 32768 (28 layers x 2 x 4 x 128 x 2 bytes).
        assertThat(item("qwen2.5-7b", llamaCpp(q4, 32768, 512, true), "kv_cache")).isEqualTo(1792 * MIB);
        // n_ctx is padded to 256 cells: 1000 tokens hold 1024.
        assertThat(item("llama-3.1-8b", llamaCpp(q4, 1000, 512, true), "kv_cache")).isEqualTo(1024 * 128 * 1024L);
        // The input embedding stays in host memory; the device holds the rest.
        ModelSpec s = model("llama-3.1-8b");
        MemoryEstimate e = MemoryAccounting.estimate(s, null, llamaCpp(BF16, 4096, 512, true), 1, null);
        long table = s.vocabSize() * s.hiddenSize() * 2;
        assertThat(e.bytes("input_embedding")).isEqualTo(table);
        assertThat(e.bytes("output_buffer")).isEqualTo(s.vocabSize() * 4);
        assertThat(e.hostBytes()).isEqualTo(table + s.vocabSize() * 4);
        assertThat(e.bytes("weights")).isEqualTo(BF16.bytes(s.parameters()) - table);
    }

    @Test
    void llamaCppOnTheCpuKeepsEverythingInHostMemoryAndATiedEmbeddingOnce() {
        ModelSpec s = model("llama-3.2-1b");
        assertThat(s.tiedEmbeddings()).isTrue();
        MemoryEstimate e = MemoryAccounting.estimate(s, null, llamaCpp(BF16, 4096, 512, true), 1, null, true);
        assertThat(e.bytes("weights")).isEqualTo(BF16.bytes(s.parameters()));
        assertThat(e.bytes("input_embedding")).isZero();
        assertThat(e.hostBytes()).isZero();
        // 16 layers x 4096 cells x 2 x 8 kv heads x 64 x 2 bytes
        assertThat(e.bytes("kv_cache")).isEqualTo(16L * 4096 * 2 * 8 * 64 * 2);
        assertThat(e.bytes("output_buffer")).isEqualTo(s.vocabSize() * 4);
    }

    @Test
    void llamaCppKeepsItsFitMarginFree() {
        Capacity gpu = new Capacity("sim:0", "GPU", 24L << 30, 10L << 30, 0L, null, 1_000_000_000_000L, null,
                300 * MIB);
        Workload w = llamaCpp(Precisions.weight("q4_k_m").orElseThrow(), 4096, 512, true);
        Verdict r = new FitPlanner(model("llama-3.1-8b"), null).evaluate(w, gpu, 1);
        assertThat(r.availableBytes()).isEqualTo((10L << 30) - (1L << 30));
        assertThat(r.headroomBytes()).isEqualTo(r.availableBytes() - r.estimate().totalBytes());
    }

    @Test
    void llamaCppPartialOffloadMatchesItsFitOnAnRtx2060() {
        // A 2026 llama-server log: Hermes-3-Llama-3.1-8B Q4_0, n_ctx 32768, "5141 MiB free" (counted after the CUDA
        // context exists), --fit: "offloaded 15/33 layers to GPU" (the output layer and 14 repeating layers),
        // "CUDA0 KV buffer size = 1792.00 MiB", "CPU KV buffer size = 2304.00 MiB".
        long context = 300 * MIB;
        Capacity rtx2060 = new Capacity("sim:0", "NVIDIA GeForce RTX 2060", 6L << 30, 5141 * MIB + context, 0L,
                null, 336_000_000_000L, null, context);
        Workload w = llamaCpp(Precisions.weight("q4_0").orElseThrow(), 32768, 512, true);
        Verdict r = new FitPlanner(model("llama-3.1-8b"), null).evaluate(w, rtx2060,
                1, new HostCapacity(32L << 30, 40e9));
        assertThat(r.fitsNow()).isFalse();
        assertThat(r.offload().deviceLayers()).isBetween(13, 15);
        assertThat(r.offload().hostLayers()).isEqualTo(32 - r.offload().deviceLayers());
        assertThat(r.offload().hostFits()).isTrue();
    }

    @Test
    void partialOffloadDecodeBoundAddsTheHostShareAtHostSpeed() {
        Capacity gpu = new Capacity("sim:0", "GPU", 8L << 30, 8L << 30, 0L, null, 500_000_000_000L, null, 300 * MIB);
        Workload w = new Workload(BF16, KV16, 4096, 1, Mode.INFERENCE);
        FitPlanner planner = new FitPlanner(model("llama-3.1-8b"), null);
        Offload fast = planner.evaluate(w, gpu, 1, new HostCapacity(64L << 30, 80e9)).offload();
        Offload slow = planner.evaluate(w, gpu, 1, new HostCapacity(64L << 30, 20e9)).offload();
        assertThat(fast.hostPath()).isEqualTo("host_read");
        double expected = 1 / (fast.deviceStepBytes() / 500e9 + fast.hostStepBytes() / 80e9);
        assertThat(fast.decodeTokensPerSecondBound()).isCloseTo(expected, within(1e-9));
        assertThat(slow.decodeTokensPerSecondBound()).isLessThan(fast.decodeTokensPerSecondBound());
        // Slower than the device alone, faster than the host alone.
        double all = fast.deviceStepBytes() + fast.hostStepBytes();
        assertThat(fast.decodeTokensPerSecondBound()).isLessThan(500e9 / all).isGreaterThan(80e9 / all);
        // A measured host-to-device rate faster than host memory is the path the bound takes.
        Capacity bus = new Capacity("sim:0", "GPU", 8L << 30, 8L << 30, 0L, null, 500_000_000_000L, null, 300 * MIB,
                100e9);
        assertThat(planner.evaluate(w, bus, 1, new HostCapacity(64L << 30, 80e9)).offload().hostPath())
                .isEqualTo("host_to_device");
        // Unknown host bandwidth: no bound rather than a guess.
        assertThat(planner.evaluate(w, gpu, 1, HostCapacity.UNKNOWN).offload().decodeTokensPerSecondBound()).isNull();
    }
}
