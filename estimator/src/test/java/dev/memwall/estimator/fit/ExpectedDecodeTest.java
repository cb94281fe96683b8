package dev.memwall.estimator.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import org.junit.jupiter.api.Test;

class ExpectedDecodeTest {

    static final ModelSpec LLAMA_8B = ModelCatalog.builtIn().find("llama-3.1-8b").orElseThrow().spec();
    static final Precision Q4_K_M = Precisions.weight("q4_k_m").orElseThrow();
    static final Precision KV16 = Precisions.kvCache("fp16").orElseThrow();
    /** An RTX 4090: 24 GiB of GDDR6X at 1008 GB/s, read measured at 900 GB/s. */
    static final Capacity RTX_4090 = new Capacity("cuda:0", "RTX 4090", 25_386_352_640L, 24_000_000_000L, 0L, 900e9,
            1_008_000_000_000L, 165_000_000_000_000L, null, null, null, null, false,
            new Capacity.Hardware(DeviceClass.NVIDIA_GPU, "GDDR6X", 128));
    /** A 2-core CPU OpenCL device: host memory, read measured at 40 GB/s, no peak bandwidth known. */
    static final Capacity CPU = new Capacity("opencl:0.0", "cpu", 24L << 30, null, null, 40e9, null,
            200_000_000_000L, null, null, null, null, true, new Capacity.Hardware(DeviceClass.CPU, null, 2));

    static Verdict.Decode decode(Capacity device, RuntimeProfile runtime) {
        Workload w = new Workload(Q4_K_M, KV16, 4096, 1, Mode.INFERENCE).withRuntime(runtime);
        return new FitPlanner(LLAMA_8B, null).evaluate(w, device, 1).decode();
    }

    @Test
    void aGpuGetsTheFitAtItsPeakBandwidthBelowTheBound() {
        Verdict.Decode d = decode(RTX_4090, RuntimeProfile.LlamaCpp.defaults());
        Roofline r = Roofline.of(LLAMA_8B, WeightBytes.of(null, LLAMA_8B,
                new Workload(Q4_K_M, KV16, 4096, 1, Mode.INFERENCE)), 1,
                new Workload(Q4_K_M, KV16, 4096, 1, Mode.INFERENCE), RTX_4090);
        double atPeak = 1_008_000_000_000.0 / r.expectedBytesPerStep(1);
        double fitted = DecodeEfficiency.builtIn().expected("llama.cpp",
                DecodeEfficiency.Device.of(DeviceClass.NVIDIA_GPU, "GDDR6X"), FormatClass.K_QUANT, atPeak)
                .orElseThrow().tokensPerSecond();
        assertThat(d.expectedTokensPerSecond()).isCloseTo(fitted, within(1e-9));
        assertThat(d.expectedTokensPerSecond()).isLessThan(d.boundTokensPerSecond());
        assertThat(d.expectedHow()).contains("llama.cpp, nvidia_gpu, k-quant").doesNotContain("measured read");
    }

    @Test
    void vllmHasNoFittedMeasurementsSoOnlyTheBound() {
        Verdict.Decode d = decode(RTX_4090, new RuntimeProfile.Vllm(0.9, 2048, 256));
        assertThat(d.boundTokensPerSecond()).isNotNull();
        assertThat(d.expectedTokensPerSecond()).isNull();
        assertThat(d.expectedHow()).contains("no published vllm decode measurements");
    }

    @Test
    void aDeviceOfUnknownKindGetsOnlyTheBound() {
        Verdict.Decode d = decode(RTX_4090.withHardware(null), RuntimeProfile.LlamaCpp.defaults());
        assertThat(d.expectedTokensPerSecond()).isNull();
        assertThat(d.expectedHow()).contains("kind is unknown");
    }

    @Test
    void aCpuWithoutPeakBandwidthUsesTheMeasuredBoundAndSaysSo() {
        Verdict.Decode d = decode(CPU, RuntimeProfile.LlamaCpp.defaults());
        assertThat(d.expectedTokensPerSecond()).isPositive().isLessThan(d.boundTokensPerSecond());
        assertThat(d.expectedHow()).contains("cpu").contains("measured read bandwidth");
    }

    @Test
    void moreThreadsThanCoresExpectNoRate() {
        Verdict.Decode d = decode(CPU, new RuntimeProfile.LlamaCpp(512, 0, true, 4));
        assertThat(d.expectedTokensPerSecond()).isNull();
        assertThat(d.expectedHow()).contains("4 threads on 2 cores").contains("-t 2");
    }

    @Test
    void aCpuThreadComputesOnlyItsCoresShare() {
        // 2 GFLOP/s measured: one thread of two gets 1 GFLOP/s, about 16 GFLOP a token for an 8B model.
        Capacity slow = new Capacity("opencl:0.0", "cpu", 24L << 30, null, null, 40e9, null, 2_000_000_000L, null,
                null, null, null, true, new Capacity.Hardware(DeviceClass.CPU, null, 2));
        Verdict.Decode one = decode(slow, new RuntimeProfile.LlamaCpp(512, 0, true, 1));
        Verdict.Decode two = decode(slow, new RuntimeProfile.LlamaCpp(512, 0, true, 2));
        assertThat(one.expectedHow()).contains("capped by compute: 1 of 2 cores at 2.0 GFLOP/s measured");
        assertThat(one.expectedTokensPerSecond()).isCloseTo(two.expectedTokensPerSecond() / 2, within(1e-9));
    }
}
