package dev.memwall.device.cuda;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed CUDA releases (frees, destroys, unloads, context pops and releases), counted for the whole process.
 * A release that fails may have left memory or a context behind on the device, so it is logged at warn and
 * counted, never dropped; callers still attempt every other release.
 */
final class CudaReleases {

    private static final Logger LOG = LoggerFactory.getLogger(CudaReleases.class);
    private static final AtomicLong FAILURES = new AtomicLong();
    private static final AtomicReference<String> LAST = new AtomicReference<>();

    private CudaReleases() {
    }

    /**
     * Records the result of a release call.
     *
     * @return whether the release succeeded
     */
    static boolean check(int result, String call, String deviceId) {
        if (result == Cu.CUDA_SUCCESS) {
            return true;
        }
        failed(call + " failed on " + deviceId + ": " + Cu.name(result) + " (" + result + ")");
        return false;
    }

    /** Records a release that threw instead of returning a code. */
    static void threw(String call, String deviceId, RuntimeException e) {
        failed(call + " failed on " + deviceId + ": " + e);
    }

    private static void failed(String message) {
        FAILURES.incrementAndGet();
        LAST.set(message);
        LOG.warn("{}; what it held may stay allocated on the device", message);
    }

    /** Release calls that failed since the process started. */
    static long failures() {
        return FAILURES.get();
    }

    /** The last failed release as one line, or null when none failed. */
    static String lastFailure() {
        return LAST.get();
    }
}
