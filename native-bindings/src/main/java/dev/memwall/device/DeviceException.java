package dev.memwall.device;

/**
 * A driver call failed. Carries the call, the driver's code and its name, and the device, so one line
 * tells a user what went wrong and where.
 */
public final class DeviceException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final Integer code;
    private final String codeName;
    private final String deviceId;

    public DeviceException(String message) {
        this(message, null, null, null, null, null);
    }

    public DeviceException(String message, Throwable cause) {
        this(message, null, null, null, null, cause);
    }

    public DeviceException(String message, String call, Integer code, String codeName, String deviceId,
            Throwable cause) {
        super(message, cause);
        this.call = call;
        this.code = code;
        this.codeName = codeName;
        this.deviceId = deviceId;
    }

    /** A driver call that returned an error code. */
    public static DeviceException ofCall(String call, int code, String codeName, String deviceId) {
        String where = deviceId == null ? "" : " on " + deviceId;
        return new DeviceException(call + " failed" + where + ": " + codeName + " (" + code + ")",
                call, code, codeName, deviceId, null);
    }

    /** A driver call that returned an error code, with what the driver said beyond the code (e.g. a compiler log). */
    public static DeviceException ofCall(String call, int code, String codeName, String deviceId, String detail) {
        DeviceException plain = ofCall(call, code, codeName, deviceId);
        if (detail == null || detail.isBlank()) {
            return plain;
        }
        return new DeviceException(plain.getMessage() + "; " + detail, call, code, codeName, deviceId, null);
    }

    /** The driver call that failed, or null when the failure was not a call. */
    public String call() {
        return call;
    }

    /** The driver's error code, or null. */
    public Integer code() {
        return code;
    }

    /** The name of the driver's error code, or null. */
    public String codeName() {
        return codeName;
    }

    /** The device the call was made for, or null when it was not device-specific. */
    public String deviceId() {
        return deviceId;
    }
}
