package dev.memwall.agent.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.agent.probe.ProbeReport;
import dev.memwall.device.BandwidthKind;
import dev.memwall.device.BandwidthMeasurement;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.DeviceType;
import dev.memwall.device.MemoryReading;
import dev.memwall.device.Sampler;
import dev.memwall.device.host.HostLoad;
import dev.memwall.device.host.HostMemory;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProbeTableNotesTest {

    private static final long MIB = 1L << 20;

    private static String table(double[] readSeconds, HostLoad load) {
        DeviceIdentity id = new DeviceIdentity("opencl:0.0", "opencl", "pthread-cpu", "AuthenticAMD", DeviceType.CPU,
                "6.0", "Portable Computing Language", null, null, 21L << 30, 4L << 30, null, 2, null);
        BandwidthMeasurement read = BandwidthMeasurement.ofSamples(BandwidthKind.READ, 256 * MIB, 256 * MIB,
                Sampler.Samples.of(readSeconds, 3, 0.02), 0.05, "opencl-read-kernel", List.of());
        BandwidthMeasurement copy = BandwidthMeasurement.ofSamples(BandwidthKind.COPY, 256 * MIB, 128 * MIB,
                Sampler.Samples.of(new double[] {0.01, 0.01, 0.01}, 3, 0.02), 0.04, "clEnqueueCopyBuffer",
                List.of());
        BandwidthResult b = new BandwidthResult(read, copy, null, 0.3, null).withLoad(load);
        ProbeReport.DeviceReport d = new ProbeReport.DeviceReport(id, MemoryReading.totalOnly(21L << 30), null, b,
                null, null, Map.of());
        ProbeReport report = new ProbeReport(Instant.EPOCH, new HostMemory(24L << 30, 20L << 30, "host"), null,
                List.of(new ProbeReport.BackendReport("opencl", true, null, null, 1)), List.of(d), List.of(), true);
        return ProbeTable.render(report);
    }

    @Test
    void samplesThatAgreeOnAQuietHostGetNoWarning() {
        String t = table(new double[] {0.0052, 0.0050, 0.0050, 0.0051}, new HostLoad(0.02, 2, 0.3, null));
        assertThat(t).contains("opencl:0.0: read: bytes read over a 256 MiB buffer, median of 4 samples "
                + "(the last three agreed within 2%), 0.05 s");
        assertThat(t).contains("opencl:0.0: copy: bytes read + bytes written over the two 128 MiB halves of one "
                + "buffer, median of 3 samples (the last three agreed within 2%), 0.04 s");
        assertThat(t).doesNotContain("disagreed").doesNotContain("busy");
    }

    @Test
    void samplesMoreThanATenthApartAreSaidWithTheirRange() {
        // 256 MiB in 10 ms is 26.8 GB/s; in 5 ms, 53.7 GB/s.
        String t = table(new double[] {0.010, 0.0050, 0.0051, 0.0050, 0.0050}, new HostLoad(0.0, 2, 0.3, null));
        assertThat(t).contains("opencl:0.0: read: samples disagreed by 50% (26.8 GB/s to 53.7 GB/s); the figure is "
                + "the median");
    }

    @Test
    void aBusyHostIsSaidWithHowBusy() {
        String t = table(new double[] {0.005, 0.005, 0.005}, new HostLoad(1.2, 2, 2.5, 0.05));
        assertThat(t).contains("opencl:0.0: other processes kept 1.2 and memwall's own compiler and collector 0.1 of "
                + "the host's 2 CPU cores busy during the benchmark (load average 2.50); its figures may be low");
        // memwall's own compiler counts as much as another process.
        assertThat(table(new double[] {0.005, 0.005, 0.005}, new HostLoad(0.0, 2, 0.5, 0.4)))
                .contains("other processes kept 0.0 and memwall's own compiler and collector 0.4 of");
    }
}
