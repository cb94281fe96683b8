package dev.memwall.gpu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** The peer on a GPU host: {@code nvidia-smi}'s own view of each GPU. */
final class NvidiaSmi {

    /** One GPU as nvidia-smi reports it; memory in MiB as it prints it. */
    record Gpu(int index, String name, String uuid, String pciBusId, long memoryTotalMib, long memoryUsedMib,
            long memoryFreeMib) {
    }

    private NvidiaSmi() {
    }

    static List<Gpu> query() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("nvidia-smi",
                "--query-gpu=index,name,uuid,pci.bus_id,memory.total,memory.used,memory.free",
                "--format=csv,noheader,nounits").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("nvidia-smi failed: " + out);
        }
        List<Gpu> gpus = new ArrayList<>();
        for (String line : out.strip().split("\n")) {
            String[] f = line.split(",\\s*");
            gpus.add(new Gpu(Integer.parseInt(f[0].trim()), f[1].trim(), f[2].trim(), normalizeBusId(f[3].trim()),
                    Long.parseLong(f[4].trim()), Long.parseLong(f[5].trim()), Long.parseLong(f[6].trim())));
        }
        return gpus;
    }

    /** nvidia-smi prints {@code 00000000:3B:00.0}; memwall prints {@code 0000:3b:00.0}. */
    static String normalizeBusId(String id) {
        String s = id.toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        String domain = s.substring(0, colon);
        return (domain.length() > 4 ? domain.substring(domain.length() - 4) : domain) + s.substring(colon);
    }
}
