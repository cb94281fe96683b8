package dev.memwall.device.simulated;

import dev.memwall.device.BandwidthKind;
import dev.memwall.device.BandwidthMeasurement;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.DeviceType;
import dev.memwall.device.MemoryReading;

/** A device made from a SPEC: catalog memory and bandwidth, method {@code simulated}. */
final class SimulatedDevice implements Device {

    private final DeviceIdentity identity;
    private final SimulatedDeviceSpec spec;

    SimulatedDevice(String id, SimulatedDeviceSpec spec) {
        this.spec = spec;
        this.identity = new DeviceIdentity(id, SimulatedBackend.ID, spec.name(), spec.vendor(), DeviceType.GPU, null,
                null, null, null, spec.totalBytes(), null, null, null, spec.catalogId());
    }

    @Override
    public DeviceIdentity identity() {
        return identity;
    }

    @Override
    public MemoryReading readMemory() {
        return new MemoryReading(spec.totalBytes(), spec.freeBytes(), spec.totalBytes() - spec.freeBytes(), null,
                BandwidthMeasurement.SIMULATED);
    }

    @Override
    public BandwidthResult measureBandwidth(BenchmarkSettings settings) {
        double bw = spec.bandwidthBytesPerSecond();
        return new BandwidthResult(BandwidthMeasurement.simulated(BandwidthKind.READ, bw),
                BandwidthMeasurement.simulated(BandwidthKind.COPY, bw), spec.bandwidthBytesPerSecond(), 0, null);
    }

    @Override
    public Long theoreticalBandwidthBytesPerSecond() {
        return spec.bandwidthBytesPerSecond();
    }

    @Override
    public Long peakFp16FlopsPerSecond() {
        return spec.fp16DenseFlops();
    }

    @Override
    public java.util.Map<String, Object> attributes() {
        return spec.computeCapability() == null ? java.util.Map.of()
                : java.util.Map.of("compute_capability", spec.computeCapability());
    }

    @Override
    public void close() {
        // Nothing held.
    }
}
