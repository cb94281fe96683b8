package dev.memwall.gpu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The peer on a GPU host: {@code nvidia-smi}'s own view of each GPU. */
final class NvidiaSmi {

    /** One GPU as nvidia-smi reports it; memory in MiB as it prints it. */
    record Gpu(int index, String name, String uuid, String pciBusId, long memoryTotalMib, long memoryReservedMib,
            long memoryUsedMib, long memoryFreeMib) {
    }

    /** True when nvidia-smi runs and lists at least one GPU. */
    static boolean present() {
        try {
            return !query().isEmpty();
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Process ids with a compute context, as {@code nvidia-smi --query-compute-apps} lists them. */
    static List<Long> computeApps() throws IOException, InterruptedException {
        String out = run("nvidia-smi", "--query-compute-apps=pid", "--format=csv,noheader");
        List<Long> pids = new ArrayList<>();
        for (String line : out.strip().split("\n")) {
            if (!line.isBlank() && line.strip().matches("\\d+")) {
                pids.add(Long.parseLong(line.strip()));
            }
        }
        return pids;
    }

    static String run(String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(command[0] + " could not be started: " + e.getMessage(), e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    private NvidiaSmi() {
    }

    static List<Gpu> query() throws IOException, InterruptedException {
        String out = run("nvidia-smi",
                "--query-gpu=index,name,uuid,pci.bus_id,memory.total,memory.reserved,memory.used,memory.free",
                "--format=csv,noheader,nounits");
        List<Gpu> gpus = new ArrayList<>();
        for (String line : out.strip().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",\\s*");
            gpus.add(new Gpu(Integer.parseInt(f[0].trim()), f[1].trim(), f[2].trim(), dev.memwall.device.PciBusIds.normalize(f[3].trim()),
                    Long.parseLong(f[4].trim()), Long.parseLong(f[5].trim()), Long.parseLong(f[6].trim()),
                    Long.parseLong(f[7].trim())));
        }
        return gpus;
    }

}
