package dev.memwall.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeviceProcessTest {

    @Test
    void unknownMemoryIsNullAndZeroIsZero() {
        assertThat(new DeviceProcess(4242, null, DeviceProcess.COMPUTE).usedBytes()).isNull();
        assertThat(new DeviceProcess(0, 0L, DeviceProcess.GRAPHICS).usedBytes()).isZero();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "-5   | 1    | compute | pid must be >= 0, was -5",
        "4242 | -1   | compute | usedBytes must be >= 0 or null, was -1",
        "4242 | 1    | video   | kind must be compute or graphics, was video",
        "4242 | 1    | null    | kind must be compute or graphics, was null",
    })
    void impossibleValuesAreRefused(long pid, Long usedBytes, String kind, String message) {
        assertThatThrownBy(() -> new DeviceProcess(pid, usedBytes, kind))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }
}
