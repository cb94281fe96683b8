package dev.memwall.device.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memwall.device.BandwidthResult;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceException;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.DeviceMerge;
import dev.memwall.device.Discovery;
import dev.memwall.device.MemoryReading;
import dev.memwall.device.nvml.NvmlBackend;
import dev.memwall.device.testing.FakeDriver;
import dev.memwall.device.testing.SystemParts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CUDA and NVML backends through the real JCuda and JNA code, against the fake driver (two GPUs whose every
 * attribute differs). Runs in its own JVM (surefire execution "fake-driver"): the fake is loaded into it.
 */
@Tag("fake-driver")
class CudaOnFakeDriverTest {

    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    static final long CONTEXT_BYTES = 256 * MIB;
    static final String CONFIG = """
            context_bytes=268435456
            driver_version=12060
            nvml_driver_version=580.65.06
            device name="NVIDIA H100 80GB HBM3" uuid=GPU-8e3b1c52-0000-4000-8000-000000000001 pci=0000:3b:00.0 \
            total=1073741824 free=805306368 reserved=33554432 cc=9.0 sms=132 sm_clock_khz=1980000 \
            mem_clock_khz=2619000 bus_width=5120 l2=4194304 ecc=1 processes=0
            device name="NVIDIA A100-SXM4-40GB" uuid=GPU-8e3b1c52-0000-4000-8000-000000000002 pci=0000:af:00.0 \
            total=2147483648 free=1610612736 reserved=67108864 cc=8.0 sms=108 sm_clock_khz=1410000 \
            mem_clock_khz=1215000 bus_width=4096 l2=2097152 ecc=0 processes=3
            """.replace("\\\n", "");

    @BeforeAll
    static void loadTheFakeDriver() throws Exception {
        SystemParts.require(FakeDriver.gccPresent(), "gcc (to build the fake NVIDIA driver)", "apt-get install gcc");
        FakeDriver.loadIntoThisJvm();
        FakeDriver.configure(CONFIG);
        // The backends' own one-time initialisation runs here, against the configured fakes.
        assertThat(new CudaBackend().availability().available()).isTrue();
        assertThat(new NvmlBackend().availability().available()).isTrue();
    }

    @BeforeEach
    void freshDriverState() {
        reconfigure(CONFIG);
    }

    /**
     * Resets the fakes to a configuration. The backends initialise each library once per process, as the real
     * drivers expect; after a reset the fakes need that again, so it is done here the same way.
     */
    static void reconfigure(String config) {
        FakeDriver.configure(config);
        assertThat(JCudaDriver.cuInit(0)).isZero();
        assertThat(com.sun.jna.NativeLibrary.getInstance("libnvidia-ml.so.1").getFunction("nvmlInit_v2")
                .invokeInt(new Object[0])).isZero();
    }

    @AfterEach
    void nothingLeftBehind() {
        assertThat(FakeDriver.liveContexts()).as("live contexts").isZero();
        assertThat(FakeDriver.liveAllocations()).as("live device allocations").isZero();
        assertThat(FakeDriver.livePinned()).as("live pinned host buffers").isZero();
        assertThat(FakeDriver.liveStreams()).as("live streams").isZero();
        assertThat(FakeDriver.liveEvents()).as("live events").isZero();
        assertThat(FakeDriver.liveModules()).as("live modules").isZero();
    }

    private static List<Device> cudaDevices() throws DeviceException {
        CudaBackend backend = new CudaBackend();
        assertThat(backend.availability().available()).as(backend.availability().reason()).isTrue();
        return backend.devices();
    }

