package dev.memwall.estimator.gguf;

import java.util.Optional;

/**
 * A ggml tensor type: its id in GGUF tensor infos, elements per block and bytes per block.
 *
 * <p>Ids from {@code enum ggml_type} in ggml-org/llama.cpp {@code ggml/include/ggml.h} (commit
 * 3514e9f6e795d3b3cd88d6614f6c07e7ce6f916f); block sizes from {@code .blck_size} of {@code type_traits} in
 * {@code ggml/src/ggml.c} (commit 1f08e2d662715ead7987c365eced4f273d90e431), which gives {@code .type_size} as
 * {@code sizeof(block_x)}; those sizes are the {@code static_assert}s on each {@code block_x} in
 * {@code ggml/src/ggml-common.h} (commit aca2e6ce7909064dbfbf3bd168e9ad3db1826e6c), with {@code QK_K} = 256 and
 * {@code ggml_half} 2 bytes. Ids 4, 5 and 31 to 38 are removed types (block size 0 in ggml) and are not listed.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17);

    private static final GgmlType[] BY_ID = new GgmlType[40];

    static {
        for (GgmlType type : values()) {
            BY_ID[type.id] = type;
        }
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;

    GgmlType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** The type's id in a GGUF tensor info. */
    public int id() {
        return id;
    }

    /** Elements per block. */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int typeSize() {
        return typeSize;
    }

    /** Bits per element: 8 x bytes per block / elements per block. */
    public double bitsPerWeight() {
        return 8.0 * typeSize / blockSize;
    }

    /** The type with this id, or empty for an unknown or removed id. */
    public static Optional<GgmlType> byId(int id) {
        return id >= 0 && id < BY_ID.length ? Optional.ofNullable(BY_ID[id]) : Optional.empty();
    }

    /**
     * Bytes that {@code elements} elements of this type take.
     *
     * @throws IllegalArgumentException when elements is negative or not a multiple of the block size
     * @throws ArithmeticException      when the size does not fit a long
     */
    public long bytesFor(long elements) {
        if (elements < 0 || elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    "elements must be a non-negative multiple of " + blockSize + " for " + name() + ", was "
                            + elements);
        }
        return Math.multiplyExact(elements / blockSize, (long) typeSize);
    }
}
