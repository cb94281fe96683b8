package dev.memwall.device.cuda;

import com.sun.jna.NativeLibrary;
import dev.memwall.device.Availability;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceBackend;
import dev.memwall.device.DeviceException;
import java.util.List;

/**
 * NVIDIA GPUs through the CUDA driver. This version only looks for the driver library; reading devices through
 * the driver API comes in a later version, so where the driver exists the backend says so instead of guessing.
 */
public final class CudaBackend implements DeviceBackend {

    public static final String ID = "cuda";
    static final String DRIVER_LIBRARY = "libcuda.so.1";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public int priority() {
        return 20;
    }

    @Override
    public Availability availability() {
        return Holder.AVAILABILITY;
    }

    @Override
    public List<Device> devices() throws DeviceException {
        throw new DeviceException(availability().reason());
    }

    private static final class Holder {
        static final Availability AVAILABILITY = probe();

        private static Availability probe() {
            try {
                NativeLibrary.getInstance(DRIVER_LIBRARY);
            } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
                return Availability.no("the NVIDIA driver library (" + DRIVER_LIBRARY
                        + ") was not found; install the NVIDIA driver to use the cuda backend");
            }
            return Availability.no("the NVIDIA driver (" + DRIVER_LIBRARY + ") is present, but this version of "
                    + "memwall does not read devices through CUDA yet; use --backend opencl with NVIDIA's OpenCL ICD");
        }
    }
}