    @Test
    void everyAttributeLandsInItsField() throws Exception {
        List<Device> devices = cudaDevices();
        assertThat(devices).hasSize(2);
        DeviceIdentity h100 = devices.get(0).identity();
        assertThat(h100.id()).isEqualTo("cuda:0");
        assertThat(h100.name()).isEqualTo("NVIDIA H100 80GB HBM3");
        assertThat(h100.uuid()).isEqualTo("GPU-8e3b1c52-0000-4000-8000-000000000001");
        assertThat(h100.pciBusId()).isEqualTo("0000:3b:00.0");
        assertThat(h100.totalBytes()).isEqualTo(GIB);
        assertThat(h100.globalCacheBytes()).isEqualTo(4 * MIB);
        assertThat(h100.computeUnits()).isEqualTo(132);
        assertThat(h100.driverVersion()).isEqualTo("CUDA 12.6");
        Map<String, Object> a = devices.get(0).attributes();
        assertThat(a).containsEntry("compute_capability", "9.0").containsEntry("architecture", "Hopper")
                .containsEntry("sm_count", 132).containsEntry("sm_clock_hz", 1_980_000_000L)
                .containsEntry("memory_clock_hz", 2_619_000_000L).containsEntry("memory_bus_width_bits", 5120)
                .containsEntry("l2_cache_bytes", 4 * MIB).containsEntry("ecc_enabled", true);
        // 2 x 2619 MHz x 5120 bits / 8 = 3352.32 GB/s, the H100 SXM's figure from its clock and bus.
        assertThat(devices.get(0).theoreticalBandwidthBytesPerSecond()).isEqualTo(3_352_320_000_000L);
        // 132 SMs x 1980 MHz x 4096 FLOPs per clock per SM (architectures.csv, Hopper).
        assertThat(devices.get(0).peakFp16FlopsPerSecond()).isEqualTo(132L * 1_980_000_000L * 4096);
        assertThat(a).containsEntry("peak_fp8_flops_per_second", 132L * 1_980_000_000L * 8192);

        DeviceIdentity a100 = devices.get(1).identity();
        assertThat(a100.id()).isEqualTo("cuda:1");
        assertThat(a100.name()).isEqualTo("NVIDIA A100-SXM4-40GB");
        assertThat(a100.uuid()).isEqualTo("GPU-8e3b1c52-0000-4000-8000-000000000002");
        assertThat(a100.pciBusId()).isEqualTo("0000:af:00.0");
        assertThat(a100.totalBytes()).isEqualTo(2 * GIB);
        assertThat(a100.computeUnits()).isEqualTo(108);
        assertThat(devices.get(1).attributes()).containsEntry("compute_capability", "8.0")
                .containsEntry("ecc_enabled", false).containsEntry("memory_bus_width_bits", 4096)
                .containsEntry("peak_fp8_flops_per_second", null);
        // 2 x 1215 MHz x 4096 / 8 = 1244.16 GB/s; 108 x 1410 MHz x 2048 = 311.9 TFLOPS.
        assertThat(devices.get(1).theoreticalBandwidthBytesPerSecond()).isEqualTo(1_244_160_000_000L);
        assertThat(devices.get(1).peakFp16FlopsPerSecond()).isEqualTo(108L * 1_410_000_000L * 2048);
    }

    @Test
    void anAttributeTheDriverDeclinesIsUnknownNotAFailure() throws Exception {
        // The fifth attribute read is the memory clock; a driver that retired it answers INVALID_VALUE.
        FakeDriver.injectCuda("cuDeviceGetAttribute", 5, 1, 0, false);
        List<Device> devices = cudaDevices();
        assertThat(devices).hasSize(2);
        assertThat(devices.get(0).attributes()).containsEntry("memory_clock_hz", null)
                .containsEntry("memory_bus_width_bits", 5120);
        assertThat(devices.get(0).theoreticalBandwidthBytesPerSecond()).isNull();
        assertThat(devices.get(1).theoreticalBandwidthBytesPerSecond()).isEqualTo(1_244_160_000_000L);
    }

    @Test
    void aRequiredAttributeFailingFailsOnlyThatDevice() throws Exception {
        // The first attribute read is the compute capability, without which nothing can be said.
        FakeDriver.injectCuda("cuDeviceGetAttribute", 1, 999, 1, false);
        Discovery discovery = new CudaBackend().discover();
        assertThat(discovery.devices()).hasSize(1);
        assertThat(discovery.failures().get(0).error()).isEqualTo("cuDeviceGetAttribute("
                + "CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR) failed on cuda:1: CUDA_ERROR_UNKNOWN (999)");
    }

    @Test
    void freeMemoryIsReadThroughAContextThatIsReleasedAgain() throws Exception {
        MemoryReading m = cudaDevices().get(1).readMemory();
        assertThat(m.totalBytes()).isEqualTo(2 * GIB);
        assertThat(m.freeBytes()).isEqualTo(1_610_612_736L - CONTEXT_BYTES);
        assertThat(m.freeSource()).isEqualTo("cuMemGetInfo");
        assertThat(FakeDriver.cudaCalls("cuDevicePrimaryCtxRetain")).isEqualTo(1);
        assertThat(FakeDriver.cudaCalls("cuDevicePrimaryCtxRelease_v2")).isEqualTo(1);
    }

