package dev.memwall.device;

/**
 * Benchmarks check between passes whether their thread was interrupted (a daemon shutting down), and stop with
 * a {@link DeviceException}; their finally blocks then free what they took.
 */
public final class Cancellation {

    private Cancellation() {
    }

    /** Throws when the current thread was asked to stop; the interrupt stays set for the caller. */
    public static void check(String deviceId) throws DeviceException {
        if (Thread.currentThread().isInterrupted()) {
            throw new DeviceException("benchmark on " + deviceId + " stopped: shutting down");
        }
    }
}
