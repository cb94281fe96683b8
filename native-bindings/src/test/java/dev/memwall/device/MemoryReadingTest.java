package dev.memwall.device;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MemoryReadingTest {

    @Test
    void freeCannotExceedTotal() {
        assertThatThrownBy(() -> new MemoryReading(100, 101L, null, null, null))
                .hasMessage("freeBytes must be within [0, totalBytes=100], was 101");
    }

    @Test
    void totalMustBePositive() {
        assertThatThrownBy(() -> MemoryReading.totalOnly(0)).hasMessage("totalBytes must be > 0, was 0");
    }

    @Test
    void anUnavailableBackendSaysWhy() {
        assertThatThrownBy(() -> Availability.no(" ")).hasMessage("an unavailable backend must say why, reason was blank");
    }
}
