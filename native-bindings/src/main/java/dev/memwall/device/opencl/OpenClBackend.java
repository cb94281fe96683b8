package dev.memwall.device.opencl;

import dev.memwall.device.Availability;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceBackend;
import dev.memwall.device.DeviceException;
import java.util.ArrayList;
import java.util.List;
import org.jocl.CL;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** Every device of every OpenCL platform, through JOCL. */
public final class OpenClBackend implements DeviceBackend {

    public static final String ID = "opencl";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public Availability availability() {
        return OpenClLibrary.availability();
    }

    @Override
    public List<Device> devices() throws DeviceException {
        Availability availability = availability();
        if (!availability.available()) {
            throw new DeviceException(availability.reason());
        }
        int[] count = new int[1];
        ClCalls.check(CL.clGetPlatformIDs(0, null, count), "clGetPlatformIDs", null);
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        ClCalls.check(CL.clGetPlatformIDs(platforms.length, platforms, null), "clGetPlatformIDs", null);
        List<Device> devices = new ArrayList<>();
        for (int p = 0; p < platforms.length; p++) {
            String platformName = ClCalls.platformString(platforms[p], CL.CL_PLATFORM_NAME);
            int[] deviceCount = new int[1];
            int rc = CL.clGetDeviceIDs(platforms[p], CL.CL_DEVICE_TYPE_ALL, 0, null, deviceCount);
            if (rc == CL.CL_DEVICE_NOT_FOUND) {
                continue;
            }
            ClCalls.check(rc, "clGetDeviceIDs", "opencl platform " + p);
            cl_device_id[] ids = new cl_device_id[deviceCount[0]];
            ClCalls.check(CL.clGetDeviceIDs(platforms[p], CL.CL_DEVICE_TYPE_ALL, ids.length, ids, null),
                    "clGetDeviceIDs", "opencl platform " + p);
            for (int d = 0; d < ids.length; d++) {
                devices.add(OpenClDevice.read(ID + ":" + p + "." + d, platformName, ids[d]));
            }
        }
        return List.copyOf(devices);
    }
}
