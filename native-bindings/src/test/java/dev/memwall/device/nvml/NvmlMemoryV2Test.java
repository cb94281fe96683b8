package dev.memwall.device.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memwall.device.DeviceException;
import dev.memwall.device.MemoryReading;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How a v2 memory struct's four fields become a reading; no library needed. */
class NvmlMemoryV2Test {

    static final long GIB = 1L << 30;
    static final long MIB = 1L << 20;

    @Test
    void partsThatAddUpCarryNoNote() throws Exception {
        MemoryReading m = NvmlDevice.v2Reading("nvml:0", 80 * GIB, 512 * MIB, 70 * GIB, 10 * GIB - 512 * MIB);
        assertThat(m.notes()).isEmpty();
        assertThat(m.reservedBytes() + m.usedBytes() + m.freeBytes()).isEqualTo(m.totalBytes());
    }

    @Test
    void partsThatDoNotAddUpAreKeptAndTheGapIsStated() throws Exception {
        // 80 GiB = 85899345920 bytes; used is 1 MiB more than total - reserved - free.
        MemoryReading m = NvmlDevice.v2Reading("nvml:0", 80 * GIB, 512 * MIB, 70 * GIB, 10 * GIB - 512 * MIB + MIB);
        assertThat(m.totalBytes()).isEqualTo(80 * GIB);
        assertThat(m.reservedBytes()).isEqualTo(512 * MIB);
        assertThat(m.freeBytes()).isEqualTo(70 * GIB);
        assertThat(m.usedBytes()).isEqualTo(10 * GIB - 511 * MIB);
        assertThat(m.notes()).containsExactly("nvmlDeviceGetMemoryInfo_v2 parts do not add up: total 85899345920 "
                + "!= reserved + used + free (off by -1048576 bytes); shown as the driver reports them");
    }

    @Test
    void theLargestGapThePartsAllowIsExact() throws Exception {
        // Every part equal to the total: off by -2 x total, the most negative gap possible.
        long total = Long.MAX_VALUE / 2;
        MemoryReading m = NvmlDevice.v2Reading("nvml:0", total, total, total, total);
        assertThat(m.notes()).containsExactly("nvmlDeviceGetMemoryInfo_v2 parts do not add up: total " + total
                + " != reserved + used + free (off by " + (-2 * total) + " bytes); shown as the driver reports them");
    }

    /** Fields are unsigned in C: -1 here is 2^64 - 1 there. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1000 | -1   | 0    | 0    | nvmlDeviceGetMemoryInfo_v2 on nvml:3 reported reserved 18446744073709551615 bytes, outside [0, total 1000]",
        "1000 | 0    | 1001 | 0    | nvmlDeviceGetMemoryInfo_v2 on nvml:3 reported free 1001 bytes, outside [0, total 1000]",
        "1000 | 0    | 0    | 1001 | nvmlDeviceGetMemoryInfo_v2 on nvml:3 reported used 1001 bytes, outside [0, total 1000]",
        "0    | 0    | 0    | 0    | nvmlDeviceGetMemoryInfo_v2 on nvml:3 reported a total of 0 bytes",
        "-1   | 0    | 0    | 0    | nvmlDeviceGetMemoryInfo_v2 on nvml:3 reported a total of 18446744073709551615 bytes",
    })
    void aPartOutsideTheTotalIsAnError(long total, long reserved, long free, long used, String message) {
        assertThatThrownBy(() -> NvmlDevice.v2Reading("nvml:3", total, reserved, free, used))
                .isInstanceOf(DeviceException.class).hasMessage(message);
    }
}
