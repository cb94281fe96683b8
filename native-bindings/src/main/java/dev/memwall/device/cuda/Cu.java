package dev.memwall.device.cuda;

import dev.memwall.device.DeviceException;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/** Every CUresult goes through {@link #check}: the exception carries the code, its name, the call and the device. */
final class Cu {

    static final int CUDA_SUCCESS = 0;
    static final int CUDA_ERROR_INVALID_VALUE = 1;
    static final int CUDA_ERROR_NOT_SUPPORTED = 801;
    static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
    static final int CUDA_ERROR_NO_DEVICE = 100;
    static final int CUDA_ERROR_INSUFFICIENT_DRIVER = 35;

    private Cu() {
    }

    static void check(int result, String call, String deviceId) throws DeviceException {
        if (result != CUDA_SUCCESS) {
            throw DeviceException.ofCall(call, result, name(result), deviceId);
        }
    }

    /** The driver's name for a code (cuGetErrorName), or JCuda's when the driver does not know it. */
    static String name(int result) {
        try {
            String[] name = new String[1];
            if (JCudaDriver.cuGetErrorName(result, name) == CUDA_SUCCESS && name[0] != null) {
                return name[0];
            }
        } catch (LinkageError e) {
            // The driver library is not there; fall through to JCuda's table.
        }
        String s = CUresult.stringFor(result);
        return s.startsWith("INVALID") ? "CUDA error" : s;
    }
}
