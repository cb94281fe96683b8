package dev.memwall.estimator.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor info of a GGUF file: name, ggml type, shape (ggml order, ne0 first), element count, data bytes, and
 * the data's offset in bytes from the data section and from the start of the file.
 */
public record GgufTensor(String name, GgmlType type, long[] shape, long elements, long bytes, long offset,
        long absoluteOffset) {

    public GgufTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        shape = shape.clone();
    }

    /** A copy of the shape, ne0 first. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensor t && name.equals(t.name) && type == t.type && Arrays.equals(shape, t.shape)
                && elements == t.elements && bytes == t.bytes && offset == t.offset
                && absoluteOffset == t.absoluteOffset;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape), elements, bytes, offset, absoluteOffset);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " " + bytes + " bytes at " + absoluteOffset;
    }
}
