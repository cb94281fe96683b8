package dev.memwall.estimator.safetensors;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A safetensors element type and its width in bits per element; the names, order and widths are those of
 * {@code Dtype} and {@code Dtype::bitsize()} in huggingface/safetensors, {@code safetensors/src/tensor.rs}
 * (safetensors 0.6, where {@code size()} in bytes was deprecated for {@code bitsize()} because F4 and F6 are
 * narrower than a byte).
 *
 * <p>F4 is the OCP MX FP4 (E2M1) element, two per byte; F6_E2M3 and F6_E3M2 are 6 bits, four per three bytes; C64
 * is a complex number of two F32 parts. Like upstream, a tensor of a sub-byte type must fill whole bytes.
 */
public enum SafetensorsDtype {
    BOOL(8),
    F4(4),
    F6_E2M3(6),
    F6_E3M2(6),
    U8(8),
    I8(8),
    F8_E5M2(8),
    F8_E4M3(8),
    F8_E8M0(8),
    I16(16),
    U16(16),
    F16(16),
    BF16(16),
    I32(32),
    U32(32),
    F32(32),
    C64(64),
    F64(64),
    I64(64),
    U64(64);

    private static final Map<String, SafetensorsDtype> BY_NAME = new HashMap<>();

    static {
        for (SafetensorsDtype d : values()) {
            BY_NAME.put(d.name(), d);
        }
    }

    private final int bits;

    SafetensorsDtype(int bits) {
        this.bits = bits;
    }

    /** Bits per element. */
    public int bits() {
        return bits;
    }

    /** The dtype spelled exactly as in a header ({@code "BF16"}), or empty. */
    public static Optional<SafetensorsDtype> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** Whether {@code elements} (>= 0) of this type end on a byte boundary. */
    public boolean fillsWholeBytes(long elements) {
        return (elements % 8) * bits % 8 == 0;
    }

    /**
     * Bytes taken by {@code elements} (>= 0) of this type, which must fill whole bytes.
     *
     * @throws ArithmeticException when the size exceeds 2^63-1 bytes
     */
    public long byteSize(long elements) {
        if (elements < 0 || !fillsWholeBytes(elements)) {
            throw new IllegalArgumentException(elements + " elements of " + this + " do not fill whole bytes");
        }
        // (elements / 8) * bits + (elements % 8) * bits / 8 == elements * bits / 8, without the overflow.
        return Math.addExact(Math.multiplyExact(elements / 8, (long) bits), (elements % 8) * bits / 8);
    }
}
