package dev.memwall.estimator.precision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class PrecisionsTest {

    @ParameterizedTest
    @CsvSource({
        "fp32, 32", "bfloat16, 16", "FP16, 16", "fp8, 8", "int8, 8",
        // 4 + (16-bit scale + 4-bit zero) / 128
        "int4, 4.15625",
        // bitsandbytes: 4 + 32/64; with double quantization 4 + 8/64 + 32/16384
        "nf4, 4.5", "nf4_dq, 4.126953125",
        // MXFP4: 4 + 8/32; NVFP4: 4 + 8/16
        "mxfp4, 4.25", "nvfp4, 4.5", "int2, 2.140625"})
    void exactBitsWithScalesIncluded(String name, double bits) {
        assertThat(Precisions.weight(name)).get().extracting(Precision::bitsPerWeight).isEqualTo(bits);
    }

    @ParameterizedTest
    @CsvSource({
        // llama.cpp's quantize table: Q8_0 7.96 GiB for Llama-3-8B (8.03B parameters) -> 8.515 bits, close to the
        // 8.5 of pure Q8_0 blocks (34 bytes per 32); Q4_K_M 4.58 GiB -> 4.899 bits.
        "q8_0, 8.515", "q4_k_m, 4.899", "Q4_K, 4.899", "q6_k, 6.568", "q2_k, 3.166"})
    void ggufMixesAverageTheQuantizeTable(String name, double bits) {
        assertThat(Precisions.weight(name).orElseThrow().bitsPerWeight()).isCloseTo(bits, within(0.001));
    }

    @ParameterizedTest
    @CsvSource({"fp16, 16", "fp8, 8", "q8_0, 8.5", "q4_0, 4.5"})
    void kvCachePrecisions(String name, double bits) {
        assertThat(Precisions.kvCache(name).orElseThrow().bitsPerWeight()).isEqualTo(bits);
    }

    @Test
    void bestQualityFirstAndNothingUnknown() {
        assertThat(Precisions.weights().get(0).name()).isEqualTo("fp32");
        assertThat(Precisions.weight("q1_x")).isEmpty();
        assertThat(Precisions.weight("bf16").orElseThrow().bytes(8_030_261_248L)).isEqualTo(16_060_522_496L);
        assertThat(Precisions.weight("int4").orElseThrow().bytes(128)).isEqualTo(67);
    }
}
