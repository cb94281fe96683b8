package dev.memwall.estimator.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.estimator.gguf.GgmlType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ggml's CPU work buffer, worked out by hand from ggml_graph_plan's rules (ggml/src/ggml-cpu/ggml-cpu.c) for a small
 * llama: 8 layers, embedding 1024, 16 heads of 64 (4 for K and V), feed-forward 2816, vocabulary 16000; context 4096,
 * one sequence, micro-batch 512, 2 threads (a 64-byte cache line each).
 */
class GgmlCpuPlanTest {

    private static final LlamaCppModel LLAMA = new LlamaCppModel(LlamaCppModel.Arch.LLAMA, 8, 1024, 16, 4, 64, 64,
            2816, 16000, 0, 0);

    private static LlamaCppContext context(long cells, boolean flash, GgmlType k, GgmlType v) {
        return new LlamaCppContext(cells, 1, 512, flash, k, v);
    }

    @Test
    void withoutFlashAttentionTheScoresConvertedForTheVProductAreTheLargest() {
        // mul_mat(V view f16, scores f32 [4096, 512, 16]): the scores converted to f16, 2 bytes each
        assertThat(LlamaCppMemory.cpuWorkBytes(LLAMA, context(4096, false, GgmlType.F16, GgmlType.F16),
                GgmlType.F16, 2)).isEqualTo(2L * 4096 * 512 * 16 + 2 * 64);
        // twice the context, twice the scores
        assertThat(LlamaCppMemory.cpuWorkBytes(LLAMA, context(8192, false, GgmlType.F16, GgmlType.F16),
                GgmlType.F16, 2)).isEqualTo(2L * 8192 * 512 * 16 + 2 * 64);
    }

    @Test
    void withFlashAttentionTheFeedForwardsActivationsConvertedForTheWeightsAreTheLargest() {
        // the down projection's input [2816, 512]: f16 weights take f16 (2 bytes), Q4_K ones Q8_K (292 per 256)
        assertThat(LlamaCppMemory.cpuWorkBytes(LLAMA, context(4096, true, GgmlType.F16, GgmlType.F16),
                GgmlType.F16, 2)).isEqualTo(2L * 2816 * 512 + 2 * 64);
        assertThat(LlamaCppMemory.cpuWorkBytes(LLAMA, context(4096, true, GgmlType.F16, GgmlType.F16),
                GgmlType.Q4_K, 2)).isEqualTo(292L * 2816 * 512 / 256 + 2 * 64);
        // f32 weights need no conversion: flash attention's scratch, 64 x 64 tiles per thread, is the largest
        long tiles = 4L * (64 * 64 + 2 * 64 * 64 + 64 * 64 + 64 * 64 + 64 * 64) * 2;
        assertThat(LlamaCppMemory.cpuWorkBytes(LLAMA, context(4096, true, GgmlType.F16, GgmlType.F16),
                GgmlType.F32, 2)).isEqualTo(tiles + 2 * 64);
        // and it does not grow with the context
        assertThat(LlamaCppMemory.cpuWorkBytes(LLAMA, context(65536, true, GgmlType.F16, GgmlType.F16),
                GgmlType.F16, 2)).isEqualTo(2L * 2816 * 512 + 2 * 64);
    }

    @Test
    void aMixedFileIsSizedByTheWidestDotProduct() {
        assertThat(LlamaCppMemory.widestVecDot(List.of("F32", "Q4_K", "Q6_K"))).isIn(GgmlType.Q4_K, GgmlType.Q6_K);
        assertThat(GgmlCpuPlan.vecDotType(LlamaCppMemory.widestVecDot(List.of("F32", "Q4_0", "F16"))))
                .isEqualTo(GgmlType.F16);
        assertThat(LlamaCppMemory.widestVecDot(List.of("F32"))).isEqualTo(GgmlType.F32);
        assertThat(LlamaCppMemory.widestVecDot(List.of("F8_E4M3", "Q8_0"))).isEqualTo(GgmlType.Q8_0);
        assertThat(LlamaCppMemory.weightType("q4_k_m")).isEqualTo(GgmlType.Q4_K);
        assertThat(LlamaCppMemory.weightType("q8_0")).isEqualTo(GgmlType.Q8_0);
        assertThat(LlamaCppMemory.weightType("fp16")).isEqualTo(GgmlType.F16);
        assertThat(LlamaCppMemory.weightType("int4")).isEqualTo(GgmlType.F16);
    }
}
