package dev.memwall.device;

import java.util.List;

/**
 * What a backend found: the devices it can read, and those the driver lists but that failed.
 *
 * @param devices  readable devices
 * @param failures devices whose identity could not be read
 */
public record Discovery(List<Device> devices, List<DeviceFailure> failures) {

    public Discovery {
        devices = List.copyOf(devices);
        failures = List.copyOf(failures);
    }
}
