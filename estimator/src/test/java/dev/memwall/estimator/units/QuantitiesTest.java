package dev.memwall.estimator.units;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuantitiesTest {

    @ParameterizedTest
    @CsvSource({
        "48GiB, 51539607552",
        "48 GiB, 51539607552",
        "10gib, 10737418240",
        "80GB, 80000000000",
        "1.5TB, 1500000000000",
        "512MiB, 536870912",
        "1KiB, 1024",
        "4096B, 4096",
        "0.5KB, 500"})
    void parsesSizes(String text, long bytes) {
        assertThat(Quantities.parseBytes(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @CsvSource({
        "960GB/s, 960000000000",
        "3.35TB/s, 3350000000000",
        "1GiB/s, 1073741824"})
    void parsesRates(String text, long bytesPerSecond) {
        assertThat(Quantities.parseBytesPerSecond(text)).isEqualTo(bytesPerSecond);
    }

    @ParameterizedTest
    @CsvSource({
        "180TFLOPS, 180000000000000",
        "989.4TFLOPS, 989400000000000",
        "2PFLOPS, 2000000000000000"})
    void parsesFlops(String text, long flops) {
        assertThat(Quantities.parseFlops(text)).isEqualTo(flops);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "lots | 'lots' is not a size; give a number with a unit (B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)",
        "48 | '48' has no unit; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB",
        "0GiB | '0GiB' is zero; a size must be > 0",
        "-5GiB | '-5GiB' is negative; a size must be > 0",
        "5XB | '5XB' has an unknown unit 'XB'; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB",
        "99999999999TiB | '99999999999TiB' is too large",
        "5GB/s | '5GB/s' has an unknown unit 'GB/s'; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB"})
    void rejectsBadSizes(String text, String message) {
        assertThatThrownBy(() -> Quantities.parseBytes(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void rejectsARateWithoutPerSecond() {
        assertThatThrownBy(() -> Quantities.parseBytesPerSecond("960GB"))
                .hasMessage("'960GB' is not a bandwidth; use B/s, KB/s, MB/s, GB/s, TB/s, or the KiB/s family");
    }

    @Test
    void rejectsEmpty() {
        assertThatThrownBy(() -> Quantities.parseBytes(" "))
                .hasMessage("empty size; give a number with a unit (B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)");
    }

    @Test
    void printsWithUnits() {
        assertThat(Quantities.gib(85_045_477_376L)).isEqualTo("79.20 GiB");
        assertThat(Quantities.mib(469_762_048L)).isEqualTo("448 MiB");
        assertThat(Quantities.gbPerSecond(3.35e12)).isEqualTo("3350 GB/s");
        assertThat(Quantities.gbPerSecond(29.87e9)).isEqualTo("29.9 GB/s");
        assertThat(Quantities.gbPerSecond(5.123e9)).isEqualTo("5.12 GB/s");
        assertThat(Quantities.tflops(989e12)).isEqualTo("989 TFLOPS");
        assertThat(Quantities.tflops(82.6e12)).isEqualTo("82.6 TFLOPS");
    }
}
