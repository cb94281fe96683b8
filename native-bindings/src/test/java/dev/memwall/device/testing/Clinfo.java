package dev.memwall.device.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs {@code clinfo --raw}, the peer tool, and reads each device's name and global memory size. */
public final class Clinfo {

    /** One device as clinfo prints it. */
    public record ClDevice(String key, String name, long globalMemSize) {
    }

    private static final Pattern LINE = Pattern.compile("^\\[([^\\]]+)]\\s+(CL_DEVICE_NAME|CL_DEVICE_GLOBAL_MEM_SIZE)\\s+(.*)$");

    private Clinfo() {
    }

    /** True when a clinfo binary answers. */
    public static boolean present() {
        try {
            Process p = new ProcessBuilder("clinfo", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Every device clinfo lists, in its order. */
    public static List<ClDevice> devices() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("clinfo", "--raw").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("clinfo --raw failed: " + out);
        }
        return parse(out);
    }

    static List<ClDevice> parse(String raw) {
        Map<String, String[]> byKey = new LinkedHashMap<>();
        for (String line : raw.split("\n")) {
            Matcher m = LINE.matcher(line.strip());
            if (!m.matches() || m.group(1).endsWith("/*")) {
                continue;
            }
            String[] v = byKey.computeIfAbsent(m.group(1), k -> new String[2]);
            if (m.group(2).equals("CL_DEVICE_NAME")) {
                v[0] = m.group(3).strip();
            } else {
                v[1] = m.group(3).strip();
            }
        }
        List<ClDevice> devices = new ArrayList<>();
        byKey.forEach((k, v) -> {
            if (v[0] != null && v[1] != null) {
                devices.add(new ClDevice(k, v[0], Long.parseLong(v[1])));
            }
        });
        return devices;
    }
}
