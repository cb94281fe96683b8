package dev.memwall.estimator.units;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SaturatingTest {

    @Test
    void sumsAndProductsStopAtTheLimitInsteadOfWrapping() {
        assertThat(Saturating.add(1L << 62, 1L << 62)).isEqualTo(Saturating.BEYOND);
        assertThat(Saturating.add(Long.MAX_VALUE - 1, 1)).isEqualTo(Saturating.BEYOND);
        assertThat(Saturating.add(40, 2)).isEqualTo(42);
        assertThat(Saturating.multiply(1L << 32, 1L << 31)).isEqualTo(Saturating.BEYOND);
        assertThat(Saturating.multiply(1L << 32, 1L << 30)).isEqualTo(1L << 62);
        assertThat(Saturating.multiply(Long.MAX_VALUE, 0)).isZero();
        assertThat(Saturating.ofDouble(1e19)).isEqualTo(Saturating.BEYOND);
        assertThat(Saturating.ofDouble(Double.NaN)).isEqualTo(Saturating.BEYOND);
        assertThat(Saturating.ofDouble(2.1)).isEqualTo(3);
        assertThat(Saturating.isBeyond(Saturating.add(Saturating.BEYOND, 0))).isTrue();
    }
}
