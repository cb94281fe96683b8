package dev.memwall.device;

/**
 * One compute device found by a backend. Reading memory is cheap; measuring bandwidth takes a bounded
 * share of the device's memory for well under a second and frees it again, also on error.
 */
public interface Device extends AutoCloseable {

    /** Fixed facts about the device. */
    DeviceIdentity identity();

    /** Total and, where the driver tells, free memory now. */
    MemoryReading readMemory() throws DeviceException;

    /**
     * A reading that creates no device context, for sampling every few seconds on a host whose GPUs run other
     * work: the same as {@link #readMemory()} where that needs none (NVML, OpenCL queries, simulated devices);
     * the total alone where free memory would need a context (CUDA without NVML).
     */
    default MemoryReading readMemoryWithoutContext() throws DeviceException {
        return readMemory();
    }

    /**
     * The processes holding a context on the device now: each kind the driver tells about (compute first, then
     * graphics), one entry per process and kind. Empty when there are none; null when this backend cannot tell
     * (no such query, or the driver refuses it for both kinds). A process with both kinds of context is listed
     * twice, and the driver may count the same memory in both entries.
     */
    default java.util.List<DeviceProcess> processes() throws DeviceException {
        return null;
    }

    /** Runs the read and copy microbenchmarks. */
    BandwidthResult measureBandwidth(BenchmarkSettings settings) throws DeviceException;

    /** The theoretical peak bandwidth in bytes per second, or null when unknown. */
    Long theoreticalBandwidthBytesPerSecond();

    /** Dense FP16/BF16 tensor peak in FLOP/s, or null when unknown. */
    default Long peakFp16FlopsPerSecond() {
        return null;
    }

    /**
     * Backend-specific facts for the JSON document, keys in snake case with units in their names
     * (e.g. {@code sm_clock_hz}); values are numbers, strings, booleans or null. Empty when there are none.
     */
    default java.util.Map<String, Object> attributes() {
        return java.util.Map.of();
    }

    /** Releases what the device object holds. Never throws. */
    @Override
    void close();
}
