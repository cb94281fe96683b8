package dev.memwall.agent.daemon;

import dev.memwall.device.Availability;
import dev.memwall.device.BandwidthKind;
import dev.memwall.device.BandwidthMeasurement;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceBackend;
import dev.memwall.device.DeviceException;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.DeviceType;
import dev.memwall.device.MemoryReading;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** A device whose answers a test sets, counting what the agent asks of it. */
final class ScriptedDevice implements Device {

    static final AtomicInteger BENCHMARKS_AT_ONCE = new AtomicInteger();
    static final AtomicInteger MOST_AT_ONCE = new AtomicInteger();

    final DeviceIdentity identity;
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger contextReads = new AtomicInteger();
    final AtomicInteger benchmarks = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();
    volatile long freeBytes;
    volatile int processes;
    volatile boolean failing;
    volatile long benchMillis = 20;

    ScriptedDevice(String id, long totalBytes, long freeBytes) {
        this.identity = new DeviceIdentity(id, "scripted", "Scripted GPU " + id, "memwall", DeviceType.GPU, null, null,
                null, null, totalBytes, null, null, null, null);
        this.freeBytes = freeBytes;
    }

    @Override
    public DeviceIdentity identity() {
        return identity;
    }

    @Override
    public MemoryReading readMemory() throws DeviceException {
        contextReads.incrementAndGet();
        return readMemoryWithoutContext();
    }

    @Override
    public MemoryReading readMemoryWithoutContext() throws DeviceException {
        reads.incrementAndGet();
        if (failing) {
            throw new DeviceException("the device fell off the bus (scripted)");
        }
        long total = identity.totalBytes();
        return new MemoryReading(total, freeBytes, total - freeBytes, 0L, "scripted");
    }

    @Override
    public BandwidthResult measureBandwidth(BenchmarkSettings settings) throws DeviceException {
        benchmarks.incrementAndGet();
        int now = BENCHMARKS_AT_ONCE.incrementAndGet();
        MOST_AT_ONCE.accumulateAndGet(now, Math::max);
        try {
            Thread.sleep(benchMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            BENCHMARKS_AT_ONCE.decrementAndGet();
        }
        BandwidthMeasurement read = BandwidthMeasurement.ofSamples(BandwidthKind.READ, 1L << 30, 1L << 30,
                new double[] {0.001, 0.001, 0.001}, 0.003, "scripted", List.of());
        return new BandwidthResult(read, null, 1_100_000_000_000L, 0.003, null);
    }

    @Override
    public Long theoreticalBandwidthBytesPerSecond() {
        return 1_100_000_000_000L;
    }

    @Override
    public Long peakFp16FlopsPerSecond() {
        return 200_000_000_000_000L;
    }

    @Override
    public Map<String, Object> attributes() {
        return Map.of("compute_processes", processes);
    }

    @Override
    public void close() {
        closes.incrementAndGet();
    }

    /** A backend that gives these devices. */
    static DeviceBackend backend(Device... devices) {
        return new DeviceBackend() {
            @Override
            public String id() {
                return "scripted";
            }

            @Override
            public int priority() {
                return 0;
            }

            @Override
            public Availability availability() {
                return Availability.yes();
            }

            @Override
            public List<Device> devices() {
                return List.of(devices);
            }
        };
    }
}
