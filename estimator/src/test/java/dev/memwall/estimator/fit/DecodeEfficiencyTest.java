package dev.memwall.estimator.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memwall.estimator.fit.DecodeEfficiency.Device;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DecodeEfficiencyTest {

    private static final DecodeEfficiency FIT = DecodeEfficiency.builtIn();
    private static final Device GEFORCE = Device.of(DeviceClass.NVIDIA_GPU, "GDDR6X");

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource({
        "bf16, false, SIXTEEN_BIT", "f16, false, SIXTEEN_BIT", "FP16, false, SIXTEEN_BIT",
        "q8_0, false, EIGHT_BIT", "fp8, false, EIGHT_BIT", "int8, false, EIGHT_BIT",
        "q4_k_m, false, K_QUANT", "Q4_K, false, K_QUANT", "q2_k_s, false, K_QUANT", "q6_k, false, K_QUANT",
        "q4_0, false, LEGACY_QUANT", "q5_1, false, LEGACY_QUANT", "iq4_xs, false, I_QUANT",
        "mxfp4, false, OTHER", "int4, false, OTHER", "fp32, false, OTHER", "q4_k_m, true, MOE", "mxfp4, true, MOE"})
    void formatsFallIntoTheirClass(String format, boolean moe, FormatClass expected) {
        assertThat(FormatClass.of(format, moe)).isEqualTo(expected);
    }

    @Test
    void anUnknownFormatIsRefused() {
        assertThatThrownBy(() -> FormatClass.of("q9_z", false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown weight format 'q9_z'");
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, -5, Double.NaN, Double.POSITIVE_INFINITY})
    void theBoundMustBeARate(double bound) {
        assertThatThrownBy(() -> FIT.expected("llama.cpp", GEFORCE, FormatClass.K_QUANT, bound))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bound must be > 0 tokens per second, was " + bound);
    }

    /**
     * Llama 3 8B Q4_K_M on an RTX 4090: the bound at 1008 GB/s is 204 tok/s; llama.cpp measured 130.58 (XiongjieDai,
     * tg512). The fit includes that row, so the expectation must land within the cell's in-sample error (16%).
     */
    @Test
    void aCellWithItsOwnMeasurementsSaysSo() {
        DecodeRate r = FIT.expected("llama.cpp", GEFORCE, FormatClass.K_QUANT, 203.6).orElseThrow();
        assertThat(r.tokensPerSecond()).isCloseTo(130.58, org.assertj.core.data.Percentage.withPercentage(16));
        assertThat(r.efficiency()).isEqualTo(r.tokensPerSecond() / 203.6);
        assertThat(r.how()).startsWith("llama.cpp, nvidia_gpu, k-quant: ").contains("measurements from")
                .doesNotContain("too few");
    }

    @Test
    void hbmDevicesAreFittedApart() {
        double bound = 400;
        DecodeRate gddr = FIT.expected("llama.cpp", GEFORCE, FormatClass.K_QUANT, bound).orElseThrow();
        DecodeRate hbm = FIT.expected("llama.cpp", Device.of(DeviceClass.NVIDIA_GPU, "HBM2e"), FormatClass.K_QUANT,
                bound).orElseThrow();
        assertThat(hbm.how()).startsWith("llama.cpp, nvidia_gpu (HBM), k-quant");
        assertThat(hbm.tokensPerSecond()).isLessThan(gddr.tokensPerSecond());
    }

    @Test
    void aThinCellFallsBackAndSays() {
        DecodeRate moe = FIT.expected("llama.cpp", Device.of(DeviceClass.APPLE, "LPDDR5"), FormatClass.MOE, 50)
                .orElseThrow();
        assertThat(moe.how()).startsWith("too few MoE measurements on apple, so llama.cpp, apple, every format: ");
        DecodeRate amdHbm = FIT.expected("llama.cpp", Device.of(DeviceClass.AMD_GPU, "HBM3"), FormatClass.K_QUANT, 50)
                .orElseThrow();
        assertThat(amdHbm.how()).startsWith(
                "too few measurements on amd_gpu (HBM), so llama.cpp, every device, k-quant: ");
    }

    @Test
    void aRuntimeWithoutMeasurementsHasNoExpectedRate() {
        assertThat(FIT.expected("vllm", GEFORCE, FormatClass.SIXTEEN_BIT, 50)).isEmpty();
        assertThat(FIT.expected("generic", GEFORCE, FormatClass.SIXTEEN_BIT, 50)).get()
                .satisfies(r -> assertThat(r.how()).startsWith("every runtime, nvidia_gpu, 16-bit: "));
    }

    @Property
    void theExpectedRateNeverPassesTheBoundAndGrowsWithIt(@ForAll DeviceClass deviceClass, @ForAll boolean hbm,
            @ForAll FormatClass format, @ForAll @DoubleRange(min = 0.01, max = 1e5) double bound) {
        Device d = new Device(deviceClass, hbm);
        DecodeRate r = FIT.expected("llama.cpp", d, format, bound).orElseThrow();
        DecodeRate faster = FIT.expected("llama.cpp", d, format, bound * 1.5).orElseThrow();
        assertThat(r.tokensPerSecond()).isLessThanOrEqualTo(bound);
        assertThat(faster.tokensPerSecond()).isGreaterThanOrEqualTo(r.tokensPerSecond());
    }

    @Test
    void everyCellKeepsItsEfficiencyWithinReason() {
        assertThat(FIT.cells()).isNotEmpty().allSatisfy(c -> {
            assertThat(c.bandwidthEfficiency()).isBetween(0.05, 1.0);
            assertThat(c.overheadSeconds()).isBetween(0.0, 0.1);
            assertThat(c.rows()).isGreaterThanOrEqualTo(DecodeEfficiency.MIN_ROWS);
            assertThat(c.devices()).isGreaterThanOrEqualTo(DecodeEfficiency.MIN_DEVICES);
        });
    }
}
