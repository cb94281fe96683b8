package dev.memwall.agent.fit;

import dev.memwall.agent.probe.ProbeReport.DeviceReport;
import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.FitPlanner;
import dev.memwall.estimator.fit.FitResult;
import dev.memwall.estimator.fit.Mode;
import dev.memwall.estimator.fit.Workload;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import java.util.ArrayList;
import java.util.List;

/** The catalog's popular models at their best precision on each probed device: the probe's {@code fits[]}. */
public final class PopularFits {

    /** Models people ask about most, small to large. */
    public static final List<String> MODELS = List.of("llama-3.2-3b", "llama-3.1-8b", "qwen2.5-7b",
            "mistral-7b-v0.1", "gemma-2-9b", "qwen3-30b-a3b", "gpt-oss-20b", "llama-3.1-70b", "gpt-oss-120b",
            "deepseek-v3");
    public static final long CONTEXT = 8192;

    /**
     * One model on one device.
     *
     * @param device     device id
     * @param model      catalog id
     * @param fitsNow    whether some precision fits in the free memory now
     * @param precision  the best precision that fits now, or null
     * @param requiredBytes memory at that precision, or null
     * @param maxContext longest context at that precision, 0 when none fits
     * @param decodeBound tokens per second per sequence at that precision, or null
     */
    public record PopularFit(String device, String model, boolean fitsNow, String precision, Long requiredBytes,
            long maxContext, Double decodeBound) {
    }

    private PopularFits() {
    }

    public static List<PopularFit> of(List<DeviceReport> devices) {
        List<PopularFit> fits = new ArrayList<>();
        Precision kv = Precisions.kvCache("fp16").orElseThrow();
        for (DeviceReport d : devices) {
            Capacity c = DeviceCapacities.of(d);
            for (String id : MODELS) {
                ModelSpec spec = ModelCatalog.builtIn().find(id).orElseThrow().spec();
                FitPlanner planner = new FitPlanner(spec, null);
                Workload w = new Workload(Precisions.weight("bf16").orElseThrow(), kv,
                        Math.min(CONTEXT, spec.maxContext()), 1, Mode.INFERENCE);
                FitResult first = planner.evaluate(w, c, 1);
                if (first.bestPrecision() == null) {
                    fits.add(new PopularFit(c.id(), id, false, null, null, 0, null));
                    continue;
                }
                FitResult best = planner.evaluate(w.withPrecision(first.bestPrecision()), c, 1);
                fits.add(new PopularFit(c.id(), id, true, first.bestPrecision().name(), best.estimate().totalBytes(),
                        best.maxContext(), best.roofline().tokensPerSecondPerSequence(1)));
            }
        }
        return fits;
    }
}
