package dev.memwall.device.opencl;

import dev.memwall.device.DeviceException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** Checked OpenCL calls: every return code goes through {@link #check}, which names the call and the device. */
final class ClCalls {

    /** From cl_khr_icd: the loader found no platform. */
    static final int CL_PLATFORM_NOT_FOUND_KHR = -1001;

    private ClCalls() {
    }

    static void check(int rc, String call, String deviceId) throws DeviceException {
        if (rc != CL.CL_SUCCESS) {
            throw DeviceException.ofCall(call, rc, name(rc), deviceId);
        }
    }

    static String name(int rc) {
        if (rc == CL_PLATFORM_NOT_FOUND_KHR) {
            return "CL_PLATFORM_NOT_FOUND_KHR";
        }
        String name = CL.stringFor_errorCode(rc);
        return name == null || name.startsWith("INVALID") ? "CL error" : name;
    }

    static String platformString(cl_platform_id platform, int param) throws DeviceException {
        long[] size = new long[1];
        check(CL.clGetPlatformInfo(platform, param, 0, null, size), "clGetPlatformInfo", null);
        byte[] bytes = new byte[(int) size[0]];
        check(CL.clGetPlatformInfo(platform, param, bytes.length, Pointer.to(bytes), null), "clGetPlatformInfo", null);
        return cString(bytes);
    }

    static String deviceString(cl_device_id device, int param, String deviceId) throws DeviceException {
        long[] size = new long[1];
        check(CL.clGetDeviceInfo(device, param, 0, null, size), "clGetDeviceInfo", deviceId);
        byte[] bytes = new byte[(int) size[0]];
        check(CL.clGetDeviceInfo(device, param, bytes.length, Pointer.to(bytes), null), "clGetDeviceInfo", deviceId);
        return cString(bytes);
    }

    static long deviceLong(cl_device_id device, int param, String deviceId) throws DeviceException {
        long[] value = new long[1];
        check(CL.clGetDeviceInfo(device, param, Sizeof.cl_ulong, Pointer.to(value), null), "clGetDeviceInfo",
                deviceId);
        return value[0];
    }

    static int deviceInt(cl_device_id device, int param, String deviceId) throws DeviceException {
        int[] value = new int[1];
        check(CL.clGetDeviceInfo(device, param, Sizeof.cl_uint, Pointer.to(value), null), "clGetDeviceInfo",
                deviceId);
        return value[0];
    }

    static long deviceSizeT(cl_device_id device, int param, String deviceId) throws DeviceException {
        if (Sizeof.size_t == Sizeof.cl_ulong) {
            return deviceLong(device, param, deviceId);
        }
        return Integer.toUnsignedLong(deviceInt(device, param, deviceId));
    }

    /** Raw bytes of a device query in native byte order, or null when the driver rejects the query. */
    static ByteBuffer deviceBytes(cl_device_id device, int param, int size) {
        byte[] bytes = new byte[size];
        int rc = CL.clGetDeviceInfo(device, param, size, Pointer.to(bytes), null);
        if (rc != CL.CL_SUCCESS) {
            return null;
        }
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    }

    private static String cString(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8).trim();
    }
}
