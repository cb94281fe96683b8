package dev.memwall.device.opencl;

import org.jocl.CL;

/**
 * Starts the OpenCL runtime without logging: JOCL's native library, the system's loader and its platforms'
 * initialisation (a CPU driver such as PoCL takes about 0.1 s in its first {@code clGetPlatformIDs}). For a short
 * command that starts this before its logging is set up, so that the two overlap: a class with a logger must not
 * be touched then (SLF4J hands out stand-in loggers while it initialises, and warns when they were used). What
 * happens here is only begun early; {@link OpenClBackend#availability()} asks again and reports.
 */
public final class OpenClRuntime {

    private OpenClRuntime() {
    }

    /** Loads the runtime and asks for its platforms once; any failure is left for the backend to meet and say. */
    public static void start() {
        try {
            CL.setExceptionsEnabled(false);
            CL.clGetPlatformIDs(0, null, new int[1]);
        } catch (RuntimeException | LinkageError e) {
            // reported by OpenClBackend.availability()
        }
    }
}