    @Test
    void benchmarkMeasuresEveryFigureAndFreesEverything() throws Exception {
        Device d = cudaDevices().get(0);
        BandwidthResult r = d.measureBandwidth(BenchmarkSettings.defaults());
        for (var m : List.of(r.read(), r.copy(), r.hostToDevice(), r.deviceToHost())) {
            // Sampling stops when three samples agree within 2% (the fake times passes on the host clock).
            assertThat(m.samples()).isBetween(3, 20);
            assertThat(m.converged() || m.samples() == 20 || m.secondsSpent() >= 0.5).isTrue();
            assertThat(m.bytesPerSecond()).isPositive();
        }
        // At most min(1 GiB, 10% of free) per buffer: free is 768 MiB less the 256 MiB context.
        assertThat(r.read().bufferBytes()).isLessThanOrEqualTo((805_306_368L - CONTEXT_BYTES) / 10)
                .isGreaterThanOrEqualTo(8 * 4 * MIB);
        assertThat(r.copy().bytesPerPass()).isEqualTo(2 * r.copy().bufferBytes());
        assertThat(r.read().method()).isEqualTo("cuda-read-kernel");
        assertThat(r.copy().method()).isEqualTo("cuMemcpyDtoDAsync");
        assertThat(r.theoreticalBytesPerSecond()).isEqualTo(3_352_320_000_000L);
        // 3 warm-up passes and each sample of 8 passes.
        assertThat(FakeDriver.cudaCalls("cuMemcpyDtoDAsync_v2")).isEqualTo(3 + r.copy().samples() * 8);
        assertThat(FakeDriver.cudaCalls("cuLaunchKernel")).isEqualTo(3 + r.read().samples() * 8);
        assertThat(FakeDriver.cudaCalls("cuModuleLoadDataEx")).isEqualTo(1);
    }

    @Test
    void outOfMemoryAtTheFirstAllocationRetriesOnceWithHalfTheBuffer() throws Exception {
        Device d = cudaDevices().get(0);
        FakeDriver.injectCuda("cuMemAlloc_v2", 1, 2, -1, false);
        BandwidthResult r = d.measureBandwidth(BenchmarkSettings.defaults());
        assertThat(r.read().notes()).anyMatch(n -> n.startsWith("out of memory with "));
        assertThat(r.read().samples()).isBetween(3, 20);
    }

    @Test
    void outOfMemoryTwiceIsReported() throws Exception {
        Device d = cudaDevices().get(0);
        FakeDriver.injectCuda("cuMemAlloc_v2", 1, 2, -1, false);
        FakeDriver.injectCuda("cuMemAlloc_v2", 2, 2, -1, false);
        assertThatThrownBy(() -> d.measureBandwidth(BenchmarkSettings.defaults()))
                .isInstanceOf(DeviceException.class)
                .hasMessageStartingWith("cuMemAlloc(")
                .hasMessageEndingWith(" failed on cuda:0: CUDA_ERROR_OUT_OF_MEMORY (2)");
    }

    @Test
    void aRefusedModuleSaysWhatTheJitSaid() throws Exception {
        Device d = cudaDevices().get(0);
        FakeDriver.injectCuda("cuModuleLoadDataEx", 1, 218, 0, false);
        assertThatThrownBy(() -> d.measureBandwidth(BenchmarkSettings.defaults()))
                .isInstanceOf(DeviceException.class)
                .hasMessage("cuModuleLoadDataEx failed on cuda:0: CUDA_ERROR_INVALID_PTX (218); JIT error log: "
                        + "ptxas application ptx input, line 1; error : injected fault (fake libcuda): "
                        + "CUDA_ERROR_INVALID_PTX | ptxas fatal : Ptx assembly aborted due to errors");
    }

    @Test
    void aDeviceBelowThePtxTargetGetsTheCompilersReason() throws Exception {
        // read_stream.ptx targets sm_70; a compute capability 6.0 device cannot run it.
        reconfigure(CONFIG.replace("cc=9.0", "cc=6.0"));
        Device d = cudaDevices().get(0);
        assertThatThrownBy(() -> d.measureBandwidth(BenchmarkSettings.defaults()))
                .isInstanceOf(DeviceException.class)
                .hasMessage("cuModuleLoadDataEx failed on cuda:0: CUDA_ERROR_INVALID_PTX (218); JIT error log: "
                        + "ptxas fatal: SM version specified by .target (sm_70) is higher than the device's (sm_60) "
                        + "(fake libcuda)");
    }

