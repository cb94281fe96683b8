package dev.memwall.device.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CudaArchitecturesTest {

    @Test
    void coversVoltaToBlackwellWithASourceForEveryRow() {
        assertThat(CudaArchitectures.all().keySet()).contains("7.0", "7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "12.0");
        CudaArchitectures.all().values().forEach(r -> assertThat(r.source()).as(r.cc()).startsWith("https://"));
        assertThat(CudaArchitectures.find(9, 0)).get().extracting(CudaArchitectures.Row::architecture)
                .isEqualTo("Hopper");
        assertThat(CudaArchitectures.find(6, 1)).isEmpty();
    }

    /**
     * Worked examples: SM count, boost clock and the dense figure NVIDIA prints, from the whitepaper each row
     * names. SMs x clock x per-SM figure must give the printed figure within 0.5%.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "V100 SXM2 FP16, 7, 0, 80, 1530, fp16, 125.0e12",
        "T4 FP16, 7, 5, 40, 1590, fp16, 65.0e12",
        "T4 INT8, 7, 5, 40, 1590, int8, 130.0e12",
        "A100 FP16, 8, 0, 108, 1410, fp16, 312.0e12",
        "A100 INT8, 8, 0, 108, 1410, int8, 624.0e12",
        "RTX 3090 FP16, 8, 6, 82, 1695, fp16, 142.0e12",
        "RTX 4090 FP16, 8, 9, 128, 2520, fp16, 330.3e12",
        "RTX 4090 FP8, 8, 9, 128, 2520, fp8, 660.6e12",
        "H100 SXM5 FP16, 9, 0, 132, 1830, fp16, 989.4e12",
        "H100 SXM5 FP8, 9, 0, 132, 1830, fp8, 1978.9e12",
        "RTX 5090 FP16, 12, 0, 170, 2407, fp16, 419.0e12",
        "RTX 5090 FP8, 12, 0, 170, 2407, fp8, 838.0e12"})
    void reproducesPublishedPeaks(String card, int major, int minor, int sms, int mhz, String kind, double printed) {
        CudaArchitectures.Row row = CudaArchitectures.find(major, minor).orElseThrow();
        Long perClock = switch (kind) {
            case "fp16" -> row.fp16PerClockPerSm();
            case "fp8" -> row.fp8PerClockPerSm();
            default -> row.int8PerClockPerSm();
        };
        assertThat(perClock).as(card).isNotNull();
        assertThat(sms * (double) mhz * 1e6 * perClock).as(card).isCloseTo(printed, within(printed * 0.005));
    }

    @Test
    void uuidsAndBusIdsAreWrittenAsNvidiaSmiWritesThem() {
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) {
            b[i] = (byte) (0xa0 + i);
        }
        assertThat(CudaDevice.uuid(b)).isEqualTo("GPU-a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf");
        assertThat(dev.memwall.device.PciBusIds.normalize("0000:3B:00.0")).isEqualTo("0000:3b:00.0");
        assertThat(dev.memwall.device.PciBusIds.normalize("00000000:3B:00.0")).isEqualTo("0000:3b:00.0");
        assertThat(CudaDevice.version(12060)).isEqualTo("12.6");
        assertThat(CudaDevice.version(13000)).isEqualTo("13.0");
    }
}
