package dev.memwall.device.opencl;

import dev.memwall.device.Availability;
import dev.memwall.device.NativeUnpack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jocl.CL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads JOCL and the system's OpenCL loader on first use. A missing library is a state to report, not a
 * crash: the holder catches the link errors and turns them into an {@link Availability} naming what to install.
 */
final class OpenClLibrary {

    static final String INSTALL_HINT = "install the OpenCL ICD loader and a driver "
            + "(Debian/Ubuntu: apt-get install ocl-icd-libopencl1 pocl-opencl-icd, or your GPU vendor's OpenCL runtime)";

    private static final Logger LOG = LoggerFactory.getLogger(OpenClLibrary.class);

    private OpenClLibrary() {
    }

    /** True when the JVM's signal-chaining library (libjsig) is loaded into this process; see OpenClBandwidth. */
    static boolean signalChainingLoaded() {
        try {
            return Files.readString(Path.of("/proc/self/maps")).contains("libjsig");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The outcome of loading, computed once. */
    static Availability availability() {
        return Holder.AVAILABILITY;
    }

    private static final class Holder {
        static final Availability AVAILABILITY = load();

        private static Availability load() {
            try {
                CL.setExceptionsEnabled(false);
                int[] count = new int[1];
                int rc = CL.clGetPlatformIDs(0, null, count);
                if (rc == ClCalls.CL_PLATFORM_NOT_FOUND_KHR || (rc == CL.CL_SUCCESS && count[0] == 0)) {
                    return Availability.no("the OpenCL loader found no platform; " + INSTALL_HINT);
                }
                if (rc != CL.CL_SUCCESS) {
                    return Availability.no("clGetPlatformIDs failed: " + ClCalls.name(rc) + " (" + rc + ")");
                }
                LOG.debug("OpenCL: {} platform(s); JVM signal chaining (libjsig) loaded: {}", count[0],
                        signalChainingLoaded());
                return Availability.yes();
            } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
                LOG.debug("OpenCL library did not load", e);
                if (NativeUnpack.problem() != null) {
                    return Availability.no(NativeUnpack.problem());
                }
                return Availability.no("the OpenCL loader library (libOpenCL.so.1) was not found; " + INSTALL_HINT);
            }
        }
    }
}