    @Test
    void deviceLostMidCopyIsReportedAndEverythingIsFreed() throws Exception {
        Device d = cudaDevices().get(0);
        FakeDriver.injectCuda("cuMemcpyDtoDAsync_v2", 5, 719, 0, false);
        assertThatThrownBy(() -> d.measureBandwidth(BenchmarkSettings.defaults()))
                .isInstanceOf(DeviceException.class)
                .hasMessage("cuMemcpyDtoDAsync failed on cuda:0: CUDA_ERROR_LAUNCH_FAILED (719)");
    }

    /**
     * A release the driver refuses leaves its object behind (the fake does the work only when the call succeeds):
     * exactly that one stays live, every other release still happens, and the failure is counted.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "cuMemFree_v2       | cuMemFree       | allocations",
        "cuMemFreeHost      | cuMemFreeHost   | pinned",
        "cuModuleUnload     | cuModuleUnload  | modules",
        "cuEventDestroy_v2  | cuEventDestroy  | events",
        "cuStreamDestroy_v2 | cuStreamDestroy | streams",
    })
    void aFailedReleaseIsReportedAndCountedAndTheOthersStillHappen(String function, String call, String kept)
            throws Exception {
        Device d = cudaDevices().get(0);
        long before = CudaReleases.failures();
        FakeDriver.injectCuda(function, 1, 999, 0, false);
        BandwidthResult r = d.measureBandwidth(BenchmarkSettings.defaults());
        // The figures were measured before the releases; they stand.
        assertThat(r.read().samples()).isBetween(3, 20);
        assertThat(CudaReleases.failures() - before).isEqualTo(1);
        assertThat(new CudaBackend().releaseFailures()).isEqualTo(CudaReleases.failures());
        assertThat(CudaReleases.lastFailure()).isEqualTo(call + " failed on cuda:0: CUDA_ERROR_UNKNOWN (999)");
        Map<String, Long> live = Map.of("allocations", FakeDriver.liveAllocations(), "pinned",
                FakeDriver.livePinned(), "modules", (long) FakeDriver.liveModules(), "events",
                (long) FakeDriver.liveEvents(), "streams", (long) FakeDriver.liveStreams());
        live.forEach((kind, n) -> assertThat(n).as("live " + kind).isEqualTo(kind.equals(kept) ? 1 : 0));
        if (kept.equals("allocations")) {
            // Buffers are freed last-made first: the copy's destination is the one kept.
            assertThat(FakeDriver.liveAllocatedBytes()).isEqualTo(r.copy().bufferBytes());
        }
        assertThat(FakeDriver.liveContexts()).as("the context is released all the same").isZero();
        reconfigure(CONFIG); // the fake forgets what it kept, so the check after each test sees a clean driver
    }

    @Test
    void aContextThatCannotBeReleasedIsReportedAndCounted() throws Exception {
        Device a100 = cudaDevices().get(1);
        long before = CudaReleases.failures();
        FakeDriver.injectCuda("cuDevicePrimaryCtxRelease_v2", 1, 999, 1, false);
        assertThatThrownBy(a100::readMemory).isInstanceOf(DeviceException.class)
                .hasMessage("cuDevicePrimaryCtxRelease failed on cuda:1: CUDA_ERROR_UNKNOWN (999)");
        assertThat(CudaReleases.failures() - before).isEqualTo(1);
        assertThat(FakeDriver.liveContextRefs()).isEqualTo(1);
        assertThat(FakeDriver.contextStackDepth()).as("popped before the release was tried").isZero();
        reconfigure(CONFIG);
    }

    @Test
    void whenPopAndReleaseBothFailBothAreCountedAndThePopIsThrown() throws Exception {
        Device a100 = cudaDevices().get(1);
        long before = CudaReleases.failures();
        FakeDriver.injectCuda("cuCtxPopCurrent_v2", 1, 700, 1, false);
        FakeDriver.injectCuda("cuDevicePrimaryCtxRelease_v2", 1, 999, 1, false);
        assertThatThrownBy(a100::readMemory).isInstanceOf(DeviceException.class)
                .hasMessage("cuCtxPopCurrent failed on cuda:1: CUDA_ERROR_ILLEGAL_ADDRESS (700)");
        assertThat(CudaReleases.failures() - before).isEqualTo(2);
        assertThat(CudaReleases.lastFailure())
                .isEqualTo("cuDevicePrimaryCtxRelease failed on cuda:1: CUDA_ERROR_UNKNOWN (999)");
        reconfigure(CONFIG);
    }

    @Test
    void aContextThatCannotBePushedIsReleasedAndAFailedReleaseThereIsCounted() throws Exception {
        Device a100 = cudaDevices().get(1);
        long before = CudaReleases.failures();
        FakeDriver.injectCuda("cuCtxPushCurrent_v2", 1, 201, 1, false);
        FakeDriver.injectCuda("cuDevicePrimaryCtxRelease_v2", 1, 999, 1, false);
        assertThatThrownBy(a100::readMemory).isInstanceOf(DeviceException.class)
                .hasMessage("cuCtxPushCurrent failed on cuda:1: CUDA_ERROR_INVALID_CONTEXT (201)");
        assertThat(CudaReleases.failures() - before).isEqualTo(1);
        assertThat(CudaReleases.lastFailure())
                .isEqualTo("cuDevicePrimaryCtxRelease failed on cuda:1: CUDA_ERROR_UNKNOWN (999)");
        assertThat(FakeDriver.liveContextRefs()).isEqualTo(1);
        reconfigure(CONFIG);
    }

    @Test
    void aDeviceThatCannotBeReadIsReportedAndTheOtherCarriesOn() throws Exception {
        FakeDriver.injectCuda("cuDeviceTotalMem_v2", 1, 999, 1, false);
        Discovery discovery = new CudaBackend().discover();
        assertThat(discovery.devices()).extracting(x -> x.identity().id()).containsExactly("cuda:0");
        assertThat(discovery.devices().get(0).identity().totalBytes()).isEqualTo(GIB);
        assertThat(discovery.failures()).hasSize(1);
        assertThat(discovery.failures().get(0).id()).isEqualTo("cuda:1");
        assertThat(discovery.failures().get(0).error())
                .isEqualTo("cuDeviceTotalMem failed on cuda:1: CUDA_ERROR_UNKNOWN (999)");
    }

    @Test
    void aFailingMemoryReadingOnOneDeviceLeavesTheOtherIntact() throws Exception {
        List<Device> devices = cudaDevices();
        FakeDriver.injectCuda("cuMemGetInfo_v2", 1, 999, 0, true);
        assertThatThrownBy(() -> devices.get(0).readMemory())
                .hasMessage("cuMemGetInfo failed on cuda:0: CUDA_ERROR_UNKNOWN (999)");
        assertThat(devices.get(1).readMemory().freeBytes()).isEqualTo(1_610_612_736L - CONTEXT_BYTES);
    }

    @Test
    void nvmlReadsMemoryWithoutAContext() throws Exception {
        NvmlBackend nvml = new NvmlBackend();
        assertThat(nvml.availability().available()).as(nvml.availability().reason()).isTrue();
        List<Device> devices = nvml.devices();
        assertThat(devices).hasSize(2);
        assertThat(devices.get(1).identity().uuid()).isEqualTo("GPU-8e3b1c52-0000-4000-8000-000000000002");
        assertThat(devices.get(1).identity().pciBusId()).isEqualTo("0000:af:00.0");
        MemoryReading m = devices.get(1).readMemory();
        assertThat(m.totalBytes()).isEqualTo(2 * GIB);
        assertThat(m.freeBytes()).isEqualTo(1_610_612_736L);
        assertThat(m.reservedBytes()).isEqualTo(64 * MIB);
        assertThat(m.usedBytes()).isEqualTo(2 * GIB - 64 * MIB - 1_610_612_736L);
        assertThat(m.freeSource()).isEqualTo("nvmlDeviceGetMemoryInfo_v2");
        assertThat(devices.get(1).attributes()).containsEntry("compute_processes", 3);
        assertThat(FakeDriver.liveContexts()).isZero();
    }

    @Test
    void theSameGpuThroughCudaAndNvmlIsListedOnceWithTheContextCostStated() throws Exception {
        List<Device> all = new ArrayList<>(cudaDevices());
        all.addAll(new NvmlBackend().devices());
        List<Device> merged = DeviceMerge.merge(all);
        assertThat(merged).extracting(d -> d.identity().id()).containsExactly("cuda:0", "cuda:1");
        MemoryReading m = merged.get(0).readMemory();
        assertThat(m.freeSource()).isEqualTo("nvmlDeviceGetMemoryInfo_v2");
        assertThat(m.freeBytes()).isEqualTo(805_306_368L);
        assertThat(m.queryContextBytes()).isEqualTo(CONTEXT_BYTES);
        assertThat(merged.get(0).attributes().get("seen_as")).isEqualTo(List.of("cuda:0", "nvml:0"));
    }

    @Test
    void aReadingWhosePartsDoNotAddUpIsShownAsReportedWithANote() throws Exception {
        reconfigure(CONFIG.replace("ecc=0 processes=3", "ecc=0 processes=3 nvml_memory_drift_bytes=1MiB"));
        Discovery discovery = new NvmlBackend().discover();
        assertThat(discovery.failures()).isEmpty();
        Device a100 = discovery.devices().get(1);
        String note = "nvmlDeviceGetMemoryInfo_v2 parts do not add up: total 2147483648 != reserved + used + free "
                + "(off by -1048576 bytes); shown as the driver reports them";
        for (int sample = 0; sample < 3; sample++) {
            MemoryReading m = a100.readMemory();
            assertThat(m.totalBytes()).isEqualTo(2 * GIB);
            assertThat(m.reservedBytes()).isEqualTo(64 * MIB);
            assertThat(m.freeBytes()).isEqualTo(1_610_612_736L);
            assertThat(m.usedBytes()).isEqualTo(2 * GIB - 64 * MIB - 1_610_612_736L + MIB);
            assertThat(m.freeSource()).isEqualTo("nvmlDeviceGetMemoryInfo_v2");
            assertThat(m.notes()).containsExactly(note);
        }
        // The other device adds up and carries no note.
        assertThat(discovery.devices().get(0).readMemory().notes()).isEmpty();
    }

    @Test
    void theNoteSurvivesTheMergeWithCuda() throws Exception {
        reconfigure(CONFIG.replace("ecc=0 processes=3", "ecc=0 processes=3 nvml_memory_drift_bytes=-4MiB"));
        List<Device> all = new ArrayList<>(cudaDevices());
        all.addAll(new NvmlBackend().devices());
        Device a100 = DeviceMerge.merge(all).get(1);
        assertThat(a100.identity().id()).isEqualTo("cuda:1");
        String note = "nvmlDeviceGetMemoryInfo_v2 parts do not add up: total 2147483648 != reserved + used + free "
                + "(off by 4194304 bytes); shown as the driver reports them";
        MemoryReading m = a100.readMemory();
        assertThat(m.freeSource()).isEqualTo("nvmlDeviceGetMemoryInfo_v2");
        assertThat(m.usedBytes()).isEqualTo(2 * GIB - 64 * MIB - 1_610_612_736L - 4 * MIB);
        assertThat(m.queryContextBytes()).isEqualTo(CONTEXT_BYTES);
        assertThat(m.notes()).containsExactly(note);
        assertThat(a100.readMemoryWithoutContext().notes()).containsExactly(note);
    }

    @Test
    void aPartOutsideTheTotalIsStillAnError() throws Exception {
        // used = 448 MiB - 1 GiB, which wraps in the driver's unsigned arithmetic.
        reconfigure(CONFIG.replace("ecc=0 processes=3", "ecc=0 processes=3 nvml_memory_drift_bytes=-1GiB"));
        Device a100 = new NvmlBackend().devices().get(1);
        assertThatThrownBy(a100::readMemory).isInstanceOf(DeviceException.class)
                .hasMessage("nvmlDeviceGetMemoryInfo_v2 on nvml:1 reported used 18446744073105571840 bytes, "
                        + "outside [0, total 2147483648]");
    }

    @Test
    void oldDriversWithoutMemoryInfoV2FallBackToV1() throws Exception {
        reconfigure(CONFIG.replace("ecc=0 processes=3", "ecc=0 processes=3 nvml_v2=0"));
        MemoryReading m = new NvmlBackend().devices().get(1).readMemory();
        assertThat(m.freeSource()).isEqualTo("nvmlDeviceGetMemoryInfo");
        assertThat(m.reservedBytes()).isNull();
        assertThat(m.freeBytes()).isEqualTo(1_610_612_736L);
    }
}
