package dev.memwall.device.simulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HardwareCatalogTest {

    private static final String HEADER = String.join(",", HardwareCatalog.HEADER);
    private final HardwareCatalog catalog = HardwareCatalog.builtIn();

    @Test
    void coversTheAcceleratorsUsersAskAbout() {
        assertThat(catalog.all()).hasSizeGreaterThanOrEqualTo(20);
        List<String> ids = catalog.all().stream().map(GpuModel::id).toList();
        assertThat(ids).contains("v100-16gb", "a10", "l4", "l40s", "a100-40gb", "a100-80gb", "h100-pcie", "h100-sxm",
                "h200", "b200", "rtx-3090", "rtx-4090", "rtx-5090", "mi250x", "mi300x", "mi325x");
        assertThat(ids).anyMatch(id -> id.startsWith("m1-") || id.startsWith("m2-") || id.startsWith("m3-"));
    }

    @Test
    void everyNumberHasASource() {
        for (GpuModel m : catalog.all()) {
            assertThat(m.sources().memoryTotal()).as(m.id() + " memory source").isNotBlank();
            assertThat(m.sources().bandwidth()).as(m.id() + " bandwidth source").isNotBlank();
            assertThat(m.busWidthBits() == null).as(m.id() + " bus width source")
                    .isEqualTo(m.sources().busWidth() == null);
            assertThat(m.fp16DenseFlops() == null).as(m.id() + " fp16 source").isEqualTo(m.sources().fp16() == null);
            assertThat(m.fp8DenseFlops() == null).as(m.id() + " fp8 source").isEqualTo(m.sources().fp8() == null);
            assertThat(m.memoryType()).as(m.id() + " memory type").isNotBlank();
        }
    }

    @Test
    void numbersAgreeWithPublishedFacts() {
        // CUDA deviceQuery on an H100 80GB HBM3 prints 85045477376 bytes, 5120-bit bus
        // (github:thamada/nvidia-smi/gls/H100SXMx8_deviceQuery.py@c4c8a463a61e4ac67e3d7956da104b302760a498).
        GpuModel h100 = catalog.find("h100-sxm").orElseThrow();
        assertThat(h100.memoryTotalBytes()).isEqualTo(85_045_477_376L);
        assertThat(h100.busWidthBits()).isEqualTo(5120);
        // NVIDIA's H100 SXM datasheet: 3.35 TB/s, 989 dense BF16/FP16 TFLOPS.
        assertThat(h100.bandwidthBytesPerSecond()).isEqualTo(3_350_000_000_000L);
        assertThat(h100.fp16DenseFlops()).isEqualTo(989_000_000_000_000L);
        // RTX 4090: 1008 GB/s on a 384-bit bus (NVIDIA's spec sheet; deviceQuery bus width).
        GpuModel rtx4090 = catalog.find("rtx-4090").orElseThrow();
        assertThat(rtx4090.bandwidthBytesPerSecond()).isEqualTo(1_008_000_000_000L);
        assertThat(rtx4090.busWidthBits()).isEqualTo(384);
        // MI300X: 192 GB HBM3 at 5.3 TB/s (AMD's MI300X OAM data sheet).
        GpuModel mi300x = catalog.find("mi300x").orElseThrow();
        assertThat(mi300x.bandwidthBytesPerSecond()).isEqualTo(5_300_000_000_000L);
        assertThat(mi300x.memoryTotalBytes()).isEqualTo(192L << 30);
    }

    @Test
    void bandwidthMatchesBusWidthTimesDataRateWhereKnown() {
        // For a DDR-style memory, bandwidth = bus bytes x data rate: every card's figure implies a per-pin data
        // rate within the range real memories have (0.8 to 32 Gbit/s per pin).
        for (GpuModel m : catalog.all()) {
            if (m.busWidthBits() != null) {
                double gbitPerPin = m.bandwidthBytesPerSecond() * 8.0 / m.busWidthBits() / 1e9;
                assertThat(gbitPerPin).as(m.id()).isBetween(0.8, 32.0);
            }
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "H100,X,nvidia,HBM3,100,src,,,200,src,,,,,,,,, | gpus.csv line 2: id must be lowercase with dashes, was 'H100'",
        "a,A,nvidia,HBM3,100,,,,200,src,,,,,,,,, | gpus.csv line 2: memory_total_bytes has no memory_total_source",
        "a,A,nvidia,HBM3,100,src,,,200,src,5e3,src,,,,,,, | gpus.csv line 2: fp16_dense_flops is not an integer: '5e3'",
        "a,A,nvidia,HBM3,100,src,,src,200,src,,,,,,,,, | gpus.csv line 2: bus_width_source given without bus_width_bits",
        "a,A,nvidia,HBM3,100,src,,,200,src,,, | gpus.csv line 2: expected 19 fields, found 13",
        "a,A,nvidia,HBM3,100,src,,,-2,src,,,,,,,,, | gpus.csv line 2: bandwidth_bytes_per_second must be > 0, was -2",
        "a,A,nvidia,HBM3,,,,,200,src,,,,,,,,, | gpus.csv line 2: memory_total_bytes and bandwidth_bytes_per_second are required",
        "a,\"A\"x,nvidia,HBM3,100,src,,,200,src,,,,,,,,, | gpus.csv line 2: text after a closing quote at column 6",
        "a,A,nvidia,HBM3,100,src,,,200,src,,,,,,9.0,,, | gpus.csv line 2: compute_capability and its source go together",
        "a,A,nvidia,HBM3,100,src,,,200,src,,,,,,sm90,src,, | gpus.csv line 2: compute_capability must be MAJOR.MINOR, was 'sm90'",
        "a,A,amd,HBM3,100,src,,,200,src,,,,,,,,2, | gpus.csv line 2: devices_per_package has no devices_per_package_source"})
    void rejectsBadRows(String row, String message) {
        assertThatThrownBy(() -> HardwareCatalog.parse(HEADER + "\n" + row + "\n", "gpus.csv"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void rejectsDuplicateIds() {
        String row = "a,A,nvidia,HBM3,100,src,,,200,src,,,,,,,,,";
        assertThatThrownBy(() -> HardwareCatalog.parse(HEADER + "\n" + row + "\n" + row + "\n", "gpus.csv"))
                .hasMessage("gpus.csv line 3: duplicate id a");
    }

    @Test
    void readsQuotedFieldsAndComments() {
        HardwareCatalog c = HardwareCatalog.parse("# comment\n" + HEADER
                + "\na,\"A, \"\"quoted\"\"\",nvidia,HBM3,100,\"src, with comma\",,,200,src,,,,,,,,,\n", "t");
        assertThat(c.find("a").orElseThrow().name()).isEqualTo("A, \"quoted\"");
        assertThat(c.find("a").orElseThrow().sources().memoryTotal()).isEqualTo("src, with comma");
    }

    @Test
    void nvidiaRowsNameTheirComputeCapabilityAndAnMi250xIsTwoDevices() {
        for (GpuModel m : catalog.all()) {
            assertThat(m.computeCapability() != null).as(m.id()).isEqualTo(m.vendor().equals("nvidia"));
        }
        assertThat(catalog.find("h100-sxm").orElseThrow().computeCapability()).isEqualTo("9.0");
        assertThat(catalog.find("rtx-4090").orElseThrow().computeCapability()).isEqualTo("8.9");
        // ROCm enumerates each of an MI250X's two GCDs as a GPU of 64 GB (AMD's MI250 system acceptance guide).
        SimulatedDeviceSpec gcd = SimulatedDeviceSpec.of(catalog.find("mi250x").orElseThrow());
        assertThat(gcd.count()).isEqualTo(2);
        assertThat(gcd.totalBytes()).isEqualTo(64L << 30);
        assertThat(gcd.bandwidthBytesPerSecond()).isEqualTo(1_600_000_000_000L);
    }
}
