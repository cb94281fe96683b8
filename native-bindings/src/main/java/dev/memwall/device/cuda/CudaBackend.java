package dev.memwall.device.cuda;

import dev.memwall.device.Availability;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceBackend;
import dev.memwall.device.DeviceException;
import dev.memwall.device.DeviceFailure;
import dev.memwall.device.Discovery;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NVIDIA GPUs through JCuda's binding of the CUDA driver API. Lists every device the driver shows, so
 * {@code CUDA_VISIBLE_DEVICES} and MIG are honoured as the driver applies them; a device that fails to be read
 * is reported and the others carry on.
 */
public final class CudaBackend implements DeviceBackend {

    public static final String ID = "cuda";
    private static final Logger LOG = LoggerFactory.getLogger(CudaBackend.class);

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
        return CudaLibrary.availability();
    }

    @Override
    public List<Device> devices() throws DeviceException {
        return discover().devices();
    }

    @Override
    public Discovery discover() throws DeviceException {
        Availability availability = availability();
        if (!availability.available()) {
            throw new DeviceException(availability.reason());
        }
        int[] count = new int[1];
        Cu.check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount", null);
        List<Device> devices = new ArrayList<>();
        List<DeviceFailure> failures = new ArrayList<>();
        for (int i = 0; i < count[0]; i++) {
            try {
                devices.add(CudaDevice.read(i));
            } catch (DeviceException e) {
                LOG.debug("cuda:{} could not be read", i, e);
                failures.add(new DeviceFailure(ID + ":" + i, ID, e.getMessage()));
            }
        }
        return new Discovery(devices, failures);
    }

    /** Failed frees, destroys, unloads and context releases of every CUDA device in this process. */
    @Override
    public long releaseFailures() {
        return CudaReleases.failures();
    }
}
