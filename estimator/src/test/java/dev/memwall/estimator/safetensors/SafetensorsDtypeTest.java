package dev.memwall.estimator.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SafetensorsDtypeTest {

    /** Dtype::bitsize() in huggingface/safetensors, safetensors/src/tensor.rs, in that file's order. */
    @ParameterizedTest
    @CsvSource({
        "BOOL, 8", "F4, 4", "F6_E2M3, 6", "F6_E3M2, 6", "U8, 8", "I8, 8", "F8_E5M2, 8", "F8_E4M3, 8", "F8_E8M0, 8",
        "I16, 16", "U16, 16", "F16, 16", "BF16, 16", "I32, 32", "U32, 32", "F32, 32", "C64, 64", "F64, 64",
        "I64, 64", "U64, 64"})
    void hasUpstreamsWidth(String name, int bits) {
        assertThat(SafetensorsDtype.byName(name)).hasValueSatisfying(d -> assertThat(d.bits()).isEqualTo(bits));
    }

    @Test
    void listsExactlyUpstreamsTwentyInOrder() {
        assertThat(SafetensorsDtype.values()).extracting(Enum::name).containsExactly("BOOL", "F4", "F6_E2M3",
                "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16", "F16", "BF16", "I32", "U32",
                "F32", "C64", "F64", "I64", "U64");
    }

    @Test
    void namesAreExact() {
        assertThat(SafetensorsDtype.byName("f32")).isEmpty();
        assertThat(SafetensorsDtype.byName("F8_E4M3FN")).isEmpty();
        assertThat(SafetensorsDtype.byName("")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
        "F4, 2, 1", "F4, 6, 3", "F6_E2M3, 4, 3", "F6_E3M2, 8, 6", "U8, 3, 3", "BF16, 3, 6", "C64, 2, 16",
        "F4, 0, 0",
        // 2^62 F4 values are 2^61 bytes; elements * bits alone would overflow 2^63
        "F4, 4611686018427387904, 2305843009213693952",
        "F6_E2M3, 4611686018427387904, 3458764513820540928"})
    void sizesInBytes(SafetensorsDtype dtype, long elements, long bytes) {
        assertThat(dtype.fillsWholeBytes(elements)).isTrue();
        assertThat(dtype.byteSize(elements)).isEqualTo(bytes);
    }

    @Test
    void subByteTypesMustFillWholeBytes() {
        assertThat(SafetensorsDtype.F4.fillsWholeBytes(3)).isFalse();
        assertThat(SafetensorsDtype.F6_E2M3.fillsWholeBytes(2)).isFalse();
        assertThatThrownBy(() -> SafetensorsDtype.F4.byteSize(3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("3 elements of F4 do not fill whole bytes");
        assertThatThrownBy(() -> SafetensorsDtype.F64.byteSize(Long.MAX_VALUE / 4))
                .isInstanceOf(ArithmeticException.class);
    }
}
