package dev.memwall.device;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/** The hardware backends on the class path, highest priority first. */
public final class Backends {

    private Backends() {
    }

    /** Every real hardware backend registered through {@link ServiceLoader} (never the simulated one). */
    public static List<DeviceBackend> hardware() {
        List<DeviceBackend> found = new ArrayList<>();
        for (DeviceBackend backend : ServiceLoader.load(DeviceBackend.class, Backends.class.getClassLoader())) {
            found.add(backend);
        }
        found.sort(Comparator.comparingInt(DeviceBackend::priority).reversed()
                .thenComparing(DeviceBackend::id));
        return List.copyOf(found);
    }
}
