package dev.memwall.device.nvml;

import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import dev.memwall.device.Availability;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceBackend;
import dev.memwall.device.DeviceException;
import dev.memwall.device.DeviceFailure;
import dev.memwall.device.Discovery;
import java.util.ArrayList;
import java.util.List;

/**
 * NVIDIA GPUs through NVML: context-free memory readings (total, reserved, used, free) and the processes holding
 * device memory (pid, bytes, compute or graphics), cheap enough to take every few seconds. Bandwidth is left to the cuda backend, which sees the same GPUs.
 */
public final class NvmlBackend implements DeviceBackend {

    public static final String ID = "nvml";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public int priority() {
        return 15;
    }

    @Override
    public Availability availability() {
        return Nvml.availability();
    }

    @Override
    public List<Device> devices() throws DeviceException {
        return discover().devices();
    }

    @Override
    public Discovery discover() throws DeviceException {
        Availability a = availability();
        if (!a.available()) {
            throw new DeviceException(a.reason());
        }
        IntByReference count = new IntByReference();
        Nvml.check(Nvml.api().nvmlDeviceGetCount_v2(count), "nvmlDeviceGetCount_v2", null);
        List<Device> devices = new ArrayList<>();
        List<DeviceFailure> failures = new ArrayList<>();
        for (int i = 0; i < count.getValue(); i++) {
            String id = ID + ":" + i;
            try {
                PointerByReference handle = new PointerByReference();
                Nvml.check(Nvml.api().nvmlDeviceGetHandleByIndex_v2(i, handle), "nvmlDeviceGetHandleByIndex_v2", id);
                devices.add(NvmlDevice.read(id, handle.getValue()));
            } catch (DeviceException e) {
                failures.add(new DeviceFailure(id, ID, e.getMessage()));
            }
        }
        return new Discovery(devices, failures);
    }
}
