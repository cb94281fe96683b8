package dev.memwall.agent.fit;

import dev.memwall.agent.probe.ProbeReport.DeviceReport;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.DeviceOverheads;
import dev.memwall.device.DeviceType;
import dev.memwall.device.MemoryReading;
import dev.memwall.device.simulated.GpuModel;
import dev.memwall.device.simulated.HardwareCatalog;
import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.DeviceClass;
import dev.memwall.estimator.fit.DeviceLimit;
import dev.memwall.estimator.fit.DeviceOverhead;
import dev.memwall.estimator.fit.HostCapacity;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Maps what the probe found to the estimator's {@link Capacity}, with the overheads that exist on each device: a
 * CUDA context measured on the device where NVML and CUDA both answered, else the backend's sourced figure (none
 * on a CPU device), and Apple's GPU working set as a limit.
 */
public final class DeviceCapacities {

    private DeviceCapacities() {
    }

    public static Capacity of(DeviceReport d) {
        MemoryReading m = d.memory();
        BandwidthResult b = d.bandwidth();
        Double read = measuredRead(d);
        DeviceOverhead overhead;
        if (m != null && m.queryContextBytes() != null) {
            overhead = DeviceOverhead.measuredCudaContext(m.queryContextBytes());
        } else {
            DeviceOverheads.Overhead o = DeviceOverheads.of(d.identity(), d.attributes());
            overhead = o == null ? null : new DeviceOverhead(o.name(), o.bytes(), o.how());
        }
        DeviceOverheads.Limit l = DeviceOverheads.limit(d.identity());
        return new Capacity(d.identity().id(), d.identity().name(), m == null ? d.identity().totalBytes()
                : m.totalBytes(), m == null ? null : m.freeBytes(), m == null ? null : m.reservedBytes(), read,
                b == null ? null : b.theoreticalBytesPerSecond(), d.peakFp16Flops(), overhead,
                b != null && b.hostToDevice() != null && b.hostToDevice().measured()
                        ? b.hostToDevice().bytesPerSecond() : null,
                l == null ? null : new DeviceLimit(l.bytes(), l.how()), d.memoryError(),
                d.identity().type() == DeviceType.CPU).withHardware(hardware(d.identity()));
    }

    /**
     * The kind of device for the decode rate runtimes are expected to reach: its class from its type and vendor, its
     * memory type from the GPU catalog row it matches, its compute units; null for a kind no measurements cover (an
     * Intel GPU, say).
     */
    static Capacity.Hardware hardware(DeviceIdentity id) {
        String vendor = id.vendor() == null ? "" : id.vendor().toLowerCase(Locale.ROOT);
        DeviceClass c;
        if (id.type() == DeviceType.CPU) {
            c = DeviceClass.CPU;
        } else if (vendor.contains("nvidia")) {
            c = DeviceClass.NVIDIA_GPU;
        } else if (vendor.contains("apple")) {
            c = DeviceClass.APPLE;
        } else if (vendor.contains("amd") || vendor.contains("advanced micro devices")) {
            c = DeviceClass.AMD_GPU;
        } else {
            return null;
        }
        String memory = id.catalogId() == null ? null
                : HardwareCatalog.builtIn().find(id.catalogId()).map(GpuModel::memoryType).orElse(null);
        return new Capacity.Hardware(c, memory, id.computeUnits());
    }

    /**
     * The host as partial offload sees it: available memory, and its read bandwidth from {@code hostRead} when
     * given, else from a CPU device's measured read (on a CPU OpenCL device, device memory is host memory).
     */
    public static HostCapacity host(Long availableBytes, Double hostRead, List<DeviceReport> devices) {
        Double read = hostRead != null ? hostRead : devices.stream()
                .filter(r -> r.identity().type() == DeviceType.CPU)
                .map(DeviceCapacities::measuredRead).filter(Objects::nonNull).findFirst().orElse(null);
        return new HostCapacity(availableBytes, read);
    }

    /** The device's measured read bandwidth, or null (not measured, or a simulated device's catalog figure). */
    private static Double measuredRead(DeviceReport d) {
        BandwidthResult b = d.bandwidth();
        return b != null && b.read() != null && b.read().measured() ? b.read().bytesPerSecond() : null;
    }
}
