package dev.memwall.device.cuda;

import dev.memwall.device.DeviceException;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

/**
 * The device's primary context, retained and made current for the length of a try block, then popped and
 * released. memwall never holds a context between readings: a context costs hundreds of MiB on the device.
 */
final class PrimaryContext implements AutoCloseable {

    private final CUdevice device;
    private final String deviceId;
    private final CUcontext context = new CUcontext();
    private boolean pushed;

    private PrimaryContext(CUdevice device, String deviceId) {
        this.device = device;
        this.deviceId = deviceId;
    }

    static PrimaryContext enter(CUdevice device, String deviceId) throws DeviceException {
        PrimaryContext c = new PrimaryContext(device, deviceId);
        Cu.check(JCudaDriver.cuDevicePrimaryCtxRetain(c.context, device), "cuDevicePrimaryCtxRetain", deviceId);
        try {
            Cu.check(JCudaDriver.cuCtxPushCurrent(c.context), "cuCtxPushCurrent", deviceId);
            c.pushed = true;
        } catch (DeviceException e) {
            CudaReleases.check(JCudaDriver.cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease", deviceId);
            throw e;
        }
        return c;
    }

    /** Pops and releases; a failure of either is counted in {@link CudaReleases}, then the first one is thrown. */
    @Override
    public void close() throws DeviceException {
        int pop = pushed ? JCudaDriver.cuCtxPopCurrent(new CUcontext()) : Cu.CUDA_SUCCESS;
        int release = JCudaDriver.cuDevicePrimaryCtxRelease(device);
        CudaReleases.check(pop, "cuCtxPopCurrent", deviceId);
        CudaReleases.check(release, "cuDevicePrimaryCtxRelease", deviceId);
        Cu.check(pop, "cuCtxPopCurrent", deviceId);
        Cu.check(release, "cuDevicePrimaryCtxRelease", deviceId);
    }
}
