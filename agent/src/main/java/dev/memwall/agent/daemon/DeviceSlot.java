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
