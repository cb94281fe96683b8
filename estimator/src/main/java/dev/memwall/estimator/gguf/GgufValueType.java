package dev.memwall.estimator.gguf;

import java.util.Optional;

/** The type of a GGUF metadata value, with its id in the file and the fewest bytes a value of it takes. */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    /** u64 byte length, then UTF-8 bytes. */
    STRING(8, 8),
    /** u32 element type, u64 count, then the elements. */
    ARRAY(9, 12),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = values();

    private final int id;
    private final int minBytes;

    GgufValueType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    /** The type's id in the file. */
    public int id() {
        return id;
    }

    /** The fewest bytes a value of this type takes in the file (its size, for fixed-size types). */
    public int minBytes() {
        return minBytes;
    }

    /** Whether values of this type are integers (read as {@code Long}, or {@code BigInteger} past Long.MAX_VALUE). */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** The type with this id, or empty. */
    public static Optional<GgufValueType> byId(int id) {
        return id >= 0 && id < BY_ID.length ? Optional.of(BY_ID[id]) : Optional.empty();
    }
}
