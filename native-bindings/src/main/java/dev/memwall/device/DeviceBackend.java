package dev.memwall.device;

import java.util.List;

/**
 * A way of finding devices (OpenCL, CUDA, simulated). Real backends are found with
 * {@link java.util.ServiceLoader}; each must be cheap to construct and load its native library lazily.
 */
public interface DeviceBackend {

    /** The backend's name as used on the command line: {@code opencl}, {@code cuda}, {@code simulated}. */
    String id();

    /** Higher first when several backends see the same device. */
    int priority();

    /** Whether this backend can work here; the reason names what to install when not. */
    Availability availability();

    /**
     * Every device this backend sees. A device that cannot be read is left out only when the driver gives
     * no handle at all; per-device failures surface through {@link Device} calls.
     *
     * @throws DeviceException when the backend itself fails (no platform, driver error)
     */
    List<Device> devices() throws DeviceException;

    /**
     * Every device, with those that failed to be read reported instead of dropped. Backends whose devices can
     * fail one by one override this; the default wraps {@link #devices()}.
     */
    default Discovery discover() throws DeviceException {
        return new Discovery(devices(), List.of());
    }

    /**
     * Driver calls that should have given something back (freed memory, destroyed a stream, released a context)
     * and failed, in this process so far; what they held may still be taken on the device. 0 for backends that
     * hold nothing between calls or do not count.
     */
    default long releaseFailures() {
        return 0;
    }
}
