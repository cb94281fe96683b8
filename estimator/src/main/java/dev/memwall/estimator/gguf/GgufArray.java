package dev.memwall.estimator.gguf;

import java.util.List;
import java.util.Objects;

/**
 * A metadata array: its element type, element count, the bytes its elements take in the file (strings with their
 * 8-byte lengths, nested arrays with their headers), and its elements when there are at most
 * {@value #MAX_KEPT_ELEMENTS}.
 *
 * <p>Longer arrays (a 150,000-token {@code tokenizer.ggml.tokens}) are read through but not kept: {@link #elements()}
 * is {@code null} and {@link #head()} holds the first {@value #HEAD_ELEMENTS}. A file keeps at most
 * {@value #MAX_KEPT_PER_FILE} array elements in all (nested arrays included); arrays read after that budget is spent
 * are not kept either, and their head may be shorter or empty. Elements are values as in
 * {@link GgufFile#metadata()}: Long, BigInteger, Double, Boolean, String or GgufArray.
 *
 * @param elementType the elements' type
 * @param count       number of elements
 * @param byteSize    bytes the elements take in the file, after the 12-byte type and count
 * @param elements    every element, or {@code null} when the array is not kept
 * @param head        the first min(count, {@value #HEAD_ELEMENTS}) elements, fewer only past the file's budget
 */
public record GgufArray(GgufValueType elementType, long count, long byteSize, List<Object> elements,
        List<Object> head) {

    /** Arrays with more elements than this keep only their head. */
    public static final int MAX_KEPT_ELEMENTS = 1024;

    /** Elements kept of an array that is not kept whole. */
    public static final int HEAD_ELEMENTS = 8;

    /** Array elements one file keeps in all, so that memory stays small whatever the file holds. */
    public static final int MAX_KEPT_PER_FILE = 1 << 20;

    public GgufArray {
        Objects.requireNonNull(elementType, "elementType");
        if (count < 0 || byteSize < 0) {
            throw new IllegalArgumentException("count and byteSize must be >= 0, were " + count + ", " + byteSize);
        }
        elements = elements == null ? null : List.copyOf(elements);
        head = List.copyOf(head);
        if (elements != null && (elements.size() != count || !head.equals(elements.subList(0, head.size())))
                || head.size() > Math.min(count, HEAD_ELEMENTS)) {
            throw new IllegalArgumentException("elements or head do not match count " + count);
        }
    }

    /** Whether every element is kept ({@link #elements()} is not null). */
    public boolean complete() {
        return elements != null;
    }
}
