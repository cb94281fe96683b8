package dev.memwall.device.nvml;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceException;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.DeviceType;
import dev.memwall.device.MemoryReading;
import dev.memwall.device.PciBusIds;
import java.util.LinkedHashMap;
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
    private volatile boolean v2Supported = true;

    private NvmlDevice(Pointer handle, DeviceIdentity identity) {
        this.handle = handle;
        this.identity = identity;
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
     * parts do not add up to the total is reported as an error, never adjusted.
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
                long total = m.getLong(8);
                long reserved = m.getLong(16);
                long free = m.getLong(24);
                long used = m.getLong(32);
                if (total != reserved + used + free) {
                    throw new DeviceException(String.format(Locale.ROOT,
                            "%s on %s broke total = reserved + used + free: %d != %d + %d + %d (off by %d bytes)",
                            SOURCE_V2, id, total, reserved, used, free, total - reserved - used - free));
                }
                return new MemoryReading(total, free, used, reserved, SOURCE_V2);
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
        if (free < 0 || free > total) {
            throw new DeviceException(SOURCE_V1 + " on " + id + " reported free " + free + " of total " + total);
        }
        return new MemoryReading(total, free, used, null, SOURCE_V1);
    }

    /** Processes with a compute context on the device, or null when the driver does not say. */
    Integer computeProcesses() {
        IntByReference count = new IntByReference(0);
        try {
            int rc = Nvml.api().nvmlDeviceGetComputeRunningProcesses_v3(handle, count, Pointer.NULL);
            if (rc == Nvml.SUCCESS || rc == Nvml.ERROR_INSUFFICIENT_SIZE) {
                return count.getValue();
            }
            LOG.debug("{}: process count not available: {}", identity.id(), Nvml.name(rc));
        } catch (UnsatisfiedLinkError e) {
            LOG.debug("{}: no nvmlDeviceGetComputeRunningProcesses_v3", identity.id());
        }
        return null;
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
