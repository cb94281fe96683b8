package dev.memwall.device.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostProbeTest {

    @TempDir
    Path dir;

    @Test
    void theKernelsFiguresAgreeWithOshis() {
        assumeTrue(Files.isReadable(Path.of("/proc/meminfo")), "Linux /proc only");
        HostMemory kernel = HostProbe.read();
        HostMemory oshi = HostProbe.throughOshi();
        // The same MemTotal; MemAvailable moves between two readings, but not by a gigabyte.
        assertThat(kernel.totalBytes()).isEqualTo(oshi.totalBytes());
        assertThat(Math.abs(kernel.availableBytes() - oshi.availableBytes())).isLessThan(1L << 30);
        assertThat(kernel.hostname()).isEqualTo(oshi.hostname());
    }

    @Test
    void readsMeminfoAndTheHostname() throws IOException {
        Path meminfo = Files.writeString(dir.resolve("meminfo"),
                "MemTotal:       24683748 kB\nMemFree:         1000000 kB\nMemAvailable:   24175564 kB\n");
        Path host = Files.writeString(dir.resolve("hostname"), "gpu-node-7\n");
        HostMemory m = HostProbe.fromProc(meminfo, host);
        assertThat(m.totalBytes()).isEqualTo(24683748L * 1024);
        assertThat(m.availableBytes()).isEqualTo(24175564L * 1024);
        assertThat(m.hostname()).isEqualTo("gpu-node-7");
    }

    @Test
    void fallsBackWhenTheFilesSayNothingUsable() throws IOException {
        // An old kernel without MemAvailable, a garbled line, a missing file: OSHI's turn.
        Path old = Files.writeString(dir.resolve("old"), "MemTotal: 1000 kB\nMemFree: 10 kB\n");
        Path garbled = Files.writeString(dir.resolve("garbled"), "MemTotal: lots\nMemAvailable: 5 kB\n");
        assertThat(HostProbe.fromProc(old, dir.resolve("none"))).isNull();
        assertThat(HostProbe.fromProc(garbled, dir.resolve("none"))).isNull();
        assertThat(HostProbe.fromProc(dir.resolve("none"), dir.resolve("none"))).isNull();
        // Available larger than total (a racing kernel) is capped, and no hostname file is null.
        Path odd = Files.writeString(dir.resolve("odd"), "MemTotal: 1000 kB\nMemAvailable: 2000 kB\n");
        HostMemory m = HostProbe.fromProc(odd, dir.resolve("none"));
        assertThat(m.availableBytes()).isEqualTo(m.totalBytes());
        assertThat(m.hostname()).isNull();
    }
}
