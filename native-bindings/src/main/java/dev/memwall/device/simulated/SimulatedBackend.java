package dev.memwall.device.simulated;

import dev.memwall.device.Availability;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceBackend;
import java.util.ArrayList;
import java.util.List;

/**
 * Devices that do not exist: what-if planning and CI. Always available; its devices report the catalog's (or
 * the SPEC's) numbers and never pretend to have measured anything. Not registered with the
 * {@link java.util.ServiceLoader}: simulation is asked for explicitly with SPECs.
 */
public final class SimulatedBackend implements DeviceBackend {

    public static final String ID = "simulated";

    private final List<SimulatedDeviceSpec> specs;

    public SimulatedBackend(List<SimulatedDeviceSpec> specs) {
        this.specs = List.copyOf(specs);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Availability availability() {
        return Availability.yes();
    }

    @Override
    public List<Device> devices() {
        List<Device> devices = new ArrayList<>();
        for (SimulatedDeviceSpec spec : specs) {
            for (int i = 0; i < spec.count(); i++) {
                devices.add(new SimulatedDevice("sim:" + devices.size(), spec));
            }
        }
        return List.copyOf(devices);
    }
}
