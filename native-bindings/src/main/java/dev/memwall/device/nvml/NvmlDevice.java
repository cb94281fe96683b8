package dev.memwall.device.nvml;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceException;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.DeviceProcess;
import dev.memwall.device.DeviceType;
import dev.memwall.device.MemoryReading;
import dev.memwall.device.PciBusIds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One GPU as NVML sees it. Readings need no CUDA context. */
final class NvmlDevice implements Device {

    static final String SOURCE_V2 = "nvmlDeviceGetMemoryInfo_v2";
    static final String SOURCE_V1 = "nvmlDeviceGetMemoryInfo";
    /** nvmlMemory_v2_t: unsigned int version; (padding); unsigned long long total, reserved, free, used. */
    static final int MEMORY_V2_SIZE = 40;
    static final int MEMORY_V2_VERSION = MEMORY_V2_SIZE | (2 << 24);
    /** nvmlMemory_t: unsigned long long total, free, used. */
    static final int MEMORY_V1_SIZE = 24;
    /** nvmlPciInfo_t (v3): char busIdLegacy[16]; unsigned domain, bus, device, pciDeviceId, pciSubSystemId; char busId[32]. */
    static final int PCI_INFO_SIZE = 68;
    static final int PCI_BUS_ID_OFFSET = 36;

    private static final Logger LOG = LoggerFactory.getLogger(NvmlDevice.class);

    private final Pointer handle;
    private final DeviceIdentity identity;
    private final NvmlProcesses processQueries;
    private volatile boolean v2Supported = true;

    private NvmlDevice(Pointer handle, DeviceIdentity identity) {
        this.handle = handle;
        this.identity = identity;
        this.processQueries = new NvmlProcesses(handle, identity.id());
    }

    static NvmlDevice read(String id, Pointer handle) throws DeviceException {
        Nvml.Api api = Nvml.api();
        byte[] name = new byte[96];
        Nvml.check(api.nvmlDeviceGetName(handle, name, name.length), "nvmlDeviceGetName", id);
        byte[] uuid = new byte[96];
        Nvml.check(api.nvmlDeviceGetUUID(handle, uuid, uuid.length), "nvmlDeviceGetUUID", id);
        Memory pci = new Memory(PCI_INFO_SIZE);
        pci.clear();
        Nvml.check(api.nvmlDeviceGetPciInfo_v3(handle, pci), "nvmlDeviceGetPciInfo_v3", id);
        Memory memory = new Memory(MEMORY_V1_SIZE);
        Nvml.check(api.nvmlDeviceGetMemoryInfo(handle, memory), "nvmlDeviceGetMemoryInfo", id);
        long total = memory.getLong(0);
        if (total <= 0) {
            throw new DeviceException("nvmlDeviceGetMemoryInfo on " + id + " reported a total of " + total + " bytes");
        }
        DeviceIdentity identity = new DeviceIdentity(id, NvmlBackend.ID, Native.toString(name), "NVIDIA",
                DeviceType.GPU, Nvml.driverVersion(), null, Native.toString(uuid).toLowerCase(Locale.ROOT)
                        .replaceFirst("^gpu-", "GPU-"),
                PciBusIds.normalize(pci.getString(PCI_BUS_ID_OFFSET)), total, null, null, null, null);
        return new NvmlDevice(handle, identity);
    }


    @Override
    public DeviceIdentity identity() {
        return identity;
    }

    /**
     * Memory info v2 (total, reserved, used, free), falling back to v1 on drivers without it. A v2 reading whose
     * parts do not add up to the total is returned as the driver gave it, with a note saying by how much; a part
     * outside [0, total] is an error.
     */
    @Override
    public MemoryReading readMemory() throws DeviceException {
        Nvml.Api api = Nvml.api();
        String id = identity.id();
        if (v2Supported) {
            Memory m = new Memory(MEMORY_V2_SIZE);
            m.clear();
            m.setInt(0, MEMORY_V2_VERSION);
            int rc;
            try {
                rc = api.nvmlDeviceGetMemoryInfo_v2(handle, m);
            } catch (UnsatisfiedLinkError e) {
                rc = Nvml.ERROR_FUNCTION_NOT_FOUND;
            }
            if (rc == Nvml.SUCCESS) {
                return v2Reading(id, m.getLong(8), m.getLong(16), m.getLong(24), m.getLong(32));
            }
            if (rc == Nvml.ERROR_FUNCTION_NOT_FOUND || rc == Nvml.ERROR_NOT_SUPPORTED
                    || rc == Nvml.ERROR_ARGUMENT_VERSION_MISMATCH) {
                LOG.debug("{}: {} not available ({}), using v1", id, SOURCE_V2, Nvml.name(rc));
                v2Supported = false;
            } else {
                Nvml.check(rc, SOURCE_V2, id);
            }
        }
        Memory m = new Memory(MEMORY_V1_SIZE);
        Nvml.check(api.nvmlDeviceGetMemoryInfo(handle, m), SOURCE_V1, id);
        long total = m.getLong(0);
        long free = m.getLong(8);
        long used = m.getLong(16);
        checkTotal(SOURCE_V1, id, total);
        checkPart(SOURCE_V1, id, "free", free, total);
        checkPart(SOURCE_V1, id, "used", used, total);
        return new MemoryReading(total, free, used, null, SOURCE_V1);
    }

