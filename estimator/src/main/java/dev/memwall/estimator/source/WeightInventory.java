package dev.memwall.estimator.source;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model's weight files hold, exactly: bytes and parameters per stored type, read from the files' headers.
 *
 * @param totalBytes        bytes of all tensors
 * @param parameters        parameters (packed quantized values unpacked; scales and zero points not counted)
 * @param overheadBytes     bytes of quantisation scales, zero points and the like
 * @param bytesByType       bytes per stored type (GGUF type or safetensors dtype), largest first
 * @param parametersByType  elements per stored type
 * @param tensors           tensor count
 * @param files             the files read
 * @param quantization      the quantisation scheme recognised, or null
 * @param gguf              where the tensors of a GGUF file lie, or null for other files
 */
public record WeightInventory(long totalBytes, long parameters, long overheadBytes, Map<String, Long> bytesByType,
        Map<String, Long> parametersByType, int tensors, List<String> files, String quantization, GgufLayout gguf) {

    /** An inventory of files other than GGUF. */
    public WeightInventory(long totalBytes, long parameters, long overheadBytes, Map<String, Long> bytesByType,
            Map<String, Long> parametersByType, int tensors, List<String> files, String quantization) {
        this(totalBytes, parameters, overheadBytes, bytesByType, parametersByType, tensors, files, quantization, null);
    }

    public WeightInventory {
        bytesByType = new LinkedHashMap<>(bytesByType);
        parametersByType = new LinkedHashMap<>(parametersByType);
        files = List.copyOf(files);
    }

    /** Average bits per parameter over the whole file set. */
    public double bitsPerParameter() {
        return parameters == 0 ? 0 : totalBytes * 8.0 / parameters;
    }
}
