package dev.memwall.device.cuda;

import dev.memwall.device.Availability;

/** Prints the cuda backend's availability from a fresh JVM, for tests that need one started with an environment. */
public final class PrintCudaAvailability {

    private PrintCudaAvailability() {
    }

    public static void main(String[] args) {
        Availability a = new CudaBackend().availability();
        System.out.println(a.available() ? "available" : a.reason());
    }
}
