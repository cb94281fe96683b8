package dev.memwall.device;

/** What kind of processor a device is, as its driver reports it. */
public enum DeviceType {
    GPU, CPU, ACCELERATOR, OTHER;

    /** The lowercase word used in JSON and tables. */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
