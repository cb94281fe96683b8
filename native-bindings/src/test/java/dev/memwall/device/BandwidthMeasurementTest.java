package dev.memwall.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class BandwidthMeasurementTest {

    @Test
    void medianOfRates() {
        // 1 GB per pass at 0.5 s, 0.25 s, 1 s, 0.2 s, 0.4 s -> 2, 4, 1, 5, 2.5 GB/s; median 2.5 GB/s.
        BandwidthMeasurement m = BandwidthMeasurement.ofSamples(BandwidthKind.COPY, 1_000_000_000L, 500_000_000L,
                new double[] {0.5, 0.25, 1.0, 0.2, 0.4}, 3.0, "test", List.of());
        assertThat(m.bytesPerSecond()).isCloseTo(2.5e9, within(1.0));
        assertThat(m.minBytesPerSecond()).isCloseTo(1e9, within(1.0));
        assertThat(m.maxBytesPerSecond()).isCloseTo(5e9, within(1.0));
        assertThat(m.samples()).isEqualTo(5);
        assertThat(m.measured()).isTrue();
        assertThat(m.kind().counted()).isEqualTo("bytes read + bytes written");
    }

    @Test
    void aZeroDurationMeansABrokenTimer() {
        assertThatThrownBy(() -> BandwidthMeasurement.ofSamples(BandwidthKind.READ, 1, 1, new double[] {0.1, 0.0},
                1, "test", List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pass 1 took 0.0 s; a timer is broken");
    }

    @Test
    void simulatedFiguresAreNotMeasured() {
        BandwidthMeasurement m = BandwidthMeasurement.simulated(BandwidthKind.READ, 3.35e12);
        assertThat(m.measured()).isFalse();
        BandwidthResult r = new BandwidthResult(m, null, 3_350_000_000_000L, 0, null);
        assertThat(r.readEfficiency()).isNull();
    }

    @Test
    void efficiencyIsMeasuredOverTheoretical() {
        BandwidthMeasurement m = BandwidthMeasurement.ofSamples(BandwidthKind.READ, 1_000_000_000L, 1_000_000_000L,
                new double[] {1, 1, 1, 1, 1}, 5, "test", List.of());
        assertThat(new BandwidthResult(m, null, 2_000_000_000L, 5, null).readEfficiency()).isEqualTo(0.5);
    }

    @Test
    void medianOfAnEvenCount() {
        assertThat(Stats.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    }
}
