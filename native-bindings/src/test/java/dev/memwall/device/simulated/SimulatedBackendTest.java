package dev.memwall.device.simulated;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.device.BandwidthResult;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.Device;
import dev.memwall.device.MemoryReading;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatedBackendTest {

    @Test
    void reportsCatalogValuesWithMethodSimulated() throws Exception {
        GpuModel h100 = HardwareCatalog.builtIn().find("h100-sxm").orElseThrow();
        SimulatedBackend backend = new SimulatedBackend(List.of(SimulatedDeviceSpec.of(h100)));
        List<Device> devices = backend.devices();
        assertThat(devices).hasSize(1);
        Device d = devices.get(0);
        assertThat(d.identity().id()).isEqualTo("sim:0");
        assertThat(d.identity().catalogId()).isEqualTo("h100-sxm");
        MemoryReading m = d.readMemory();
        assertThat(m.totalBytes()).isEqualTo(h100.memoryTotalBytes());
        assertThat(m.freeBytes()).isEqualTo(h100.memoryTotalBytes());
        assertThat(m.freeSource()).isEqualTo("simulated");
        BandwidthResult b = d.measureBandwidth(BenchmarkSettings.defaults());
        assertThat(b.read().method()).isEqualTo("simulated");
        assertThat(b.read().bytesPerSecond()).isEqualTo(3.35e12);
        assertThat(b.theoreticalBytesPerSecond()).isEqualTo(3_350_000_000_000L);
        assertThat(d.peakFp16FlopsPerSecond()).isEqualTo(989_000_000_000_000L);
    }

    @Test
    void countMakesIdenticalDevicesWithDistinctIds() throws Exception {
        GpuModel a100 = HardwareCatalog.builtIn().find("a100-80gb").orElseThrow();
        SimulatedDeviceSpec eight = new SimulatedDeviceSpec(a100.name(), a100.id(), a100.vendor(),
                a100.memoryTotalBytes(), 10L << 30, a100.bandwidthBytesPerSecond(), a100.fp16DenseFlops(), 8);
        List<Device> devices = new SimulatedBackend(List.of(eight)).devices();
        assertThat(devices).extracting(d -> d.identity().id())
                .containsExactly("sim:0", "sim:1", "sim:2", "sim:3", "sim:4", "sim:5", "sim:6", "sim:7");
        assertThat(devices.get(7).readMemory().freeBytes()).isEqualTo(10L << 30);
        assertThat(devices.get(7).readMemory().usedBytes()).isEqualTo(a100.memoryTotalBytes() - (10L << 30));
    }
}
