package dev.memwall.estimator.safetensors;

import java.util.Objects;

/**
 * A tensor of a model with the shard file holding it, its role, the parameters it stands for (elements, or the
 * unpacked count for packed weights; 0 for overhead) and its layer index (-1 outside numbered layers).
 */
public record ModelTensor(String shard, SafetensorsTensor tensor, TensorRole role, long parameters, int layer) {

    public ModelTensor {
        Objects.requireNonNull(shard, "shard");
        Objects.requireNonNull(tensor, "tensor");
        Objects.requireNonNull(role, "role");
        if (parameters < 0) {
            throw new IllegalArgumentException("parameters must be >= 0, was " + parameters);
        }
        if (role == TensorRole.QUANTIZATION_OVERHEAD && parameters != 0) {
            throw new IllegalArgumentException("overhead holds no parameters, was " + parameters);
        }
    }

    public String name() {
        return tensor.name();
    }
}
