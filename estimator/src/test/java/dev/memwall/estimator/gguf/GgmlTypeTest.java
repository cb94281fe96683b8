package dev.memwall.estimator.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class GgmlTypeTest {

    @ParameterizedTest
    @EnumSource(GgmlType.class)
    void bytesAreBlocksTimesBlockBytes(GgmlType type) {
        long blocks = 12;
        long elements = blocks * type.blockSize();

        assertThat(type.bytesFor(elements)).isEqualTo(elements / type.blockSize() * type.typeSize());
        assertThat(type.bytesFor(0)).isZero();
        assertThat(GgmlType.byId(type.id())).contains(type);
    }

    // Bits per weight = 8 x type_size / blck_size; the K-quant figures are the "Effectively N bits per weight"
    // comments above each block struct in ggml/src/ggml-common.h.
    @ParameterizedTest
    @CsvSource({
        "Q4_0, 4.5",
        "Q4_K, 4.5",
        "Q8_0, 8.5",
        "Q6_K, 6.5625",
        "Q2_K, 2.625",
        "Q3_K, 3.4375",
        "Q5_K, 5.5",
        "MXFP4, 4.25",
        "IQ4_XS, 4.25",
        "IQ2_XXS, 2.0625",
        "TQ1_0, 1.6875",
        "F16, 16",
        "BF16, 16",
        "F32, 32"})
    void bitsPerWeight(GgmlType type, double bits) {
        assertThat(type.bitsPerWeight()).isEqualTo(bits);
    }

    // ggml.h: ids 4 and 5 (Q4_2, Q4_3) and 31 to 38 (repacked Q4_0/IQ4_NL) were removed; 40 is past the table.
    @ParameterizedTest
    @ValueSource(ints = {-1, 4, 5, 31, 32, 33, 36, 37, 38, 40, Integer.MAX_VALUE, Integer.MIN_VALUE})
    void removedAndUnknownIdsHaveNoType(int id) {
        assertThat(GgmlType.byId(id)).isEmpty();
    }

    @Test
    void idsAreDistinctAndThirtyTwoTypesAreKnown() {
        assertThat(Arrays.stream(GgmlType.values()).mapToInt(GgmlType::id).distinct().count()).isEqualTo(32);
    }

    @Test
    void bytesForRejectsPartialBlocks() {
        assertThatThrownBy(() -> GgmlType.Q4_K.bytesFor(100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("elements must be a non-negative multiple of 256 for Q4_K, was 100");
        assertThatThrownBy(() -> GgmlType.F32.bytesFor(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("elements must be a non-negative multiple of 1 for F32, was -1");
    }

    @Test
    void bytesForAGigaElementMatrix() {
        // 4096 x 4096 Q4_K: 65536 blocks of 144 bytes.
        assertThat(GgmlType.Q4_K.bytesFor(4096L * 4096)).isEqualTo(9_437_184L);
        assertThatThrownBy(() -> GgmlType.F64.bytesFor(Long.MAX_VALUE))
                .isInstanceOf(ArithmeticException.class);
    }
}
