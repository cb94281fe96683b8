package dev.memwall.estimator.fit;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.source.WeightInventory;

/**
 * Bytes per weight for a workload: one figure for routed-expert weights and one for the rest, which differ only
 * when a checkpoint quantizes just its experts (gpt-oss's MXFP4). Weight files give one average for both.
 *
 * @param perWeight       bytes of each weight outside the routed experts
 * @param perExpertWeight bytes of each routed-expert weight
 */
record WeightBytes(double perWeight, double perExpertWeight) {

    static WeightBytes of(WeightInventory weights, ModelSpec spec, Workload workload) {
        if (workload.precision() != null) {
            return new WeightBytes(workload.precision().bitsPerWeight() / 8,
                    workload.precision().expertBitsPerWeight() / 8);
        }
        double average = weights.totalBytes() / (double) Math.max(1, spec.parameters());
        return new WeightBytes(average, average);
    }

    /** Bytes of {@code weights} weights of which {@code experts} are routed-expert weights. */
    double bytes(double weights, double experts) {
        return (weights - experts) * perWeight + experts * perExpertWeight;
    }

    /** Average bytes per weight over the whole model. */
    double average(ModelSpec spec) {
        return bytes(spec.parameters(), spec.routedExpertParametersTotal()) / Math.max(1, spec.parameters());
    }
}
