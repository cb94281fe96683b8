package dev.memwall.device.cuda;

import dev.memwall.device.Availability;
import dev.memwall.device.NativeUnpack;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads JCuda's driver bindings (which link against the NVIDIA driver's libcuda.so.1) and initialises the
 * driver once. A missing or too-old driver, a driver without devices, or bindings the dynamic loader refuses
 * (said by {@link CudaLinkErrors}) is a state to report, not a crash.
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
     * Why the dynamic loader cannot load the driver library, asked before JCuda is touched: loading JCuda's own
     * native library only to see it fail costs more than this look-up. Null when it loads, and also when JNA
     * itself could not run (JCuda does not need JNA; its own attempt will tell).
     */
    static String driverLibraryProblem() {
        try {
            com.sun.jna.NativeLibrary.getInstance(DRIVER_LIBRARY);
            return null;
        } catch (UnsatisfiedLinkError e) {
            String text = CudaLinkErrors.text(e);
            LOG.debug("{} did not load: {}", DRIVER_LIBRARY, text);
            if (!text.contains("'" + DRIVER_LIBRARY + "'")) {
                return null;
            }
            // An unusable java.io.tmpdir is said first: JCuda needs it too, once the driver library loads.
            if (NativeUnpack.problem() != null) {
                return NativeUnpack.problem();
            }
            String reason = CudaLinkErrors.reason(text, tmpDir(), bindNow());
            return reason != null ? reason
                    : "the NVIDIA driver library (" + DRIVER_LIBRARY + ") could not be loaded: "
                            + CudaLinkErrors.loaderLine(text);
        } catch (NoClassDefFoundError | ExceptionInInitializerError e) {
            LOG.debug("JNA could not look for {}; JCuda will", DRIVER_LIBRARY, e);
            return null;
        }
    }

    /** Why JCuda's driver bindings did not load, from what the loader said, in one line. */
    static String bindingsProblem(Throwable e) {
        String text = CudaLinkErrors.text(e);
        String reason = CudaLinkErrors.reason(text, tmpDir(), bindNow());
        if (reason != null) {
            return reason;
        }
        if (NativeUnpack.problem() != null) {
            return NativeUnpack.problem();
        }
        return "JCuda's driver bindings did not load: " + CudaLinkErrors.loaderLine(text);
    }

    private static String tmpDir() {
        return System.getProperty("java.io.tmpdir", "");
    }

    private static boolean bindNow() {
        String v = System.getenv("LD_BIND_NOW");
        return v != null && !v.isEmpty();
    }

    private static final class Holder {
        static int driverVersion;
        static final Availability AVAILABILITY = load();

        private static Availability load() {
            String driverProblem = driverLibraryProblem();
            if (driverProblem != null) {
                return Availability.no(driverProblem);
            }
            int rc;
            try {
                rc = JCudaDriver.cuInit(0);
            } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
                LOG.debug("JCuda driver bindings did not load", e);
                return Availability.no(bindingsProblem(e));
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
