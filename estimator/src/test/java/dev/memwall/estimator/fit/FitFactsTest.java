package dev.memwall.estimator.fit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import org.junit.jupiter.api.Test;

/** Published facts the accounting must reproduce exactly, each with its source. */
class FitFactsTest {

    static final Precision BF16 = Precisions.weight("bf16").orElseThrow();
    static final Precision FP16 = Precisions.weight("fp16").orElseThrow();
    static final Precision KV16 = Precisions.kvCache("fp16").orElseThrow();

    static ModelSpec model(String id) {
        return ModelCatalog.builtIn().find(id).orElseThrow().spec();
    }

    @Test
    void llama31_8bKeeps1GibOfKvCacheFor8192TokensAtFp16() {
        // 2 (K and V) x 32 layers x 8 KV heads x 128 head dim x 2 bytes = 131,072 bytes per token; x 8192 = 1 GiB
        // (config.json of meta-llama/Llama-3.1-8B, on Hugging Face).
        MemoryEstimate e = MemoryAccounting.estimate(model("llama-3.1-8b"), null,
                new Workload(FP16, KV16, 8192, 1, Mode.INFERENCE), 1, null);
        assertThat(e.bytes("kv_cache")).isEqualTo(1L << 30);
    }

    @Test
    void deepseekV3LatentCacheIs70272BytesPerTokenAtBf16() {
        // MLA caches kv_lora_rank 512 + rope dim 64 per token per layer, no factor 2: (512 + 64) x 61 layers x
        // 2 bytes = 70,272 (DeepSeek-V3 config_671B.json, deepseek-ai/DeepSeek-V3).
        MemoryEstimate e = MemoryAccounting.estimate(model("deepseek-v3"), null,
                new Workload(BF16, Precisions.kvCache("bf16").orElseThrow(), 1, 1, Mode.INFERENCE), 1, null);
        assertThat(e.bytes("kv_cache")).isEqualTo(70_272);
    }

    @Test
    void mixedPrecisionAdamIs16BytesPerParameter() {
        // ZeRO (Rajbhandari et al. 2020, section 3.1): fp16 parameters and gradients (2 + 2) plus fp32 master
        // parameters, momentum and variance (4 + 4 + 4) = 16 bytes per parameter.
        ModelSpec s = model("llama-3.1-8b");
        MemoryEstimate e = MemoryAccounting.estimate(s, null, new Workload(FP16, KV16, 1, 1, Mode.TRAINING), 1, null);
        assertThat(e.bytes("weights") + e.bytes("gradients") + e.bytes("optimizer")).isEqualTo(16 * s.parameters());
        assertThat(GenericProfile.ADAM_BYTES_PER_PARAMETER).isEqualTo(16);
    }

    @Test
    void zeroReproducesItsPapersFigureOne() {
        // ZeRO (Rajbhandari et al. 2020), Figure 1: a 7.5B-parameter model on 64 GPUs with mixed-precision Adam
        // needs 120 GB per GPU without ZeRO, 31.4 GB with optimizer sharding, 16.6 GB adding gradients, 1.9 GB
        // adding parameters. A model of exactly 7.5B parameters: 30 layers of 4096 wide MHA, 11008 gated MLP.
        ModelSpec s = new ModelSpec("z", "z", "llama", 30, 4096, 11008, dev.memwall.estimator.model.MlpKind.GATED, 32,
                32, 128, 32000, false, 0, 2048, null, null, null, null);
        long params = s.parameters();
        double[] expected = {16.0, 4 + 12.0 / 64, 2 + 14.0 / 64, 16.0 / 64};
        for (int stage = 0; stage <= 3; stage++) {
            MemoryEstimate e = MemoryAccounting.estimate(s, null, new Workload(FP16, KV16, 1, 1, Mode.TRAINING,
                    Recompute.FULL, 16, stage), 64, null);
            long states = e.bytes("weights") + e.bytes("gradients") + e.bytes("optimizer");
            assertThat(states / (double) params).as("stage %d", stage)
                    .isCloseTo(expected[stage], org.assertj.core.api.Assertions.within(0.001));
        }
        // Scaled to the paper's 7.5B: 120, 31.4, 16.6 and 1.9 GB.
        assertThat(7.5 * expected[0]).isEqualTo(120.0);
        assertThat(7.5 * expected[1]).isCloseTo(31.4, org.assertj.core.api.Assertions.within(0.05));
        assertThat(7.5 * expected[2]).isCloseTo(16.6, org.assertj.core.api.Assertions.within(0.05));
        assertThat(7.5 * expected[3]).isCloseTo(1.9, org.assertj.core.api.Assertions.within(0.05));
    }

