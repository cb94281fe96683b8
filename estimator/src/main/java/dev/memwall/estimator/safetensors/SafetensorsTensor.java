package dev.memwall.estimator.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a safetensors header: its name, dtype, shape, element count, and its byte range
 * {@code [dataBegin, dataEnd)} relative to the start of the file's data section.
 */
public final class SafetensorsTensor {
    private final String name;
    private final SafetensorsDtype dtype;
    private final long[] shape;
    private final long elements;
    private final long dataBegin;
    private final long dataEnd;

    /** Checks that the shape, element count and byte range agree. */
    public SafetensorsTensor(String name, SafetensorsDtype dtype, long[] shape, long dataBegin, long dataEnd) {
        this.name = Objects.requireNonNull(name, "name");
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.shape = shape.clone();
        long n = 1;
        for (long d : this.shape) {
            if (d < 0) {
                throw new IllegalArgumentException("dimension must be >= 0, was " + d);
            }
            n = Math.multiplyExact(n, d);
        }
        this.elements = n;
        if (dataBegin < 0 || dataEnd < dataBegin || dataEnd - dataBegin != dtype.byteSize(n)) {
            throw new IllegalArgumentException("data range [" + dataBegin + ", " + dataEnd + ") does not hold "
                    + n + " elements of " + dtype);
        }
        this.dataBegin = dataBegin;
        this.dataEnd = dataEnd;
    }

    public String name() {
        return name;
    }

    public SafetensorsDtype dtype() {
        return dtype;
    }

    /** A copy of the shape; empty for a scalar. */
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Dimension {@code i} of the shape. */
    public long dimension(int i) {
        return shape[i];
    }

    /** Number of elements: the product of the shape, 1 for a scalar. */
    public long elements() {
        return elements;
    }

    /** Start of the data, in bytes from the start of the data section. */
    public long dataBegin() {
        return dataBegin;
    }

    /** End of the data (exclusive), in bytes from the start of the data section. */
    public long dataEnd() {
        return dataEnd;
    }

    /** Size of the data in bytes. */
    public long byteSize() {
        return dataEnd - dataBegin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetensorsTensor t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && dataBegin == t.dataBegin && dataEnd == t.dataEnd;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), dataBegin, dataEnd);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " [" + dataBegin + ", " + dataEnd + ")";
    }
}
