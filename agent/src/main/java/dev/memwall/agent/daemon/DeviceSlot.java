package dev.memwall.agent.daemon;

import dev.memwall.device.BandwidthResult;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceProcess;
import dev.memwall.device.MemoryReading;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One device the agent holds open for its whole life. The sampler thread owns the reading fields; the benchmark
 * thread owns the bandwidth fields, which the sampler reads (volatile) into each snapshot.
 */
final class DeviceSlot {

    final Device device;

    // Sampler thread only.
    MemoryReading memory;
    String memoryError;
    Map<String, Object> attributes = Map.of();
    /** The processes on the device at the last reading, or null when the backend cannot tell. */
    List<DeviceProcess> processes;
    int failures;
    /** When to try a failed device again, on the monotonic clock ({@link System#nanoTime()}): wall-clock jumps
     *  neither stall nor hurry the retries. */
    long nextTryNanos;

    // Written by the benchmark thread.
    /**
     * What a CUDA context took on this device (NVML's free memory less CUDA's), read right after each benchmark, which
     * needs a context anyway; null until then (a GPU too busy to benchmark keeps the catalog's figure) or where the
     * device has no such reading. Samples read memory without a context and carry this figure, so once it has
     * benchmarked a device the agent sizes a CUDA context there as the probe does.
     */
    volatile Long contextBytes;
    volatile BandwidthResult bandwidth;
    volatile String bandwidthError;
    volatile Instant measuredAt;
    volatile BenchState benchState = BenchState.PENDING;
    volatile String benchNote;

    DeviceSlot(Device device) {
        this.device = device;
    }

    String id() {
        return device.identity().id();
    }

    /** Where the benchmark of a device stands. */
    enum BenchState {
        PENDING("pending"), RUNNING("running"), IDLE("idle"), SKIPPED("skipped"), FAILED("failed");

        final String word;

        BenchState(String word) {
            this.word = word;
        }
    }
}