    /**
     * A v2 reading from the struct's unsigned fields. Parts that do not add up to the total are reported from the
     * field (NVIDIA/dcgm-exporter issue 271: used + free not constant); they are kept as the driver gave them, not
     * one of them adjusted, and the note states the gap, so one odd sample does not mark the device failed.
     */
    static MemoryReading v2Reading(String id, long total, long reserved, long free, long used) throws DeviceException {
        checkTotal(SOURCE_V2, id, total);
        checkPart(SOURCE_V2, id, "reserved", reserved, total);
        checkPart(SOURCE_V2, id, "free", free, total);
        checkPart(SOURCE_V2, id, "used", used, total);
        MemoryReading reading = new MemoryReading(total, free, used, reserved, SOURCE_V2);
        // Each part is within [0, total], so the gap lies within [-2 x total, total]: it fits a long below 4 EiB.
        long offBy = total - reserved - used - free;
        if (offBy == 0) {
            return reading;
        }
        LOG.debug("{}: {} parts do not add up: total {}, reserved {}, used {}, free {}", id, SOURCE_V2, total,
                reserved, used, free);
        return reading.withNote(String.format(Locale.ROOT,
                "%s parts do not add up: total %d != reserved + used + free (off by %d bytes); shown as the driver "
                        + "reports them", SOURCE_V2, total, offBy));
    }

    /** A total the driver reports must be positive and below 2^62 bytes (the arithmetic above relies on it). */
    private static void checkTotal(String source, String id, long total) throws DeviceException {
        if (total <= 0 || total > Long.MAX_VALUE / 2) {
            throw new DeviceException(source + " on " + id + " reported a total of " + Long.toUnsignedString(total)
                    + " bytes");
        }
    }

    /** NVML's fields are unsigned: a value above 2^63 reads as negative here and is shown unsigned. */
    private static void checkPart(String source, String id, String part, long value, long total)
            throws DeviceException {
        if (value < 0 || value > total) {
            throw new DeviceException(source + " on " + id + " reported " + part + " " + Long.toUnsignedString(value)
                    + " bytes, outside [0, total " + total + "]");
        }
    }

    /**
     * Compute processes (nvmlDeviceGetComputeRunningProcesses) then graphics ones; a kind the driver will not tell
     * about (no permission, not supported, no such query) is left out, and null when it tells about neither.
     */
    @Override
    public List<DeviceProcess> processes() throws DeviceException {
        List<DeviceProcess> compute = processQueries.list(DeviceProcess.COMPUTE);
        List<DeviceProcess> graphics = processQueries.list(DeviceProcess.GRAPHICS);
        if (compute == null && graphics == null) {
            return null;
        }
        List<DeviceProcess> all = new ArrayList<>();
        if (compute != null) {
            all.addAll(compute);
        }
        if (graphics != null) {
            all.addAll(graphics);
        }
        return List.copyOf(all);
    }

    /** Processes with a compute context on the device, or null when the driver does not say. */
    Integer computeProcesses() {
        try {
            List<DeviceProcess> compute = processQueries.list(DeviceProcess.COMPUTE);
            return compute == null ? null : compute.size();
        } catch (DeviceException e) {
            LOG.debug("{}: process count not available: {}", identity.id(), e.getMessage());
            return null;
        }
    }

    @Override
    public BandwidthResult measureBandwidth(BenchmarkSettings settings) throws DeviceException {
        throw new DeviceException("NVML cannot measure bandwidth; the cuda backend measures " + identity.id());
    }

    @Override
    public Long theoreticalBandwidthBytesPerSecond() {
        return null;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("compute_processes", computeProcesses());
        return m;
    }

    @Override
    public void close() {
        // NVML handles need no release.
    }
}
