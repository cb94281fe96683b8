package dev.memwall.device;

/**
 * A process holding a context on a device, as the driver lists it.
 *
 * @param pid        the process id (the driver's view: inside a container it may be the host's id)
 * @param usedBytes  device memory the driver attributes to the process, or null when it does not say
 *                   (MIG without the privileges for aggregate figures, Windows WDDM, no permission)
 * @param kind       {@link #COMPUTE} (e.g. a CUDA context) or {@link #GRAPHICS} (e.g. OpenGL, Vulkan)
 */
public record DeviceProcess(long pid, Long usedBytes, String kind) {

    public static final String COMPUTE = "compute";
    public static final String GRAPHICS = "graphics";

    public DeviceProcess {
        if (pid < 0) {
            throw new IllegalArgumentException("pid must be >= 0, was " + pid);
        }
        if (usedBytes != null && usedBytes < 0) {
            throw new IllegalArgumentException("usedBytes must be >= 0 or null, was " + usedBytes);
        }
        if (!COMPUTE.equals(kind) && !GRAPHICS.equals(kind)) {
            throw new IllegalArgumentException("kind must be compute or graphics, was " + kind);
        }
    }
}
