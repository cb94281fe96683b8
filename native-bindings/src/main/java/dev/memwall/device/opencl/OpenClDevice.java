package dev.memwall.device.opencl;

import dev.memwall.device.BandwidthResult;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceException;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.DeviceType;
import dev.memwall.device.MemoryReading;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.jocl.CL;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;

/** One OpenCL device. Identity is read once; free memory only where a vendor extension reports it. */
final class OpenClDevice implements Device {

    /** cl_amd_device_attribute_query: free memory in KiB, as size_t[2] (total free, largest free block). */
    static final int CL_DEVICE_GLOBAL_FREE_MEMORY_AMD = 0x4039;
    /** cl_amd_device_attribute_query: PCIe topology. */
    static final int CL_DEVICE_TOPOLOGY_AMD = 0x4037;
    static final int CL_DEVICE_TOPOLOGY_TYPE_PCIE_AMD = 1;
    /** cl_khr_pci_bus_info: struct of four cl_uint (domain, bus, device, function). */
    static final int CL_DEVICE_PCI_BUS_INFO_KHR = 0x410F;
    /** cl_nv_device_attribute_query. */
    static final int CL_DEVICE_PCI_BUS_ID_NV = 0x4008;
    static final int CL_DEVICE_PCI_SLOT_ID_NV = 0x4009;
    static final int CL_DEVICE_PCI_DOMAIN_ID_NV = 0x400A;

    static final String AMD_ATTRIBUTES = "cl_amd_device_attribute_query";
    static final String KHR_PCI = "cl_khr_pci_bus_info";
    static final String NV_ATTRIBUTES = "cl_nv_device_attribute_query";

    private final cl_device_id handle;
    private final DeviceIdentity identity;
    private final Set<String> extensions;

    private OpenClDevice(cl_device_id handle, DeviceIdentity identity, Set<String> extensions) {
        this.handle = handle;
        this.identity = identity;
        this.extensions = extensions;
    }

    static OpenClDevice read(String id, String platformName, cl_device_id handle) throws DeviceException {
        Set<String> extensions = Arrays.stream(ClCalls.deviceString(handle, CL.CL_DEVICE_EXTENSIONS, id).split("\\s+"))
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        long type = ClCalls.deviceLong(handle, CL.CL_DEVICE_TYPE, id);
        DeviceIdentity identity = new DeviceIdentity(
                id,
                OpenClBackend.ID,
                ClCalls.deviceString(handle, CL.CL_DEVICE_NAME, id),
                ClCalls.deviceString(handle, CL.CL_DEVICE_VENDOR, id),
                typeOf(type),
                ClCalls.deviceString(handle, CL.CL_DRIVER_VERSION, id),
                platformName,
                null,
                pciBusId(handle, extensions),
                ClCalls.deviceLong(handle, CL.CL_DEVICE_GLOBAL_MEM_SIZE, id),
                ClCalls.deviceLong(handle, CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE, id),
                ClCalls.deviceLong(handle, CL.CL_DEVICE_GLOBAL_MEM_CACHE_SIZE, id),
                ClCalls.deviceInt(handle, CL.CL_DEVICE_MAX_COMPUTE_UNITS, id),
                null);
        return new OpenClDevice(handle, identity, extensions);
    }

    static DeviceType typeOf(long clType) {
        if ((clType & CL.CL_DEVICE_TYPE_GPU) != 0) {
            return DeviceType.GPU;
        }
        if ((clType & CL.CL_DEVICE_TYPE_CPU) != 0) {
            return DeviceType.CPU;
        }
        if ((clType & CL.CL_DEVICE_TYPE_ACCELERATOR) != 0) {
            return DeviceType.ACCELERATOR;
        }
        return DeviceType.OTHER;
    }

    /** The PCI bus id from cl_khr_pci_bus_info, or NVIDIA's or AMD's attribute queries; null when none tells. */
    static String pciBusId(cl_device_id handle, Set<String> extensions) {
        if (extensions.contains(KHR_PCI)) {
            ByteBuffer b = ClCalls.deviceBytes(handle, CL_DEVICE_PCI_BUS_INFO_KHR, 16);
            if (b != null) {
                return formatPci(b.getInt(0), b.getInt(4), b.getInt(8), b.getInt(12));
            }
        }
        if (extensions.contains(NV_ATTRIBUTES)) {
            ByteBuffer bus = ClCalls.deviceBytes(handle, CL_DEVICE_PCI_BUS_ID_NV, Sizeof.cl_uint);
            ByteBuffer slot = ClCalls.deviceBytes(handle, CL_DEVICE_PCI_SLOT_ID_NV, Sizeof.cl_uint);
            if (bus != null && slot != null) {
                ByteBuffer domain = ClCalls.deviceBytes(handle, CL_DEVICE_PCI_DOMAIN_ID_NV, Sizeof.cl_uint);
                int s = slot.getInt(0);
                return formatPci(domain == null ? 0 : domain.getInt(0), bus.getInt(0), s >>> 3, s & 7);
            }
        }
        if (extensions.contains(AMD_ATTRIBUTES)) {
            // cl_device_topology_amd: cl_uint type; cl_char unused[17]; cl_char bus, device, function.
            ByteBuffer t = ClCalls.deviceBytes(handle, CL_DEVICE_TOPOLOGY_AMD, 24);
            if (t != null && t.getInt(0) == CL_DEVICE_TOPOLOGY_TYPE_PCIE_AMD) {
                return formatPci(0, t.get(21) & 0xff, t.get(22) & 0xff, t.get(23) & 0xff);
            }
        }
        return null;
    }

    static String formatPci(int domain, int bus, int device, int function) {
        return String.format(Locale.ROOT, "%04x:%02x:%02x.%x", domain, bus, device, function);
    }

    @Override
    public DeviceIdentity identity() {
        return identity;
    }

    @Override
    public MemoryReading readMemory() {
        long total = identity.totalBytes();
        if (extensions.contains(AMD_ATTRIBUTES)) {
            ByteBuffer b = ClCalls.deviceBytes(handle, CL_DEVICE_GLOBAL_FREE_MEMORY_AMD, 2 * Sizeof.size_t);
            if (b != null) {
                long freeKib = Sizeof.size_t == 8 ? b.getLong(0) : Integer.toUnsignedLong(b.getInt(0));
                long free = Math.min(total, freeKib * 1024);
                return new MemoryReading(total, free, total - free, null, AMD_ATTRIBUTES);
            }
        }
        return MemoryReading.totalOnly(total);
    }

    @Override
    public BandwidthResult measureBandwidth(BenchmarkSettings settings) throws DeviceException {
        MemoryReading memory = readMemory();
        return OpenClBandwidth.measure(handle, identity, memory.freeBytes(), settings);
    }

    @Override
    public Long theoreticalBandwidthBytesPerSecond() {
        return null;
    }

    @Override
    public void close() {
        // Device ids of root devices are not reference counted; nothing to release.
    }
}
