package dev.memwall.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceOverheadsTest {

    static DeviceIdentity device(String name, String vendor, DeviceType type, long total) {
        return new DeviceIdentity("d:0", "simulated", name, vendor, type, null, null, null, null, total, null, null,
                null, null);
    }

    @Test
    void aCpuDeviceHasNoRuntimeOverhead() {
        // PoCL's CPU device: host memory through OpenCL, no CUDA, no HIP.
        assertThat(DeviceOverheads.of(device("pthread-skylake-avx512-AMD EPYC", "AuthenticAMD", DeviceType.CPU,
                23L << 30), Map.of())).isNull();
        assertThat(DeviceOverheads.limit(device("cpu", "GenuineIntel", DeviceType.CPU, 23L << 30))).isNull();
    }

    @Test
    void aCudaContextOnlyOnNvidiaDevicesByArchitecture() {
        // H100: vLLM v0.19.0 logs cuda_memory=0.51GiB at init (runtime_overheads.csv).
        DeviceOverheads.Overhead h100 = DeviceOverheads.of(device("NVIDIA H100 80GB HBM3", "NVIDIA Corporation",
                DeviceType.GPU, 80L << 30), Map.of("compute_capability", "9.0"));
        assertThat(h100.name()).isEqualTo("cuda_context");
        assertThat(h100.bytes()).isEqualTo((long) (0.51 * (1L << 30)));
        assertThat(h100.how()).contains("compute capability 9.0", "llm-d-planner");
        // RTX 3090: 256 MiB per process with torch 2.7.1.
        assertThat(DeviceOverheads.of(device("NVIDIA GeForce RTX 3090", "nvidia", DeviceType.GPU, 24L << 30),
                Map.of("compute_capability", "8.6")).bytes()).isEqualTo(256L << 20);
        // No published figure for Turing: the median of the measured architectures, and it says so.
        DeviceOverheads.Overhead t4 = DeviceOverheads.of(device("NVIDIA Tesla T4", "nvidia", DeviceType.GPU,
                16L << 30), Map.of("compute_capability", "7.5"));
        assertThat(t4.bytes()).isEqualTo(DeviceOverheads.medianCudaContext());
        assertThat(t4.how()).contains("no published measurement for compute capability 7.5");
        assertThat(DeviceOverheads.medianCudaContext()).isBetween(256L << 20, 612L << 20);
    }

    @Test
    void theHipRuntimeOnAmdGpusAndTheWorkingSetOnAppleGpus() {
        DeviceOverheads.Overhead mi300x = DeviceOverheads.of(device("AMD Instinct MI300X 192GB", "amd",
                DeviceType.GPU, 192L << 30), Map.of());
        assertThat(mi300x.name()).isEqualTo("hip_runtime");
        assertThat(mi300x.bytes()).isEqualTo((long) (0.33 * (1L << 30)));
        DeviceIdentity m4 = device("Apple M4 Max (128 GB)", "apple", DeviceType.GPU, 128L << 30);
        assertThat(DeviceOverheads.of(m4, Map.of())).isNull();
        // 3/4 from 36 GB: a 128 GB Mac reports 103079.22 MB (96 GiB) in ggml_metal_init on macOS 14/15.
        assertThat(DeviceOverheads.limit(m4).bytes()).isEqualTo(96L << 30);
        // 2/3 up to 32 GB: an M3 with 16 GB reports 11453.25 MB = 2/3 of 16 GiB.
        long m3 = DeviceOverheads.limit(device("Apple M3 (16 GB)", "apple", DeviceType.GPU, 16L << 30)).bytes();
        assertThat(m3 / 1e6).isCloseTo(11453.25, org.assertj.core.api.Assertions.within(0.01));
    }
}
