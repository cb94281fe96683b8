package dev.memwall.estimator.fit;

import static dev.memwall.estimator.fit.FitFactsTest.BF16;
import static dev.memwall.estimator.fit.FitFactsTest.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.memwall.estimator.model.MlpKind;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.model.SlidingWindow;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The parts of the vllm profile that do not need a whole log: versions, dtypes, vLLM's KV layout for hybrid and
 * latent-attention models, and the scheduler settings it picks by device. The whole prediction is
 * {@link VllmStartupLogsTest}.
 */
class VllmProfileTest {

    static final double GIB = 1L << 30;
    static final Precision KV_BF16 = Precisions.kvCache("bf16").orElseThrow();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0.19    | 0.19.0",
        "0.19.1  | 0.19.1",
        "v0.10.1 | 0.10.1",
        "' 0.21 '| 0.21.0"})
    void versionsReadAsVllmPrintsThem(String text, String expected) {
        assertThat(VllmVersion.parse(text, "--vllm-version")).hasToString(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "latest    | --vllm-version must be a vLLM release such as 0.19 or 0.19.1, was 'latest'",
        "0         | --vllm-version must be a vLLM release such as 0.19 or 0.19.1, was '0'",
        "0.19.1.1  | --vllm-version must be a vLLM release such as 0.19 or 0.19.1, was '0.19.1.1'",
        "0.10.1rc1 | --vllm-version must be a vLLM release such as 0.19 or 0.19.1, was '0.10.1rc1'",
        "''        | --vllm-version must be a vLLM release such as 0.19 or 0.19.1, was ''"})
    void badVersionsAreRefusedByName(String text, String message) {
        assertThatThrownBy(() -> VllmVersion.parse(text, "--vllm-version")).hasMessage(message);
    }

    @Test
    void cudaGraphsAndTheHigherUtilizationCameTogetherIn0_21() {
        // vllm-project/vllm#38284 (commit 96a85c57): VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS default 1 "as of
        // v0.21.0" and gpu_memory_utilization default 0.92; v0.19.0 shipped with the variable at 0 and 0.9.
        VllmVersion v19 = VllmVersion.parse("0.19.0", "v");
        VllmVersion v21 = VllmVersion.parse("0.21.0", "v");
        assertThat(v19.subtractsCudaGraphs()).isFalse();
        assertThat(v19.defaultGpuMemoryUtilization()).isEqualTo(0.9);
        assertThat(v21.subtractsCudaGraphs()).isTrue();
        assertThat(v21.defaultGpuMemoryUtilization()).isEqualTo(0.92);
        assertThat(VllmVersion.CURRENT).isEqualTo(v21);
        assertThat(VllmVersion.parse("0.7.3", "v").v1Engine()).isFalse();
        assertThat(VllmVersion.parse("0.8", "v").v1Engine()).isTrue();

        Workload w19 = workload(new RuntimeProfile.Vllm(0.9, 8192, 1024, v19, VllmDtype.AUTO, false));
        Workload w21 = workload(new RuntimeProfile.Vllm(0.9, 8192, 1024, v21, VllmDtype.AUTO, false));
        MemoryEstimate e19 = MemoryAccounting.estimate(model("llama-3.1-8b"), null, w19, 1, null);
        MemoryEstimate e21 = MemoryAccounting.estimate(model("llama-3.1-8b"), null, w21, 1, null);
        assertThat(e19.bytes("cuda_graphs")).isZero();
        assertThat(e21.bytes("cuda_graphs")).isEqualTo(VllmProfile.CUDA_GRAPH_BYTES);
        assertThat(e21.totalBytes() - e19.totalBytes()).isEqualTo(VllmProfile.CUDA_GRAPH_BYTES);
        MemoryEstimate parallel = MemoryAccounting.estimate(model("llama-3.1-8b"), null, w21, 2, null);
        assertThat(parallel.bytes("cuda_graphs")).isEqualTo(VllmProfile.CUDA_GRAPH_BYTES_TENSOR_PARALLEL);
        assertThat(parallel.bytes("non_torch")).isEqualTo(VllmProfile.NON_TORCH_BYTES_TENSOR_PARALLEL);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "auto     | AUTO",
        "half     | FLOAT16",
        "float16  | FLOAT16",
        "BFloat16 | BFLOAT16",
        "float    | FLOAT32",
        "float32  | FLOAT32"})
    void dtypesAreVllmsWords(String text, VllmDtype expected) {
        assertThat(VllmDtype.parse(text, "--dtype")).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "fp16 | unknown dtype 'fp16' for --dtype; choose auto, half, float16, bfloat16, float or float32",
        "int8 | unknown dtype 'int8' for --dtype; choose auto, half, float16, bfloat16, float or float32",
        "''   | unknown dtype '' for --dtype; choose auto, half, float16, bfloat16, float or float32"})
    void badDtypesAreRefusedByName(String text, String message) {
        assertThatThrownBy(() -> VllmDtype.parse(text, "--dtype")).hasMessage(message);
    }

    @Test
    void autoDowncastsFloat32CheckpointsAndKeepsFloat16Ones() {
        // vllm/config/model.py _resolve_auto_dtype: "Downcast for float32 models" to the first supported dtype.
        assertThat(VllmDtype.AUTO.resolve(withDtype("float32")).name()).isEqualTo("bf16");
        assertThat(VllmDtype.AUTO.resolve(withDtype("float16")).name()).isEqualTo("fp16");
        assertThat(VllmDtype.AUTO.resolve(withDtype("bfloat16")).name()).isEqualTo("bf16");
        assertThat(VllmDtype.AUTO.resolve(model("deepseek-v3")).name()).isEqualTo("bf16"); // published in fp8
        assertThat(VllmDtype.FLOAT32.autoKv(withDtype("bfloat16")).name()).isEqualTo("fp32");
    }

    @Test
    void onlyAFloat32RuntimeKeepsAFloat32KvCache() {
        Precision fp32 = Precisions.kvCache("fp32").orElseThrow();
        RuntimeProfile.Vllm auto = RuntimeProfile.Vllm.serve(null, VllmVersion.CURRENT, VllmDtype.AUTO);
        RuntimeProfile.Vllm float32 = RuntimeProfile.Vllm.serve(null, VllmVersion.CURRENT, VllmDtype.FLOAT32);
        assertThat(auto.offersKv(fp32)).isFalse();
        assertThat(float32.offersKv(fp32)).isTrue();
        assertThat(float32.autoKv(model("llama-3.1-8b"))).isEqualTo(fp32);
        assertThat(auto.autoKv(model("llama-3.1-8b")).name()).isEqualTo("bf16");
        assertThat(new RuntimeProfile.Generic().autoKv(model("llama-3.1-8b")).name()).isEqualTo("fp16");
    }

    @Test
    void gemma3KeepsItsGlobalLayersInOneGroupAndItsLocalLayersInSix() {
        // google/gemma-3-27b-it on vLLM 0.19 (llm-d-planner@56dc5b76, accuracy/results/v0.19.0/logs/
        // google-gemma-3-27b-it--h100-80gb--tp1pp1dp1--8192.log): 62 layers, every 6th global, window 1024; "Add 8
        // padding layers, may waste at most 15.38% KV cache memory"; "Available KV cache memory: 19.53 GiB";
        // "num_gpu_blocks is: 15997"; "GPU KV cache size: 36,560 tokens"; "Maximum concurrency for 8,192 tokens per
        // request: 4.46x".
        ModelSpec gemma3 = new ModelSpec("gemma-3-27b", "Gemma 3 27B", "gemma3", 62, 5376, 21504, MlpKind.GATED, 32,
                16, 128, 262208, true, 0, 131072, null, null, new SlidingWindow(1024, 6), "bfloat16");
        VllmKvLayout layout = VllmKvLayout.of(gemma3, KV_BF16, 1, true);
        assertThat(layout.pageBytes()).isEqualTo(131_072);
        assertThat(layout.layersPerGroup()).isEqualTo(10);
        assertThat(layout.fullGroups()).isEqualTo(1);
        assertThat(layout.slidingGroups()).isEqualTo(6);
        assertThat(layout.groups() * layout.layersPerGroup() - gemma3.layers()).isEqualTo(8);
        assertBlocks(layout, 19.53, 15_997);
        KvPool pool = KvPool.of(15_997 * layout.blockBytes(), layout, 8192, 8192);
        assertThat(pool.tokens()).isEqualTo(36_560);
        assertThat(pool.maxConcurrency()).isCloseTo(4.46, within(0.005));
        // Without the hybrid manager (the V0 engine) every layer keeps every token: one group of 62.
        assertThat(VllmKvLayout.of(gemma3, KV_BF16, 1, false).groups()).isEqualTo(1);
    }

    @Test
    void gptOssHasTwoGroupsAndItsHeadsAreSplitOverTwoDevices() {
        // openai-gpt-oss-20b--h100-80gb--tp2pp1dp1--8192.log (same repository): 12 sliding (128) + 12 full layers,
        // 8 KV heads / 2 devices x 64; "Available KV cache memory: 59.32 GiB", "num_gpu_blocks is: 323972", "GPU KV
        // cache size: 2,591,776 tokens", "Maximum concurrency for 8,192 tokens per request: 316.07x".
        VllmKvLayout layout = VllmKvLayout.of(model("gpt-oss-20b"), KV_BF16, 2, true);
        assertThat(layout.pageBytes()).isEqualTo(16_384);
        assertThat(layout.groups()).isEqualTo(2);
        assertThat(layout.layersPerGroup()).isEqualTo(12);
        assertBlocks(layout, 59.32, 323_972);
        KvPool pool = KvPool.of(323_972 * layout.blockBytes(), layout, 8192, 8192);
        assertThat(pool.tokens()).isEqualTo(2_591_776);
        assertThat(pool.maxConcurrency()).isCloseTo(316.07, within(0.005));
    }

    @Test
    void aLatentCacheIsNotSplitOverDevicesAndHeadsAreReplicatedBeyondTheirCount() {
        // MLA: 16 x (512 + 64) x 2 bytes = 18,432 per page whatever the tensor-parallel size (kv_cache_interface.py
        // MLAAttentionSpec; DeepSeek-V2-Lite's log: 43.61 GiB -> 94,097 blocks x 16 = 1,505,552 tokens).
        ModelSpec v3 = model("deepseek-v3");
        assertThat(VllmKvLayout.of(v3, KV_BF16, 1, true).pageBytes()).isEqualTo(18_432);
        assertThat(VllmKvLayout.of(v3, KV_BF16, 8, true).pageBytes()).isEqualTo(18_432);
        // Qwen2.5-7B has 4 KV heads: on 8 devices each keeps one (max(1, 4 // 8)), not half of one.
        ModelSpec qwen = model("qwen2.5-7b");
        assertThat(VllmKvLayout.of(qwen, KV_BF16, 8, true).pageBytes()).isEqualTo(16 * 2 * 128 * 2);
        assertThat(VllmKvLayout.of(qwen, Precisions.kvCache("fp8").orElseThrow(), 1, true).pageBytes())
                .isEqualTo(16 * 2 * 4 * 128);
    }

    @Test
    void vllmPicksItsSchedulerSettingsByDevice() {
        RuntimeProfile.Vllm serve = RuntimeProfile.Vllm.serve(null, VllmVersion.CURRENT, VllmDtype.AUTO);
        assertThat(serve.gpuMemoryUtilization()).isEqualTo(0.92);
        RuntimeProfile.Vllm h100 = serve.on(85_045_477_376L, "NVIDIA H100 80GB HBM3", null, 8192);
        assertThat(h100.maxNumBatchedTokens()).isEqualTo(8192);
        assertThat(h100.maxNumSeqs()).isEqualTo(1024);
        assertThat(h100.schedulerByDevice()).isFalse();
        RuntimeProfile.Vllm a100 = serve.on(85_100_068_864L, "NVIDIA A100-SXM4-80GB", null, 8192);
        assertThat(a100.maxNumBatchedTokens()).isEqualTo(2048);
        assertThat(a100.maxNumSeqs()).isEqualTo(256);
        // The tokens are capped at sequences x context, the sequences at the tokens.
        RuntimeProfile.Vllm tiny = serve.on(85_045_477_376L, "NVIDIA H100 80GB HBM3", null, 4);
        assertThat(tiny.maxNumBatchedTokens()).isEqualTo(4096);
        assertThat(tiny.maxNumSeqs()).isEqualTo(1024);
        // The V0 engine: 256 sequences and the context's tokens, at least 2048; 2048 with chunked prefill past 32K.
        RuntimeProfile.Vllm v0 = RuntimeProfile.Vllm.serve(null, new VllmVersion(0, 7, 3), VllmDtype.AUTO);
        assertThat(v0.on(85_045_477_376L, "H100", model("llama-3.1-8b"), 20_000).maxNumBatchedTokens())
                .isEqualTo(20_000);
        assertThat(v0.on(85_045_477_376L, "H100", model("llama-3.1-8b"), 65_536).maxNumBatchedTokens())
                .isEqualTo(2048);
        assertThat(v0.on(85_045_477_376L, "H100", model("llama-3.1-8b"), 1000).maxNumSeqs()).isEqualTo(256);
        // Explicit settings stay as given.
        RuntimeProfile.Vllm given = new RuntimeProfile.Vllm(0.9, 512, 8);
        assertThat(given.on(85_045_477_376L, "NVIDIA H100", null, 8192)).isSameAs(given);
    }

    @Test
    void vllmLeavesTheEmbeddingAndOutputHeadOfAQuantizedCheckpointIn16Bits() {
        // Llama-3.1-8B with --quantization fp8 loads 8.49 GiB (the fixture's qfp8 log): 7.50B linear weights at one
        // byte and 1.05B of embedding and output head at two.
        ModelSpec llama = model("llama-3.1-8b");
        Workload fp8 = workload(new RuntimeProfile.Vllm(0.95, 8192, 1024))
                .withPrecision(Precisions.weight("fp8").orElseThrow());
        long weights = MemoryAccounting.estimate(llama, null, fp8, 1, null).bytes("weights");
        long table = llama.nonLayerParameters();
        assertThat(weights).isEqualTo(llama.parameters() - table + 2 * table);
        assertThat(weights / GIB).isCloseTo(8.49, within(0.05));
        // The generic profile keeps its uniform arithmetic.
        Workload generic = new Workload(Precisions.weight("fp8").orElseThrow(), KV_BF16, 8192, 1, Mode.INFERENCE);
        assertThat(MemoryAccounting.estimate(llama, null, generic, 1, null).bytes("weights"))
                .isEqualTo(llama.parameters());
    }

    /** The blocks of a pool vLLM printed rounded to 0.01 GiB: the logged count within that rounding. */
    private static void assertBlocks(VllmKvLayout layout, double gib, long logged) {
        long slack = (long) Math.ceil(0.005 * GIB / layout.blockBytes());
        assertThat(layout.blocks((long) (gib * GIB))).isCloseTo(logged, within(slack));
    }

    private static Workload workload(RuntimeProfile.Vllm v) {
        return new Workload(BF16, KV_BF16, 8192, 1, Mode.INFERENCE).withRuntime(v);
    }

    private static ModelSpec withDtype(String dtype) {
        ModelSpec s = model("llama-3.1-8b");
        return new ModelSpec(s.id(), s.name(), s.family(), s.layers(), s.hiddenSize(), s.intermediateSize(), s.mlp(),
                s.attentionHeads(), s.kvHeads(), s.headDim(), s.vocabSize(), s.tiedEmbeddings(), s.positionEmbeddings(),
                s.maxContext(), s.moe(), s.mla(), s.slidingWindow(), dtype);
    }
}
