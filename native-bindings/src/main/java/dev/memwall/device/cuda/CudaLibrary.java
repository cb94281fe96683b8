package dev.memwall.device.cuda;

import dev.memwall.device.Availability;
import dev.memwall.device.NativeUnpack;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads JCuda's driver bindings (which link against the NVIDIA driver's libcuda.so.1) and initialises the
 * driver once. A missing or too-old driver, or a driver without devices, is a state to report, not a crash.
 */
final class CudaLibrary {

    static final String DRIVER_LIBRARY = "libcuda.so.1";
    /** Oldest driver API this build is written for (cuDeviceGetUuid, primary contexts, _v2 entry points). */
    static final int MIN_DRIVER_VERSION = 11000;

    private static final Logger LOG = LoggerFactory.getLogger(CudaLibrary.class);

    private CudaLibrary() {
    }

    static Availability availability() {
        return Holder.AVAILABILITY;
    }

    /** The driver's CUDA version as the driver reports it (e.g. 12060), or 0 when unavailable. */
    static int driverVersion() {
        return Holder.driverVersion;
    }

    /**
     * Whether the dynamic loader finds the driver library, asked before JCuda is touched: loading JCuda's own
     * native library only to see it fail costs more than this look-up.
     */
    static boolean driverLibraryPresent() {
        try {
            com.sun.jna.NativeLibrary.getInstance(DRIVER_LIBRARY);
            return true;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            LOG.debug("{} not found: {}", DRIVER_LIBRARY, e.getMessage());
            return false;
        }
    }

    private static final class Holder {
        static int driverVersion;
        static final Availability AVAILABILITY = load();

        private static Availability load() {
            if (!driverLibraryPresent()) {
                if (NativeUnpack.problem() != null) {
                    return Availability.no(NativeUnpack.problem());
                }
                return Availability.no("the NVIDIA driver library (" + DRIVER_LIBRARY
                        + ") was not found; install the NVIDIA driver to use the cuda backend");
            }
            int rc;
            try {
                rc = JCudaDriver.cuInit(0);
            } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
                LOG.debug("JCuda driver bindings did not load", e);
                if (NativeUnpack.problem() != null) {
                    return Availability.no(NativeUnpack.problem());
                }
                return Availability.no("the NVIDIA driver library (" + DRIVER_LIBRARY
                        + ") was not found; install the NVIDIA driver to use the cuda backend");
            }
            int[] version = new int[1];
            if (JCudaDriver.cuDriverGetVersion(version) == Cu.CUDA_SUCCESS) {
                driverVersion = version[0];
            }
            LOG.debug("cuInit: {} ({}), driver API version {}", Cu.name(rc), rc, driverVersion);
            if (rc == Cu.CUDA_ERROR_NO_DEVICE) {
                return Availability.no("the NVIDIA driver reports no CUDA device (CUDA_ERROR_NO_DEVICE)");
            }
            if (rc == Cu.CUDA_ERROR_INSUFFICIENT_DRIVER
                    || (rc == Cu.CUDA_SUCCESS && driverVersion > 0 && driverVersion < MIN_DRIVER_VERSION)) {
                return Availability.no("the NVIDIA driver is too old (CUDA " + CudaDevice.version(driverVersion)
                        + "); memwall needs a driver for CUDA " + CudaDevice.version(MIN_DRIVER_VERSION) + " or newer");
            }
            if (rc != Cu.CUDA_SUCCESS) {
                return Availability.no("cuInit failed: " + Cu.name(rc) + " (" + rc + ")");
            }
            return Availability.yes();
        }
    }
}
