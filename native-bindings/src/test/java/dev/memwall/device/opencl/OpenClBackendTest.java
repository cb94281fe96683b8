package dev.memwall.device.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.device.BandwidthKind;
import dev.memwall.device.BandwidthMeasurement;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.DeviceType;
import dev.memwall.device.MemoryReading;
import dev.memwall.device.testing.Clinfo;
import dev.memwall.device.testing.SystemParts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs on a real OpenCL device (PoCL on CI). */
class OpenClBackendTest {

    private static final long GIB = 1L << 30;
    private final OpenClBackend backend = new OpenClBackend();

    @BeforeEach
    void needsAnOpenClDevice() {
        SystemParts.require(backend.availability().available(), "an OpenCL device (" + backend.availability().reason()
                + ")", "apt-get install pocl-opencl-icd ocl-icd-opencl-dev");
    }

    @Test
    void readsEveryDeviceWithSaneIdentity() throws Exception {
        List<Device> devices = backend.devices();
        assertThat(devices).isNotEmpty();
        for (Device d : devices) {
            DeviceIdentity id = d.identity();
            assertThat(id.id()).matches("opencl:\\d+\\.\\d+");
            assertThat(id.backend()).isEqualTo("opencl");
            assertThat(id.name()).isNotBlank();
            assertThat(id.vendor()).isNotBlank();
            assertThat(id.driverVersion()).isNotBlank();
            assertThat(id.totalBytes()).isPositive();
            assertThat(id.maxAllocationBytes()).isPositive().isLessThanOrEqualTo(id.totalBytes());
            assertThat(id.globalCacheBytes()).isNotNegative();
            MemoryReading m = d.readMemory();
            assertThat(m.totalBytes()).isEqualTo(id.totalBytes());
            if (m.freeBytes() != null) {
                assertThat(m.freeBytes()).isBetween(0L, m.totalBytes());
                assertThat(m.freeSource()).isEqualTo("cl_amd_device_attribute_query");
            } else {
                assertThat(m.freeSource()).isNull();
            }
        }
    }

    @Test
    void totalsEqualWhatClinfoPrints() throws Exception {
        SystemParts.require(Clinfo.present(), "clinfo", "apt-get install clinfo");
        // PoCL sizes its global memory from the host's memory when it starts, so compare readings taken together:
        // memwall's must equal clinfo's from just before or just after.
        List<Clinfo.ClDevice> before = Clinfo.devices();
        List<Device> devices = backend.devices();
        List<Clinfo.ClDevice> after = Clinfo.devices();
        assertThat(devices).hasSameSizeAs(before);
        for (int i = 0; i < devices.size(); i++) {
            DeviceIdentity id = devices.get(i).identity();
            assertThat(id.name()).isEqualTo(before.get(i).name());
            assertThat(id.totalBytes()).isIn(before.get(i).globalMemSize(), after.get(i).globalMemSize());
        }
    }

    @Test
    void measuresReadAndCopyWithinTheMemoryBound() throws Exception {
        Device d = backend.devices().get(0);
        DeviceIdentity id = d.identity();
        BenchmarkSettings settings = BenchmarkSettings.defaults();
        BandwidthResult r = d.measureBandwidth(settings);
        // One buffer: host memory on a CPU device (256 MiB unless the host's cache asks for more), 1 GiB on others.
        long bound = Math.min(id.type() == DeviceType.CPU ? Math.max(settings.hostBufferBytes(), 4 * cacheBytes())
                : GIB, Math.min(id.totalBytes() / 10, id.maxAllocationBytes()));
        assertThat(r.error()).isNull();
        assertThat(r.read().kind()).isEqualTo(BandwidthKind.READ);
        assertThat(r.read().method()).isEqualTo("opencl-read-kernel");
        assertThat(r.read().bufferBytes()).isPositive().isLessThanOrEqualTo(bound);
        assertThat(r.read().bytesPerPass()).isEqualTo(r.read().bufferBytes());
        assertThat(r.read().samples()).isBetween(settings.minSamples(), settings.maxSamples());
        assertThat(r.copy().method()).isEqualTo("clEnqueueCopyBuffer");
        // The copy moves the buffer's first half onto its second: each pass reads and writes one half.
        assertThat(r.copy().bufferBytes()).isEqualTo(r.read().bufferBytes() / 2);
        assertThat(r.copy().bytesPerPass()).isEqualTo(2 * r.copy().bufferBytes());
        assertThat(r.copy().samples()).isBetween(settings.minSamples(), settings.maxSamples());
        // Stopped early only when the last three samples agreed within 2%.
        for (BandwidthMeasurement m : List.of(r.read(), r.copy())) {
            if (m.samples() < settings.maxSamples() && m.secondsSpent() < settings.maxSamplingSeconds()) {
                assertThat(m.converged()).as("%s stopped at %d samples", m.kind(), m.samples()).isTrue();
            }
        }
        // Any memory system moves between 100 MB/s and 100 TB/s; a figure outside is a timing or counting bug.
        assertThat(r.read().bytesPerSecond()).isBetween(1e8, 1e14);
        assertThat(r.copy().bytesPerSecond()).isBetween(1e8, 1e14);
        assertThat(r.read().minBytesPerSecond()).isLessThanOrEqualTo(r.read().bytesPerSecond());
        assertThat(r.read().maxBytesPerSecond()).isGreaterThanOrEqualTo(r.read().bytesPerSecond());
        assertThat(r.secondsSpent()).isGreaterThan(r.read().secondsSpent());
        if (id.type() == DeviceType.CPU) {
            // PoCL keeps buffers in host memory: what the benchmark took must be given back.
            assertReleased(d);
        }
    }

    /** Runs the benchmark three more times; resident memory must not grow by the buffers' size. */
    private static void assertReleased(Device d) throws Exception {
        long before = residentBytes();
        long buffer = 0;
        for (int i = 0; i < 3; i++) {
            buffer = d.measureBandwidth(BenchmarkSettings.defaults()).read().bufferBytes();
        }
        long grown = residentBytes() - before;
        assertThat(grown).as("resident memory growth after 3 benchmarks of a %d-byte buffer", buffer)
                .isLessThan(buffer);
    }

    /** The host's last-level cache as the benchmark sizes by it (0 when unknown). */
    private static long cacheBytes() {
        Long host = dev.memwall.device.host.HostCaches.lastLevelBytes();
        return host == null ? 0 : host;
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }

    @Test
    void pciBusIdsAreFormattedLikeNvidiaSmi() {
        assertThat(OpenClDevice.formatPci(0, 0x3b, 0, 0)).isEqualTo("0000:3b:00.0");
        assertThat(OpenClDevice.formatPci(1, 0xc1, 0x1f, 7)).isEqualTo("0001:c1:1f.7");
    }
}
