package dev.memwall.device;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GPU can be seen through several backends (NVML, CUDA, NVIDIA's OpenCL). Devices with the same UUID or
 * PCI bus id are merged into one: the highest-priority backend's identity and benchmark, NVML's context-free
 * memory reading where NVML sees it.
 */
public final class DeviceMerge {

    /** The backend whose readings need no device context. */
    static final String CONTEXT_FREE_BACKEND = "nvml";
    private static final Logger LOG = LoggerFactory.getLogger(DeviceMerge.class);

    private DeviceMerge() {
    }

    /**
     * Merges devices that are the same hardware.
     *
     * @param devices devices in backend-priority order, highest first
     */
    public static List<Device> merge(List<Device> devices) {
        List<List<Device>> groups = new ArrayList<>();
        for (Device d : devices) {
            List<Device> group = null;
            for (List<Device> g : groups) {
                if (g.stream().anyMatch(other -> same(other.identity(), d.identity()))) {
                    group = g;
                    break;
                }
            }
            if (group == null) {
                group = new ArrayList<>();
                groups.add(group);
            }
            group.add(d);
        }
        List<Device> merged = new ArrayList<>();
        for (List<Device> g : groups) {
            merged.add(g.size() == 1 ? g.get(0) : new Merged(g));
        }
        return List.copyOf(merged);
    }

    static boolean same(DeviceIdentity a, DeviceIdentity b) {
        if (a.backend().equals(b.backend())) {
            return false;
        }
        if (a.uuid() != null && b.uuid() != null) {
            return a.uuid().equalsIgnoreCase(b.uuid());
        }
        return a.pciBusId() != null && a.pciBusId().equalsIgnoreCase(b.pciBusId());
    }

    /** A GPU seen through several backends. */
    static final class Merged implements Device {
        private final Device primary;
        private final List<Device> all;
        private final DeviceIdentity identity;

        Merged(List<Device> all) {
            this.all = List.copyOf(all);
            this.primary = all.stream().filter(d -> !CONTEXT_FREE_BACKEND.equals(d.identity().backend())).findFirst()
                    .orElse(all.get(0));
            DeviceIdentity p = primary.identity();
            this.identity = new DeviceIdentity(p.id(), p.backend(), p.name(), p.vendor(), p.type(), p.driverVersion(),
                    p.platform(), first(all, i -> i.uuid()), first(all, i -> i.pciBusId()), p.totalBytes(),
                    p.maxAllocationBytes(), p.globalCacheBytes(), p.computeUnits(), p.catalogId());
        }

        private static <T> T first(List<Device> all, java.util.function.Function<DeviceIdentity, T> f) {
            return all.stream().map(d -> f.apply(d.identity())).filter(Objects::nonNull).findFirst().orElse(null);
        }

        @Override
        public DeviceIdentity identity() {
            return identity;
        }

        /**
         * NVML's reading where NVML sees the GPU; when the primary backend also reads free memory through a
         * context (CUDA), the difference is what that context took, stated on the reading.
         */
        @Override
        public MemoryReading readMemory() throws DeviceException {
            Device contextFree = all.stream().filter(d -> CONTEXT_FREE_BACKEND.equals(d.identity().backend()))
                    .findFirst().orElse(null);
            if (contextFree == null || contextFree == primary) {
                return primary.readMemory();
            }
            MemoryReading nvml;
            try {
                nvml = contextFree.readMemory();
            } catch (DeviceException e) {
                LOG.debug("{}: context-free reading failed, using {}", identity.id(), primary.identity().id(), e);
                throw new DeviceException(e.getMessage() + " (the " + primary.identity().backend()
                        + " reading was not used in its place)", e);
            }
            MemoryReading withContext;
            try {
                withContext = primary.readMemory();
            } catch (DeviceException e) {
                LOG.debug("{}: reading through {} failed", identity.id(), primary.identity().id(), e);
                return nvml;
            }
            if (nvml.freeBytes() != null && withContext.freeBytes() != null) {
                return nvml.withQueryContextBytes(Math.max(0, nvml.freeBytes() - withContext.freeBytes()));
            }
            return nvml;
        }

        /** NVML's reading where NVML sees the GPU, else the primary backend's context-free reading. */
        @Override
        public MemoryReading readMemoryWithoutContext() throws DeviceException {
            Device contextFree = all.stream().filter(d -> CONTEXT_FREE_BACKEND.equals(d.identity().backend()))
                    .findFirst().orElse(null);
            return contextFree != null ? contextFree.readMemory() : primary.readMemoryWithoutContext();
        }

        @Override
        public BandwidthResult measureBandwidth(BenchmarkSettings settings) throws DeviceException {
            return primary.measureBandwidth(settings);
        }

        @Override
        public Long theoreticalBandwidthBytesPerSecond() {
            return all.stream().map(Device::theoreticalBandwidthBytesPerSecond).filter(Objects::nonNull).findFirst()
                    .orElse(null);
        }

        @Override
        public Long peakFp16FlopsPerSecond() {
            return all.stream().map(Device::peakFp16FlopsPerSecond).filter(Objects::nonNull).findFirst().orElse(null);
        }

        /** The first backend's list that can tell (NVML where it sees the GPU). */
        @Override
        public List<DeviceProcess> processes() throws DeviceException {
            for (Device d : all) {
                List<DeviceProcess> p = d.processes();
                if (p != null) {
                    return p;
                }
            }
            return null;
        }

        @Override
        public Map<String, Object> attributes() {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Device d : all) {
                d.attributes().forEach(m::putIfAbsent);
            }
            List<String> seenAs = new ArrayList<>();
            all.forEach(d -> seenAs.add(d.identity().id()));
            m.put("seen_as", seenAs);
            return m;
        }

        @Override
        public void close() {
            all.forEach(Device::close);
        }
    }
}
