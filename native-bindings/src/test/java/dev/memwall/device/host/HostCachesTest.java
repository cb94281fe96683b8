package dev.memwall.device.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostCachesTest {

    @TempDir
    Path cpus;

    private void cache(int cpu, int index, String level, String type, String size, String shared) throws IOException {
        Path dir = Files.createDirectories(cpus.resolve("cpu" + cpu + "/cache/index" + index));
        Files.writeString(dir.resolve("level"), level + "\n");
        Files.writeString(dir.resolve("type"), type + "\n");
        Files.writeString(dir.resolve("size"), size + "\n");
        Files.writeString(dir.resolve("shared_cpu_list"), shared + "\n");
    }

    @Test
    void sumsEachLastLevelInstanceOnce() throws IOException {
        // Two core complexes of two cores, each with its own 32 MiB L3; private L1/L2 per core.
        for (int cpu = 0; cpu < 4; cpu++) {
            cache(cpu, 0, "1", "Data", "48K", String.valueOf(cpu));
            cache(cpu, 1, "1", "Instruction", "32K", String.valueOf(cpu));
            cache(cpu, 2, "2", "Unified", "1024K", String.valueOf(cpu));
            cache(cpu, 3, "3", "Unified", "32768K", cpu < 2 ? "0-1" : "2-3");
        }
        assertThat(HostCaches.lastLevelBytes(cpus)).isEqualTo(64L << 20);
    }

    @Test
    void unknownWhenTheKernelSaysNothing() throws IOException {
        Files.createDirectories(cpus.resolve("cpu0"));
        Files.createDirectories(cpus.resolve("cpu1"));
        assertThat(HostCaches.lastLevelBytes(cpus)).isNull();
        assertThat(HostCaches.lastLevelBytes(cpus.resolve("absent"))).isNull();
    }

    @Test
    void ignoresWhatIsNotASize() throws IOException {
        cache(0, 0, "3", "Unified", "lots", "0");
        cache(1, 0, "3", "Unified", "-1K", "1");
        cache(2, 0, "2", "Unified", "2M", "2");
        assertThat(HostCaches.lastLevelBytes(cpus)).isEqualTo(2L << 20);
        assertThat(HostCaches.parseSize("1G")).isEqualTo(1L << 30);
        assertThat(HostCaches.parseSize("512")).isEqualTo(512L);
        assertThat(HostCaches.parseSize("99999999999G")).isNull();
        assertThat(HostCaches.parseSize("")).isNull();
    }
}
