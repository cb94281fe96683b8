package dev.memwall.device.nvml;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import dev.memwall.device.DeviceException;
import dev.memwall.device.DeviceProcess;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processes NVML lists on one device, one kind at a time: through the newest query the driver has (_v3, then
 * _v2, then the unversioned name; a missing symbol or NVML_ERROR_FUNCTION_NOT_FOUND moves to the next, once per
 * device), the count first, then the list into room for a few more, asked again a bounded number of times when
 * processes started in between.
 *
 * <p>Layouts from nvml.h (https://github.com/NVIDIA/go-nvml/blob/main/pkg/nvml/nvml.h): the _v2 and _v3 queries
 * fill {@code nvmlProcessInfo_v2_t} (also named {@code nvmlProcessInfo_t}): {@code unsigned int pid; unsigned long
 * long usedGpuMemory; unsigned int gpuInstanceId, computeInstanceId;}, 24 bytes with usedGpuMemory at offset 8;
 * the unversioned names fill the legacy {@code nvmlProcessInfo_v1_t}: {@code pid, usedGpuMemory}, 16 bytes.
 * usedGpuMemory is NVML_VALUE_NOT_AVAILABLE ({@code (unsigned long long) -1}) when the driver does not say.
 */
final class NvmlProcesses {

    /** More processes than this on one device is taken as a broken reply, not allocated for. */
    static final int MAX_PROCESSES = 4096;
    /** Room for processes that start between the count and the list; doubled on each retry. */
    static final int SPARE_ENTRIES = 4;
    /** Sized calls before giving up on a list that keeps growing. */
    static final int SIZED_ATTEMPTS = 3;
    static final int ENTRY_V2_SIZE = 24;
    static final int ENTRY_V1_SIZE = 16;
    static final int USED_OFFSET = 8;
    static final long VALUE_NOT_AVAILABLE = -1L;

    private static final Logger LOG = LoggerFactory.getLogger(NvmlProcesses.class);

    @FunctionalInterface
    interface Query {
        int call(Nvml.Api api, Pointer device, IntByReference count, Pointer infos);
    }

    /** One version of a process query: its name, the size of one entry, the call. */
    record Version(String call, int entryBytes, Query query) {
    }

    static final List<Version> COMPUTE = List.of(
            new Version("nvmlDeviceGetComputeRunningProcesses_v3", ENTRY_V2_SIZE,
                    Nvml.Api::nvmlDeviceGetComputeRunningProcesses_v3),
            new Version("nvmlDeviceGetComputeRunningProcesses_v2", ENTRY_V2_SIZE,
                    Nvml.Api::nvmlDeviceGetComputeRunningProcesses_v2),
            new Version("nvmlDeviceGetComputeRunningProcesses", ENTRY_V1_SIZE,
                    Nvml.Api::nvmlDeviceGetComputeRunningProcesses));
    static final List<Version> GRAPHICS = List.of(
            new Version("nvmlDeviceGetGraphicsRunningProcesses_v3", ENTRY_V2_SIZE,
                    Nvml.Api::nvmlDeviceGetGraphicsRunningProcesses_v3),
            new Version("nvmlDeviceGetGraphicsRunningProcesses_v2", ENTRY_V2_SIZE,
                    Nvml.Api::nvmlDeviceGetGraphicsRunningProcesses_v2),
            new Version("nvmlDeviceGetGraphicsRunningProcesses", ENTRY_V1_SIZE,
                    Nvml.Api::nvmlDeviceGetGraphicsRunningProcesses));

    /** The query version is absent from this driver. */
    private static final class Missing extends Exception {
        private static final long serialVersionUID = 1L;

        Missing() {
            super(null, null, false, false);
        }
    }

    private static final Missing MISSING = new Missing();

    private final Pointer handle;
    private final String deviceId;
    /** Index into COMPUTE / GRAPHICS of the newest version not yet found missing. */
    private volatile int computeVersion;
    private volatile int graphicsVersion;

    NvmlProcesses(Pointer handle, String deviceId) {
        this.handle = handle;
        this.deviceId = deviceId;
    }

    /**
     * The processes of one kind ({@link DeviceProcess#COMPUTE} or {@link DeviceProcess#GRAPHICS}), once per pid, or
     * null when the driver cannot tell (no such query, NVML_ERROR_NO_PERMISSION, NVML_ERROR_NOT_SUPPORTED).
     */
    List<DeviceProcess> list(String kind) throws DeviceException {
        boolean compute = DeviceProcess.COMPUTE.equals(kind);
        List<Version> versions = compute ? COMPUTE : GRAPHICS;
        for (int v = compute ? computeVersion : graphicsVersion; v < versions.size(); v++) {
            Version version = versions.get(v);
            try {
                return query(version, kind);
            } catch (Missing e) {
                LOG.debug("{}: no {} in this driver, trying an older one", deviceId, version.call());
                if (compute) {
                    computeVersion = v + 1;
                } else {
                    graphicsVersion = v + 1;
                }
            }
        }
        LOG.debug("{}: this driver has no {} process query", deviceId, kind);
        return null;
    }

    private List<DeviceProcess> query(Version version, String kind) throws DeviceException, Missing {
        IntByReference count = new IntByReference(0);
        int rc = call(version, count, Pointer.NULL);
        Memory infos = null;
        int capacity = 0;
        for (int attempt = 0; rc == Nvml.ERROR_INSUFFICIENT_SIZE; attempt++) {
            long needed = Integer.toUnsignedLong(count.getValue());
            if (needed > MAX_PROCESSES) {
                throw new DeviceException(version.call() + " on " + deviceId + " reported " + needed + " " + kind
                        + " processes, more than " + MAX_PROCESSES);
            }
            if (attempt == SIZED_ATTEMPTS) {
                throw new DeviceException(version.call() + " on " + deviceId + " still needed room for " + needed
                        + " " + kind + " processes after " + SIZED_ATTEMPTS + " tries: the list kept growing");
            }
            capacity = (int) needed + (SPARE_ENTRIES << attempt);
            infos = new Memory((long) capacity * version.entryBytes());
            count.setValue(capacity);
            rc = call(version, count, infos);
        }
        if (rc == Nvml.SUCCESS) {
            long n = Integer.toUnsignedLong(count.getValue());
            if (n > capacity) {
                throw new DeviceException(version.call() + " on " + deviceId + " reported " + n + " " + kind
                        + " processes in room for " + capacity);
            }
            return infos == null ? List.of() : entries(version, kind, infos, (int) n);
        }
        if (rc == Nvml.ERROR_FUNCTION_NOT_FOUND) {
            throw MISSING;
        }
        if (rc == Nvml.ERROR_NO_PERMISSION || rc == Nvml.ERROR_NOT_SUPPORTED) {
            LOG.debug("{}: {} cannot tell: {} ({})", deviceId, version.call(), Nvml.name(rc), rc);
            return null;
        }
        throw DeviceException.ofCall(version.call(), rc, Nvml.name(rc), deviceId);
    }

    private int call(Version version, IntByReference count, Pointer infos) {
        try {
            return version.query().call(Nvml.api(), handle, count, infos);
        } catch (UnsatisfiedLinkError e) {
            return Nvml.ERROR_FUNCTION_NOT_FOUND;
        }
    }

    /**
     * The entries in driver order, one per pid: a pid listed more than once (one entry per MIG instance in an
     * aggregate reply) gets the sum of its bytes, or null when any of them is hidden.
     */
    private List<DeviceProcess> entries(Version version, String kind, Pointer infos, int n) throws DeviceException {
        Map<Long, DeviceProcess> byPid = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            long offset = (long) i * version.entryBytes();
            long pid = Integer.toUnsignedLong(infos.getInt(offset));
            long used = infos.getLong(offset + USED_OFFSET);
            if (used < 0 && used != VALUE_NOT_AVAILABLE) {
                throw new DeviceException(version.call() + " on " + deviceId + " reported "
                        + Long.toUnsignedString(used) + " bytes for pid " + pid);
            }
            Long bytes = used == VALUE_NOT_AVAILABLE ? null : used;
            DeviceProcess seen = byPid.get(pid);
            if (seen != null) {
                bytes = seen.usedBytes() == null || bytes == null ? null : saturatedSum(seen.usedBytes(), bytes);
            }
            byPid.put(pid, new DeviceProcess(pid, bytes, kind));
        }
        return List.copyOf(byPid.values());
    }

    private static long saturatedSum(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
