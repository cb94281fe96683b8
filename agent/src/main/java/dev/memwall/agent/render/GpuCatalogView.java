package dev.memwall.agent.render;

import dev.memwall.device.simulated.GpuModel;
import dev.memwall.estimator.units.Quantities;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The hardware catalog as a table or as JSON (with every number's source). */
public final class GpuCatalogView {

    public static final String SCHEMA = "memwall.gpus.v1";

    private GpuCatalogView() {
    }

    public static String table(List<GpuModel> models) {
        TextTable t = new TextTable("ID", "NAME", "MEMORY", "TYPE", "BANDWIDTH", "FP16 DENSE", "FP8 DENSE");
        for (GpuModel m : models) {
            t.row(m.id(), m.name(), Quantities.gib(m.memoryTotalBytes()),
                    m.memoryType() == null ? ProbeTable.UNKNOWN : m.memoryType(),
                    Quantities.gbPerSecond(m.bandwidthBytesPerSecond()),
                    m.fp16DenseFlops() == null ? ProbeTable.UNKNOWN : Quantities.tflops(m.fp16DenseFlops()),
                    m.fp8DenseFlops() == null ? ProbeTable.UNKNOWN : Quantities.tflops(m.fp8DenseFlops()));
        }
        return t.render() + "\nUse an id with --simulate, e.g. --simulate h100-sxm or --simulate rtx-4090:free=10GiB."
                + " 'memwall gpus --json' shows the source of every number.\n";
    }

    public static Map<String, Object> document(List<GpuModel> models) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", SCHEMA);
        List<Object> gpus = new ArrayList<>();
        for (GpuModel m : models) {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("id", m.id());
            g.put("name", m.name());
            g.put("vendor", m.vendor());
            g.put("memory_type", m.memoryType());
            g.put("memory_total_bytes", m.memoryTotalBytes());
            g.put("bus_width_bits", m.busWidthBits());
            g.put("bandwidth_bytes_per_second", m.bandwidthBytesPerSecond());
            g.put("fp16_dense_flops_per_second", m.fp16DenseFlops());
            g.put("fp8_dense_flops_per_second", m.fp8DenseFlops());
            Map<String, Object> sources = new LinkedHashMap<>();
            sources.put("memory_total", m.sources().memoryTotal());
            sources.put("bus_width", m.sources().busWidth());
            sources.put("bandwidth", m.sources().bandwidth());
            sources.put("fp16_dense", m.sources().fp16());
            sources.put("fp8_dense", m.sources().fp8());
            g.put("sources", sources);
            g.put("notes", m.notes());
            gpus.add(g);
        }
        doc.put("gpus", gpus);
        return doc;
    }
}
