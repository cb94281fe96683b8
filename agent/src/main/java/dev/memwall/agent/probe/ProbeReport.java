package dev.memwall.agent.probe;

import dev.memwall.device.BandwidthResult;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.DeviceProcess;
import dev.memwall.device.MemoryReading;
import dev.memwall.device.DeviceFailure;
import dev.memwall.device.host.HostMemory;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one probe found: the host, what each backend said, and each device's memory and bandwidth.
 *
 * @param takenAt    when the probe started
 * @param host       host memory, or null when it could not be read
 * @param hostError  why host memory could not be read, or null
 * @param backends   every backend tried, in order
 * @param devices    every device found (one entry per GPU when several backends see it)
 * @param failedDevices devices a driver lists but that could not be read at all
 * @param benchmarked whether bandwidth was measured
 */
public record ProbeReport(
        Instant takenAt,
        HostMemory host,
        String hostError,
        List<BackendReport> backends,
        List<DeviceReport> devices,
        List<DeviceFailure> failedDevices,
        boolean benchmarked) {

    public ProbeReport {
        backends = List.copyOf(backends);
        devices = List.copyOf(devices);
        failedDevices = List.copyOf(failedDevices);
    }

    /** What a backend said: unavailable (with the reason), failed (with the error), or the devices it gave. */
    public record BackendReport(String id, boolean available, String reason, String error, int deviceCount) {
    }

    /**
     * One device.
     *
     * @param identity       what it is
     * @param memory         the memory reading, or null when it failed
     * @param memoryError    why reading memory failed, or null
     * @param bandwidth      bandwidth figures (theoretical only with --no-bench), or null when measuring failed
     * @param bandwidthError why measuring failed, or null
     * @param peakFp16Flops  dense FP16 peak in FLOP/s, or null
     * @param attributes     backend-specific facts (see {@link dev.memwall.device.Device#attributes()})
     * @param processes      the processes holding memory on it, as its driver lists them, or null when the backend
     *                       cannot tell (see {@link dev.memwall.device.Device#processes()})
     */
    public record DeviceReport(
            DeviceIdentity identity,
            MemoryReading memory,
            String memoryError,
            BandwidthResult bandwidth,
            String bandwidthError,
            Long peakFp16Flops,
            Map<String, Object> attributes,
            List<DeviceProcess> processes) {

        public DeviceReport {
            attributes = attributes == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
            processes = processes == null ? null : List.copyOf(processes);
        }

        /** A device whose backend cannot list the processes on it. */
        public DeviceReport(DeviceIdentity identity, MemoryReading memory, String memoryError,
                BandwidthResult bandwidth, String bandwidthError, Long peakFp16Flops, Map<String, Object> attributes) {
            this(identity, memory, memoryError, bandwidth, bandwidthError, peakFp16Flops, attributes, null);
        }

        /** True when some part of this device could not be read. */
        public boolean failed() {
            return memoryError != null || bandwidthError != null;
        }
    }

    /** True when a backend or a device reported an error (not merely an unavailable backend). */
    public boolean hasErrors() {
        return hostError != null
                || backends.stream().anyMatch(b -> b.error() != null)
                || devices.stream().anyMatch(DeviceReport::failed)
                || !failedDevices.isEmpty();
    }
}