    @Test
    void theRuleOfThumbsOwnExample() {
        // The quick rule: a 7B model at FP16 for training needs about 7e9 x 2 bytes x 2 = 28 GB; for inference
        // x 1.2 = 16.8 GB.
        assertThat(MemoryAccounting.ruleOfThumb(7_000_000_000L, 2, Mode.TRAINING)).isEqualTo(28_000_000_000L);
        assertThat(MemoryAccounting.ruleOfThumb(7_000_000_000L, 2, Mode.INFERENCE)).isEqualTo(16_800_000_000L);
    }

    @Test
    void llama31_70bOnOneH100NeedsAQuantisedPrecisionAndFitsInBf16OnTwo() {
        // An H100 SXM as the catalog has it: 85,045,477,376 bytes (CUDA deviceQuery), 3.35 TB/s, 989 TFLOPS.
        Capacity h100 = new Capacity("sim:0", "H100", 85_045_477_376L, 85_045_477_376L, null, null,
                3_350_000_000_000L, 989_000_000_000_000L, null);
        FitPlanner planner = new FitPlanner(model("llama-3.1-70b"), null);
        Workload bf16 = new Workload(BF16, KV16, 8192, 1, Mode.INFERENCE);
        Verdict one = planner.evaluate(bf16, h100, 1);
        assertThat(one.fitsNow()).isFalse();
        assertThat(one.estimate().bytes("weights")).isEqualTo(BF16.bytes(model("llama-3.1-70b").parameters()));
        assertThat(one.bestPrecision()).isNotNull();
        assertThat(one.bestPrecision().bitsPerWeight()).isLessThan(9);
        Verdict atBest = planner.evaluate(bf16.withPrecision(one.bestPrecision()), h100, 1);
        assertThat(atBest.fitsNow()).isTrue();
        assertThat(atBest.maxContextTokens()).isGreaterThanOrEqualTo(8192);
        Verdict two = planner.evaluate(bf16, h100, 2);
        assertThat(two.fitsNow()).isTrue();
        assertThat(two.estimate().bytes("weights")).isEqualTo((BF16.bytes(model("llama-3.1-70b").parameters()) + 1) / 2);
    }

    @Test
    void decodeOfAnEightBModelAtBatchOneIsBandwidthBound() {
        // RTX 4090: 1008 GB/s and 330 dense FP16 TFLOPS (hardware catalog). Llama-3.1-8B at bf16 streams its
        // weights except the input embedding table: (8.03B - 0.525B) x 2 bytes = 15.0 GB per token, so at most
        // 1008 / 15.0 = 67 tokens per second.
        Capacity rtx = new Capacity("sim:0", "RTX 4090", 25_386_352_640L, null, null, null, 1_008_000_000_000L,
                330_000_000_000_000L, null);
        Roofline r = Roofline.of(model("llama-3.1-8b"), 2, new Workload(BF16, KV16, 1, 1, Mode.INFERENCE), rtx);
        assertThat(r.bandwidthBound(1)).isTrue();
        assertThat(r.tokensPerSecondPerSequence(1)).isBetween(66.0, 68.0);
        // Each sequence does ~2 FLOPs per 2-byte weight it shares, so intensity is about the batch (a little more,
        // as the embedding table is not streamed); the ridge is 330e12 / 1008e9 = 327 FLOPs per byte, so decode
        // turns compute-bound near batch 307 (at context 1).
        assertThat(r.ridge()).isCloseTo(327.4, org.assertj.core.api.Assertions.within(0.1));
        assertThat(r.criticalBatch()).isBetween(300, 315);
    }

    @Test
    void gptOssWeighsWhatItsPublishedCheckpointsWeigh() {
        // MXFP4 routed experts (4.25 bits) and bf16 for the rest, as published. The gpt-oss model card (arXiv
        // 2508.10925, Table 1) prints checkpoint sizes of 12.8 GiB (20b) and 60.8 GiB (120b); the 20b's
        // model.safetensors.index.json on Hugging Face gives "total_size": 13761264768.
        for (String id : java.util.List.of("gpt-oss-20b", "gpt-oss-120b")) {
            ModelSpec s = model(id);
            Precision published = PrecisionPolicy.published(s);
            assertThat(published.name()).isEqualTo("mxfp4");
            assertThat(published.expertsOnly()).isTrue();
            long bytes = MemoryAccounting.estimate(s, null, new Workload(published, KV16, 1, 1, Mode.INFERENCE), 1,
                    null).bytes("weights");
            double gib = bytes / (double) (1L << 30);
            assertThat(gib).isCloseTo(id.equals("gpt-oss-20b") ? 12.8 : 60.8,
                    org.assertj.core.api.Assertions.within(0.15));
            if (id.equals("gpt-oss-20b")) {
                assertThat(bytes / 13_761_264_768.0).isCloseTo(1.0, org.assertj.core.api.Assertions.within(0.002));
            }
        }
    }
}
