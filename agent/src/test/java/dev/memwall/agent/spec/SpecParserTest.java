package dev.memwall.agent.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memwall.agent.cli.BadInputException;
import dev.memwall.device.simulated.HardwareCatalog;
import dev.memwall.device.simulated.SimulatedDeviceSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecParserTest {

    private final SpecParser parser = new SpecParser(HardwareCatalog.builtIn());

    @Test
    void catalogIdAlone() {
        SimulatedDeviceSpec s = parser.parse("h100-sxm");
        assertThat(s.catalogId()).isEqualTo("h100-sxm");
        assertThat(s.totalBytes()).isEqualTo(85_045_477_376L);
        assertThat(s.freeBytes()).isEqualTo(s.totalBytes());
        assertThat(s.bandwidthBytesPerSecond()).isEqualTo(3_350_000_000_000L);
        assertThat(s.count()).isEqualTo(1);
    }

    @Test
    void freeOverride() {
        SimulatedDeviceSpec s = parser.parse("rtx-4090:free=10GiB");
        assertThat(s.freeBytes()).isEqualTo(10L << 30);
        assertThat(s.totalBytes()).isEqualTo(25_386_352_640L);
    }

    @Test
    void countOverride() {
        assertThat(parser.parse("a100-80gb:count=8").count()).isEqualTo(8);
    }

    @Test
    void customDevice() {
        SimulatedDeviceSpec s = parser.parse("custom:total=48GiB,bandwidth=960GB/s,flops=180TFLOPS");
        assertThat(s.catalogId()).isNull();
        assertThat(s.name()).isEqualTo("custom");
        assertThat(s.totalBytes()).isEqualTo(48L << 30);
        assertThat(s.bandwidthBytesPerSecond()).isEqualTo(960_000_000_000L);
        assertThat(s.fp16DenseFlops()).isEqualTo(180_000_000_000_000L);
    }

    @Test
    void overridesOnACatalogEntry() {
        SimulatedDeviceSpec s = parser.parse("H100-SXM:total=94GB,bandwidth=3.9TB/s");
        assertThat(s.totalBytes()).isEqualTo(94_000_000_000L);
        assertThat(s.freeBytes()).isEqualTo(94_000_000_000L);
        assertThat(s.bandwidthBytesPerSecond()).isEqualTo(3_900_000_000_000L);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "h100-sxm:free=lots | bad SPEC 'h100-sxm:free=lots': free=lots: 'lots' is not a size; give a number with a unit (B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)",
        "rtx-4090:free=30GiB | bad SPEC 'rtx-4090:free=30GiB': free=30GiB is larger than the total (23.64 GiB)",
        "h100-sxm:total=0GiB | bad SPEC 'h100-sxm:total=0GiB': total=0GiB: '0GiB' is zero; a size must be > 0",
        "h100-sxm:total=-80GiB | bad SPEC 'h100-sxm:total=-80GiB': total=-80GiB: '-80GiB' is negative; a size must be > 0",
        "h100-sxm:free=0B | bad SPEC 'h100-sxm:free=0B': free=0B: '0B' is zero; a size must be > 0",
        "h100-sxm:colour=red | bad SPEC 'h100-sxm:colour=red': unknown key 'colour'; keys are total, free, bandwidth, flops, count",
        "h100-sxm:free | bad SPEC 'h100-sxm:free': 'free' is not KEY=VALUE",
        "h100-sxm: | bad SPEC 'h100-sxm:': nothing after ':'; give KEY=VALUE pairs (keys: total, free, bandwidth, flops, count)",
        "h100-sxm:count=0 | bad SPEC 'h100-sxm:count=0': count=0 must be between 1 and 1024",
        "h100-sxm:count=two | bad SPEC 'h100-sxm:count=two': count=two is not a whole number (ASCII digits)",
        "h100-sxm:free=1GiB,free=2GiB | bad SPEC 'h100-sxm:free=1GiB,free=2GiB': key 'free' given twice",
        "h100-sxm:bandwidth=3TB | bad SPEC 'h100-sxm:bandwidth=3TB': bandwidth=3TB: '3TB' is not a bandwidth; use B/s, KB/s, MB/s, GB/s, TB/s, or the KiB/s family",
        "custom:total=48GiB | bad SPEC 'custom:total=48GiB': custom needs bandwidth=..., e.g. custom:total=48GiB,bandwidth=960GB/s,flops=180TFLOPS",
        "h100 | bad SPEC 'h100': unknown catalog id 'h100'; did you mean h100-pcie, h100-sxm, h100-nvl? ('memwall gpus' lists them; 'custom:total=...,bandwidth=...' describes any other)",
        "zz-9000 | bad SPEC 'zz-9000': unknown catalog id 'zz-9000' ('memwall gpus' lists them; 'custom:total=...,bandwidth=...' describes any other)"})
    void rejectsBadSpecs(String spec, String message) {
        assertThatThrownBy(() -> parser.parse(spec)).isInstanceOf(BadInputException.class).hasMessage(message);
    }
}
