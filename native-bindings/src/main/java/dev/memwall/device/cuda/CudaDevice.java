package dev.memwall.device.cuda;

import dev.memwall.device.BandwidthResult;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceException;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.DeviceType;
import dev.memwall.device.MemoryReading;
import dev.memwall.device.PciBusIds;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUuuid;
import jcuda.driver.JCudaDriver;

/** One CUDA device: attributes read once through the driver API; free memory through a short-lived context. */
final class CudaDevice implements Device {

    static final String MEMORY_SOURCE = "cuMemGetInfo";

    /** The attributes memwall reads, in the driver's units. */
    record Attributes(int ccMajor, int ccMinor, int smCount, long smClockKhz, long memoryClockKhz, int busWidthBits,
            long l2Bytes, boolean eccEnabled) {
    }

    private final CUdevice handle;
    private final DeviceIdentity identity;
    private final Attributes attributes;

    private CudaDevice(CUdevice handle, DeviceIdentity identity, Attributes attributes) {
        this.handle = handle;
        this.identity = identity;
        this.attributes = attributes;
    }

    static CudaDevice read(int ordinal) throws DeviceException {
        String id = CudaBackend.ID + ":" + ordinal;
        CUdevice handle = new CUdevice();
        Cu.check(JCudaDriver.cuDeviceGet(handle, ordinal), "cuDeviceGet", id);
        byte[] name = new byte[256];
        Cu.check(JCudaDriver.cuDeviceGetName(name, name.length, handle), "cuDeviceGetName", id);
        CUuuid uuid = new CUuuid();
        Cu.check(JCudaDriver.cuDeviceGetUuid(uuid, handle), "cuDeviceGetUuid", id);
        String[] pci = new String[1];
        Cu.check(JCudaDriver.cuDeviceGetPCIBusId(pci, 64, handle), "cuDeviceGetPCIBusId", id);
        long[] total = new long[1];
        Cu.check(JCudaDriver.cuDeviceTotalMem(total, handle), "cuDeviceTotalMem", id);
        Attributes a = new Attributes(
                attribute(handle, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, id),
                attribute(handle, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, id),
                attribute(handle, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, id),
                optionalAttribute(handle, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_CLOCK_RATE, id),
                optionalAttribute(handle, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, id),
                optionalAttribute(handle, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, id),
                optionalAttribute(handle, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, id),
                optionalAttribute(handle, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_ECC_ENABLED, id) > 0);
        if (total[0] <= 0) {
            throw new DeviceException("cuDeviceTotalMem on " + id + " reported " + total[0] + " bytes");
        }
        DeviceIdentity identity = new DeviceIdentity(id, CudaBackend.ID, cString(name), "NVIDIA", DeviceType.GPU,
                "CUDA " + version(CudaLibrary.driverVersion()), null, uuid(uuid.bytes), PciBusIds.normalize(pci[0]),
                total[0], null, a.l2Bytes() > 0 ? a.l2Bytes() : null, a.smCount(), null);
        return new CudaDevice(handle, identity, a);
    }

    private static int attribute(CUdevice handle, int attribute, String id) throws DeviceException {
        int[] value = new int[1];
        Cu.check(JCudaDriver.cuDeviceGetAttribute(value, attribute, handle),
                "cuDeviceGetAttribute(" + CUdevice_attribute.stringFor(attribute) + ")", id);
        return value[0];
    }

    /**
     * An attribute a driver may decline (newer drivers retire some, e.g. clock rates): 0, meaning unknown, when
     * it answers CUDA_ERROR_INVALID_VALUE or CUDA_ERROR_NOT_SUPPORTED; any other error fails the device.
     */
    private static int optionalAttribute(CUdevice handle, int attribute, String id) throws DeviceException {
        int[] value = new int[1];
        int rc = JCudaDriver.cuDeviceGetAttribute(value, attribute, handle);
        if (rc == Cu.CUDA_ERROR_INVALID_VALUE || rc == Cu.CUDA_ERROR_NOT_SUPPORTED) {
            return 0;
        }
        Cu.check(rc, "cuDeviceGetAttribute(" + CUdevice_attribute.stringFor(attribute) + ")", id);
        return value[0];
    }

