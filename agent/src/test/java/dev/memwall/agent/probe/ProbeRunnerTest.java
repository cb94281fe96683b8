package dev.memwall.agent.probe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.agent.render.ProbeTable;
import dev.memwall.device.Availability;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceBackend;
import dev.memwall.device.DeviceException;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.DeviceType;
import dev.memwall.device.MemoryReading;
import dev.memwall.device.host.HostMemory;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeRunnerTest {

    private static final long GIB = 1L << 30;
    private final ProbeRunner runner = new ProbeRunner(Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC),
            () -> new HostMemory(64 * GIB, 60 * GIB, "testhost"));

    /** A device whose benchmark fails with a driver error, and which records that it was closed. */
    static final class FailingDevice implements Device {
        final List<String> closed;
        final String id;

        FailingDevice(String id, List<String> closed) {
            this.id = id;
            this.closed = closed;
        }

        @Override
        public DeviceIdentity identity() {
            return new DeviceIdentity(id, "fake", "Fake GPU", "fake", DeviceType.GPU, "1.0", null, null, null, 16 * GIB,
                    null, null, null, null);
        }

        @Override
        public MemoryReading readMemory() {
            return new MemoryReading(16 * GIB, 8 * GIB, 8 * GIB, null, "fake");
        }

        @Override
        public BandwidthResult measureBandwidth(BenchmarkSettings settings) throws DeviceException {
            throw DeviceException.ofCall("clEnqueueCopyBuffer", -5, "CL_OUT_OF_RESOURCES", id);
        }

        @Override
        public Long theoreticalBandwidthBytesPerSecond() {
            return 1_000_000_000_000L;
        }

        @Override
        public void close() {
            closed.add(id);
        }
    }

    static DeviceBackend backend(String id, Availability availability, List<Device> devices) {
        return new DeviceBackend() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public int priority() {
                return 0;
            }

            @Override
            public Availability availability() {
                return availability;
            }

            @Override
            public List<Device> devices() throws DeviceException {
                if (devices == null) {
                    throw DeviceException.ofCall("clGetPlatformIDs", -1001, "CL_PLATFORM_NOT_FOUND_KHR", null);
                }
                return devices;
            }
        };
    }

    @Test
    void oneFailingDeviceDoesNotStopTheOthers() {
        List<String> closed = new ArrayList<>();
        DeviceBackend fake = backend("fake", Availability.yes(),
                List.of(new FailingDevice("fake:0", closed), new FailingDevice("fake:1", closed)));
        ProbeReport report = runner.run(List.of(fake), BenchmarkSettings.defaults(), ProbeRunner.Progress.NONE);
        assertThat(report.devices()).hasSize(2);
        assertThat(report.devices()).allSatisfy(d -> {
            assertThat(d.memory().freeBytes()).isEqualTo(8 * GIB);
            assertThat(d.bandwidthError()).endsWith(": CL_OUT_OF_RESOURCES (-5)");
            assertThat(d.bandwidth().theoreticalBytesPerSecond()).isEqualTo(1_000_000_000_000L);
        });
        assertThat(report.devices().get(1).bandwidthError())
                .isEqualTo("clEnqueueCopyBuffer failed on fake:1: CL_OUT_OF_RESOURCES (-5)");
        assertThat(report.hasErrors()).isTrue();
        assertThat(closed).containsExactly("fake:0", "fake:1");
        String table = ProbeTable.render(report);
        assertThat(table).contains("fake:1  fake     Fake GPU  16.00 GiB  8.00 GiB  failed  failed  1000 GB/s");
        assertThat(table).contains("fake:1: bandwidth benchmark failed: clEnqueueCopyBuffer failed on fake:1: "
                + "CL_OUT_OF_RESOURCES (-5)");
    }

    @Test
    void noDeviceStillReportsHostMemoryAndWhatWasTried() {
        DeviceBackend cuda = backend("cuda", Availability.no("the NVIDIA driver library (libcuda.so.1) was not found"),
                List.of());
        DeviceBackend opencl = backend("opencl", Availability.yes(), null);
        ProbeReport report = runner.run(List.of(cuda, opencl), null, ProbeRunner.Progress.NONE);
        assertThat(report.devices()).isEmpty();
        assertThat(report.benchmarked()).isFalse();
        assertThat(report.hasErrors()).isTrue();
        assertThat(ProbeTable.render(report)).isEqualTo("""
                No accelerator found. Tried:
                  cuda: the NVIDIA driver library (libcuda.so.1) was not found
                  opencl: failed: clGetPlatformIDs failed: CL_PLATFORM_NOT_FOUND_KHR (-1001)

                Host memory: 64.00 GiB total, 60.00 GiB available (testhost)
                """);
    }

    @Test
    void hostMemoryFailureIsReportedNotThrown() {
        ProbeRunner broken = new ProbeRunner(Clock.systemUTC(), () -> {
            throw new IllegalStateException("no /proc");
        });
        ProbeReport report = broken.run(List.of(), null, ProbeRunner.Progress.NONE);
        assertThat(report.host()).isNull();
        assertThat(report.hostError()).isEqualTo("no /proc");
        assertThat(ProbeTable.render(report)).contains("Host memory: could not be read: no /proc");
    }
}
