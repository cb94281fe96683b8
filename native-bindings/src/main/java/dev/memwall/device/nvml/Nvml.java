package dev.memwall.device.nvml;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import dev.memwall.device.Availability;
import dev.memwall.device.NativeUnpack;
import dev.memwall.device.DeviceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** NVML through JNA: the library binding, its one-time initialisation, and the return-code check. */
final class Nvml {

    static final String LIBRARY = "libnvidia-ml.so.1";
    static final int SUCCESS = 0;
    static final int ERROR_NOT_SUPPORTED = 3;
    static final int ERROR_NO_PERMISSION = 4;
    static final int ERROR_INSUFFICIENT_SIZE = 7;
    static final int ERROR_FUNCTION_NOT_FOUND = 13;
    static final int ERROR_ARGUMENT_VERSION_MISMATCH = 25;

    private static final Logger LOG = LoggerFactory.getLogger(Nvml.class);

    /** The NVML entry points memwall uses; structs are passed as raw memory with the documented layouts. */
    interface Api extends Library {
        int nvmlInit_v2();

        int nvmlShutdown();

        String nvmlErrorString(int result);

        int nvmlSystemGetDriverVersion(byte[] version, int length);

        int nvmlDeviceGetCount_v2(IntByReference count);

        int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device);

        int nvmlDeviceGetName(Pointer device, byte[] name, int length);

        int nvmlDeviceGetUUID(Pointer device, byte[] uuid, int length);

        int nvmlDeviceGetPciInfo_v3(Pointer device, Pointer pciInfo);

        int nvmlDeviceGetMemoryInfo(Pointer device, Pointer memory);

        int nvmlDeviceGetMemoryInfo_v2(Pointer device, Pointer memory);

        int nvmlDeviceGetComputeRunningProcesses_v3(Pointer device, IntByReference count, Pointer infos);

        int nvmlDeviceGetComputeRunningProcesses_v2(Pointer device, IntByReference count, Pointer infos);

        int nvmlDeviceGetComputeRunningProcesses(Pointer device, IntByReference count, Pointer infos);

        int nvmlDeviceGetGraphicsRunningProcesses_v3(Pointer device, IntByReference count, Pointer infos);

        int nvmlDeviceGetGraphicsRunningProcesses_v2(Pointer device, IntByReference count, Pointer infos);

        int nvmlDeviceGetGraphicsRunningProcesses(Pointer device, IntByReference count, Pointer infos);
    }

    private Nvml() {
    }

    static Availability availability() {
        return Holder.AVAILABILITY;
    }

    /** The bound library; only call when {@link #availability()} says yes. */
    static Api api() {
        return Holder.api;
    }

    static String driverVersion() {
        return Holder.driverVersion;
    }

    static void check(int result, String call, String deviceId) throws DeviceException {
        if (result != SUCCESS) {
            throw DeviceException.ofCall(call, result, name(result), deviceId);
        }
    }

    static String name(int result) {
        try {
            String s = Holder.api == null ? null : Holder.api.nvmlErrorString(result);
            if (s != null && !s.isBlank()) {
                return "NVML: " + s;
            }
        } catch (RuntimeException | LinkageError e) {
            // fall through
        }
        return "NVML error";
    }

    private static final class Holder {
        static Api api;
        static String driverVersion;
        static final Availability AVAILABILITY = load();

        private static Availability load() {
            Api loaded;
            try {
                loaded = Native.load(LIBRARY, Api.class);
            } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
                LOG.debug("NVML did not load", e);
                if (NativeUnpack.problem() != null) {
                    return Availability.no(NativeUnpack.problem());
                }
                return Availability.no("the NVIDIA management library (" + LIBRARY
                        + ") was not found; install the NVIDIA driver to use the nvml backend");
            }
            int rc = loaded.nvmlInit_v2();
            if (rc != SUCCESS) {
                api = loaded;
                return Availability.no("nvmlInit failed: " + name(rc) + " (" + rc + ")");
            }
            api = loaded;
            byte[] version = new byte[96];
            if (loaded.nvmlSystemGetDriverVersion(version, version.length) == SUCCESS) {
                driverVersion = Native.toString(version);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(loaded::nvmlShutdown, "memwall-nvml-shutdown"));
            LOG.debug("NVML initialised, driver {}", driverVersion);
            return Availability.yes();
        }
    }
}