    /** NVIDIA's UUID text form: {@code GPU-} and 16 bytes as 8-4-4-4-12 hex digits. */
    static String uuid(byte[] bytes) {
        StringBuilder s = new StringBuilder("GPU-");
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                s.append('-');
            }
            s.append(String.format(Locale.ROOT, "%02x", bytes[i] & 0xff));
        }
        return s.toString();
    }


    /** 12060 as {@code 12.6}. */
    static String version(int v) {
        return v / 1000 + "." + (v % 1000) / 10;
    }

    private static String cString(byte[] b) {
        int end = 0;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, 0, end, StandardCharsets.UTF_8).trim();
    }

    @Override
    public DeviceIdentity identity() {
        return identity;
    }

    Attributes cudaAttributes() {
        return attributes;
    }

    CUdevice handle() {
        return handle;
    }

    /** Free memory through the primary context, retained only for the query. */
    @Override
    public MemoryReading readMemoryWithoutContext() {
        // cuMemGetInfo needs a context, which would take hundreds of MiB on a busy GPU every few seconds.
        return MemoryReading.totalOnly(identity.totalBytes());
    }

    @Override
    public MemoryReading readMemory() throws DeviceException {
        long[] free = new long[1];
        long[] total = new long[1];
        try (PrimaryContext ignored = PrimaryContext.enter(handle, identity.id())) {
            Cu.check(JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo", identity.id());
        }
        if (total[0] <= 0 || free[0] < 0 || free[0] > total[0]) {
            throw new DeviceException("cuMemGetInfo on " + identity.id() + " reported free " + free[0] + " of total "
                    + total[0] + " bytes");
        }
        return new MemoryReading(total[0], free[0], total[0] - free[0], null, MEMORY_SOURCE);
    }

    @Override
    public BandwidthResult measureBandwidth(BenchmarkSettings settings) throws DeviceException {
        return CudaBandwidth.measure(this, settings);
    }

    /** 2 x memory clock x bus width / 8 (double data rate), in bytes per second; null when the driver omits one. */
    @Override
    public Long theoreticalBandwidthBytesPerSecond() {
        if (attributes.memoryClockKhz() <= 0 || attributes.busWidthBits() <= 0) {
            return null;
        }
        return 2L * attributes.memoryClockKhz() * 1000L * attributes.busWidthBits() / 8;
    }

    @Override
    public Long peakFp16FlopsPerSecond() {
        return peak(CudaArchitectures.Row::fp16PerClockPerSm);
    }

    private Long peak(java.util.function.Function<CudaArchitectures.Row, Long> perClock) {
        if (attributes.smCount() <= 0 || attributes.smClockKhz() <= 0) {
            return null;
        }
        return CudaArchitectures.find(attributes.ccMajor(), attributes.ccMinor())
                .map(perClock)
                .map(f -> f * attributes.smCount() * attributes.smClockKhz() * 1000L)
                .orElse(null);
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("compute_capability", attributes.ccMajor() + "." + attributes.ccMinor());
        m.put("architecture", CudaArchitectures.find(attributes.ccMajor(), attributes.ccMinor())
                .map(CudaArchitectures.Row::architecture).orElse(null));
        m.put("sm_count", attributes.smCount());
        m.put("sm_clock_hz", attributes.smClockKhz() > 0 ? attributes.smClockKhz() * 1000L : null);
        m.put("memory_clock_hz", attributes.memoryClockKhz() > 0 ? attributes.memoryClockKhz() * 1000L : null);
        m.put("memory_bus_width_bits", attributes.busWidthBits() > 0 ? attributes.busWidthBits() : null);
        m.put("l2_cache_bytes", attributes.l2Bytes() > 0 ? attributes.l2Bytes() : null);
        m.put("ecc_enabled", attributes.eccEnabled());
        m.put("peak_fp16_flops_per_second", peakFp16FlopsPerSecond());
        m.put("peak_fp8_flops_per_second", peak(CudaArchitectures.Row::fp8PerClockPerSm));
        m.put("peak_int8_ops_per_second", peak(CudaArchitectures.Row::int8PerClockPerSm));
        return Collections.unmodifiableMap(m);
    }

    @Override
    public void close() {
        // Device handles are plain ordinals; contexts are never held between calls.
    }
}
