package dev.memwall.estimator.source;

import dev.memwall.estimator.model.ModelSpec;
import java.util.List;

/**
 * A model as memwall read it from one of the forms users have: a catalog id, a config.json, a model folder,
 * safetensors weights (with or without an index) or a GGUF file.
 *
 * @param input   what the user gave
 * @param kind    catalog, config, directory, safetensors, safetensors-index, gguf
 * @param spec    the architecture, or null when the input holds none (weights without a config.json)
 * @param weights exact bytes from weight files, or null when none were read
 * @param notes   what the reader noticed (a declared total that differs, a guessed field)
 */
public record LoadedModel(String input, String kind, ModelSpec spec, WeightInventory weights, List<String> notes) {

    public LoadedModel {
        notes = List.copyOf(notes);
        if (spec == null && weights == null) {
            throw new IllegalArgumentException("a loaded model has an architecture, weights or both");
        }
    }
}
