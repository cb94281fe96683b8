package dev.memwall.estimator.catalog;

import dev.memwall.estimator.model.ModelSpec;
import java.util.Objects;

/**
 * A model of the catalog: its architecture, the counts its publisher printed, and where the numbers come from.
 *
 * @param spec            the architecture
 * @param hfModelType     the config.json {@code model_type}
 * @param publishedTotal  the publisher's total parameter count, or null
 * @param publishedActive the publisher's active parameter count (MoE), or null
 * @param source          where the architecture numbers (and counts) come from
 * @param notes           caveats, or null
 */
public record CatalogEntry(ModelSpec spec, String hfModelType, PublishedCount publishedTotal,
        PublishedCount publishedActive, String source, String notes) {

    public CatalogEntry {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(source, "source");
    }
}
