package dev.memwall.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.device.BandwidthResult;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.Device;
import dev.memwall.device.MemoryReading;
import dev.memwall.device.cuda.CudaBackend;
import dev.memwall.device.nvml.NvmlBackend;
import dev.memwall.device.opencl.OpenClBackend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * memwall's CUDA, NVML and OpenCL readings against nvidia-smi on the same host. Skips, with a message, where
 * there is no NVIDIA GPU. Every figure is printed and, when {@code MEMWALL_GPU_REPORT} names a file, appended
 * there for docs/gpu-validation.md.
 */
class GpuHostTest {

    private static final long MIB = 1L << 20;
    private static final boolean GPU = NvidiaSmi.present();
    static final String NO_GPU = "skipped: no NVIDIA GPU here (nvidia-smi is missing or lists none); "
            + "the GPU tests run only on a GPU host";

    @BeforeAll
    static void describeTheHost() throws Exception {
        if (!GPU) {
            System.err.println(NO_GPU);
            return;
        }
        report("nvidia-smi", NvidiaSmi.run("nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                "--format=csv,noheader").strip());
    }

    @BeforeEach
    void needsAnNvidiaGpu() {
        Assumptions.assumeTrue(GPU, NO_GPU);
    }

    static void report(String key, Object value) throws IOException {
        String line = key + ": " + value;
        System.out.println(line);
        String file = System.getenv("MEMWALL_GPU_REPORT");
        if (file != null && !file.isBlank()) {
            Files.writeString(Path.of(file), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }

    private static Optional<Device> byUuid(List<Device> devices, String uuid) {
        return devices.stream().filter(d -> uuid.equalsIgnoreCase(d.identity().uuid())).findFirst();
    }

    @Test
    void nvmlAgreesWithNvidiaSmi() throws Exception {
        NvmlBackend nvml = new NvmlBackend();
        assertThat(nvml.availability().available()).as(nvml.availability().reason()).isTrue();
        List<Device> devices = nvml.devices();
        for (NvidiaSmi.Gpu gpu : NvidiaSmi.query()) {
            Device d = byUuid(devices, gpu.uuid()).orElseThrow(() -> new AssertionError("NVML lacks " + gpu.uuid()));
            MemoryReading m = d.readMemory();
            report(gpu.uuid() + " nvml total/reserved/used/free MiB", String.format(Locale.ROOT, "%d/%d/%d/%d vs "
                    + "nvidia-smi %d/%d/%d/%d", m.totalBytes() / MIB, m.reservedBytes() == null ? -1
                    : m.reservedBytes() / MIB, m.usedBytes() / MIB, m.freeBytes() / MIB, gpu.memoryTotalMib(),
                    gpu.memoryReservedMib(), gpu.memoryUsedMib(), gpu.memoryFreeMib()));
            assertThat(m.totalBytes() / MIB).isEqualTo(gpu.memoryTotalMib());
            assertThat(d.identity().pciBusId()).isEqualTo(gpu.pciBusId());
            // On an idle device free memory moves little between two readings a moment apart.
            long tolerance = Math.max(256 * MIB, m.totalBytes() / 100);
            assertThat(Math.abs(m.freeBytes() - gpu.memoryFreeMib() * MIB)).isLessThanOrEqualTo(tolerance);
        }
    }

    @Test
    void cudaTotalIsWithinOnePercentOfNvmlAndNoContextIsLeftBehind() throws Exception {
        CudaBackend cuda = new CudaBackend();
        assertThat(cuda.availability().available()).as(cuda.availability().reason()).isTrue();
        List<Device> devices = cuda.devices();
        List<Device> nvml = new NvmlBackend().devices();
        for (NvidiaSmi.Gpu gpu : NvidiaSmi.query()) {
            Device d = byUuid(devices, gpu.uuid()).orElseThrow(() -> new AssertionError("CUDA lacks " + gpu.uuid()));
            long nvmlTotal = byUuid(nvml, gpu.uuid()).orElseThrow().readMemory().totalBytes();
            MemoryReading m = d.readMemory();
            report(gpu.uuid() + " cuda total/free bytes", m.totalBytes() + "/" + m.freeBytes() + " (nvml total "
                    + nvmlTotal + ", ratio " + String.format(Locale.ROOT, "%.4f", m.totalBytes() / (double) nvmlTotal)
                    + ")");
            report(gpu.uuid() + " cuda attributes", d.attributes());
            assertThat(m.totalBytes() / (double) nvmlTotal).isBetween(0.99, 1.0);
        }
        long self = ProcessHandle.current().pid();
        assertThat(NvidiaSmi.computeApps()).as("processes with a context after reading memory").doesNotContain(self);
    }

    @Test
    void measuredBandwidthIsAtLeastEightTenthsOfTheoretical() throws Exception {
        CudaBackend cuda = new CudaBackend();
        for (Device d : cuda.devices()) {
            BandwidthResult r = d.measureBandwidth(BenchmarkSettings.defaults());
            report(d.identity().uuid() + " cuda bandwidth B/s", String.format(Locale.ROOT,
                    "read %.4g copy %.4g h2d %.4g d2h %.4g theoretical %d buffer %d MiB, %.2f s",
                    r.read().bytesPerSecond(), r.copy().bytesPerSecond(), r.hostToDevice().bytesPerSecond(),
                    r.deviceToHost().bytesPerSecond(), r.theoreticalBytesPerSecond(), r.read().bufferBytes() / MIB,
                    r.secondsSpent()));
            assertThat(r.copy().bytesPerSecond()).isGreaterThanOrEqualTo(0.8 * r.theoreticalBytesPerSecond());
            assertThat(r.read().bytesPerSecond()).isGreaterThanOrEqualTo(0.8 * r.theoreticalBytesPerSecond());
        }
        long self = ProcessHandle.current().pid();
        assertThat(NvidiaSmi.computeApps()).as("processes with a context after the benchmark").doesNotContain(self);
    }

    @Test
    void nvidiaOpenClSeesTheSameGpus() throws Exception {
        OpenClBackend opencl = new OpenClBackend();
        Assumptions.assumeTrue(opencl.availability().available(), "no OpenCL ICD on this host: "
                + opencl.availability().reason());
        List<Device> devices = opencl.devices();
        for (NvidiaSmi.Gpu gpu : NvidiaSmi.query()) {
            Optional<Device> d = devices.stream().filter(x -> gpu.pciBusId().equals(x.identity().pciBusId()))
                    .findFirst();
            assertThat(d).as("an OpenCL device at %s", gpu.pciBusId()).isPresent();
            report(gpu.uuid() + " opencl total bytes", d.get().identity().totalBytes());
            assertThat(d.get().identity().totalBytes()).isLessThanOrEqualTo(gpu.memoryTotalMib() * MIB);
        }
    }
}
