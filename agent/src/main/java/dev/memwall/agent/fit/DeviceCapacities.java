package dev.memwall.agent.fit;

import dev.memwall.agent.probe.ProbeReport.DeviceReport;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.MemoryReading;
import dev.memwall.estimator.fit.Capacity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Maps what the probe found to the estimator's {@link Capacity}, and groups identical devices. */
public final class DeviceCapacities {

    private DeviceCapacities() {
    }

    public static Capacity of(DeviceReport d) {
        MemoryReading m = d.memory();
        BandwidthResult b = d.bandwidth();
        Double read = b != null && b.read() != null && b.read().measured() ? b.read().bytesPerSecond() : null;
        return new Capacity(d.identity().id(), d.identity().name(), m == null ? d.identity().totalBytes()
                : m.totalBytes(), m == null ? null : m.freeBytes(), m == null ? null : m.reservedBytes(), read,
                b == null ? null : b.theoreticalBytesPerSecond(), d.peakFp16Flops(),
                m == null ? null : m.queryContextBytes(), b != null && b.hostToDevice() != null
                        && b.hostToDevice().measured() ? b.hostToDevice().bytesPerSecond() : null);
    }

    /** Devices with the same name and total memory, in probe order: candidates for tensor parallel. */
    public static List<List<Capacity>> identicalGroups(List<Capacity> devices) {
        Map<String, List<Capacity>> groups = new LinkedHashMap<>();
        for (Capacity c : devices) {
            groups.computeIfAbsent(c.name() + "\u0000" + c.totalBytes(), k -> new ArrayList<>()).add(c);
        }
        return new ArrayList<>(groups.values());
    }
}
