package dev.memwall.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memwall.agent.fit.DeviceCapacities;
import dev.memwall.agent.probe.ProbeReport;
import dev.memwall.agent.render.FitView;
import dev.memwall.agent.render.Json;
import dev.memwall.agent.render.ProbeJson;
import dev.memwall.device.BandwidthKind;
import dev.memwall.device.BandwidthMeasurement;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.DeviceType;
import dev.memwall.device.MemoryReading;
import dev.memwall.device.host.HostMemory;
import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.HostCapacity;
import dev.memwall.estimator.fit.RoofChart;
import dev.memwall.estimator.fit.Verdict;
import dev.memwall.estimator.source.LoadedModel;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Every JSON document memwall writes carries its doubles exactly: written with random figures from 1e-12 to 1e18
 * and parsed back, each is the same double; and one snapshot shows the same read and copy rates on the status
 * document (the page's data), the probe document and the metrics.
 */
class JsonDocumentsPropertiesTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final long GIB = 1L << 30;
    static final LoadedModel MODEL = new LoadedModel("llama-3.1-8b", "catalog",
            ModelCatalog.builtIn().find("llama-3.1-8b").orElseThrow().spec(), null, List.of());

    /** Doubles spread over 30 orders of magnitude, each with random low bits, and the range's ends. */
    @Provide
    Arbitrary<Double> figures() {
        Arbitrary<Double> logUniform = Arbitraries.doubles().between(-12, 18).flatMap(e -> Arbitraries.doubles()
                .between(1, 10).map(m -> Math.min(1e18, Math.max(1e-12, m * Math.pow(10, e)))));
        return Arbitraries.oneOf(logUniform, Arbitraries.of(1e-12, 1e18, 2.39323e10, 4.92216e10, 1.0, 0.1));
    }

    @Property(tries = 500)
    void anyDocumentOfDoublesAndLongsReadsBackEqual(@ForAll("figures") double a, @ForAll("figures") double b,
            @ForAll long n) throws Exception {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("a", a);
        doc.put("n", n);
        doc.put("list", List.of(b, a, Map.of("b", b)));
        for (String text : List.of(Json.write(doc), Json.writeCompact(doc))) {
            JsonNode back = JSON.readTree(text);
            assertThat(back.get("a").doubleValue()).isEqualTo(a);
            assertThat(back.get("n").isIntegralNumber()).isTrue();
            assertThat(back.get("n").longValue()).isEqualTo(n);
            assertThat(back.get("list").get(0).doubleValue()).isEqualTo(b);
            assertThat(back.get("list").get(2).get("b").doubleValue()).isEqualTo(b);
        }
    }

    @Property(tries = 200)
    void oneSnapshotShowsTheSameRatesOnEverySurface(@ForAll("figures") double read, @ForAll("figures") double copy,
            @ForAll("figures") double theoretical) throws Exception {
        Snapshot s = snapshot(read, copy, Math.max(1, Math.round(theoretical)));
        AgentSettings settings = new AgentSettings(new InetSocketAddress("127.0.0.1", 0), Duration.ofSeconds(5),
                Duration.ZERO, Duration.ZERO, List.of("llama-3.1-8b"), List.of(), null, 0.25, null);

        JsonNode status = JSON.readTree(Json.write(StatusJson.document(s, settings, "test")));
        JsonNode sbw = status.get("devices").get(0).get("bandwidth");
        assertThat(sbw.get("read_bytes_per_second").doubleValue()).isEqualTo(read);
        assertThat(sbw.get("copy_bytes_per_second").doubleValue()).isEqualTo(copy);
        JsonNode chart = status.get("devices").get(0).get("roofline");
        assertThat(chart.get("bandwidth_bytes_per_second").doubleValue()).isEqualTo(read);

        List<Verdict> popular = s.popular().get("opencl:0.0");
        JsonNode probe = JSON.readTree(Json.write(ProbeJson.document(s.report(), "test", popular)));
        JsonNode pbw = probe.get("devices").get(0).get("bandwidth");
        assertThat(pbw.get("read_bytes_per_second").doubleValue()).isEqualTo(read);
        assertThat(pbw.get("copy_bytes_per_second").doubleValue()).isEqualTo(copy);
        assertThat(pbw.get("read").get("bytes_per_second").doubleValue()).isEqualTo(read);
        for (int i = 0; i < popular.size(); i++) {
            Verdict v = popular.get(i);
            JsonNode f = probe.get("fits").get(i);
            assertThat(f.get("required_bytes").longValue()).isEqualTo(v.requiredBytes());
            Double bound = v.decode() == null ? null : v.decode().boundTokensPerSecond();
            if (bound == null) {
                assertThat(f.get("decode_tokens_per_second_bound").isNull()).isTrue();
            } else {
                assertThat(f.get("decode_tokens_per_second_bound").doubleValue()).isEqualTo(bound);
            }
        }

        Verdict watched = s.watched().get("opencl:0.0").get(0).verdict();
        JsonNode fit = JSON.readTree(Json.writeCompact(FitView.document(MODEL, watched.workload(), List.of(watched))));
        JsonNode d = fit.get("devices").get(0);
        assertThat(d.get("bandwidth_bytes_per_second").doubleValue()).isEqualTo(read);
        assertThat(d.get("ridge_flops_per_byte").isNull()).isTrue();
        for (int i = 0; i < watched.roofline().points().size(); i++) {
            assertThat(d.get("roofline").get(i).get("intensity_flops_per_byte").doubleValue())
                    .isEqualTo(watched.roofline().points().get(i).intensityFlopsPerByte());
        }

        // The metrics print the same doubles (Prometheus text format).
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new AgentMetrics(() -> s, null));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExpositionFormats.init().findWriter(null).write(out, registry.scrape());
        String metrics = out.toString(StandardCharsets.UTF_8);
        assertThat(metric(metrics, "read")).isEqualTo(read);
        assertThat(metric(metrics, "copy")).isEqualTo(copy);
    }

    private static double metric(String text, String kind) {
        Matcher m = Pattern.compile("memwall_device_bandwidth_bytes_per_second\\{[^}]*kind=\"" + kind + "\"[^}]*} (\\S+)")
                .matcher(text);
        assertThat(m.find()).as(kind + " in " + text).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** A CPU OpenCL device (no free memory reported) with measured rates, as the agent's sampler would hold it. */
    static Snapshot snapshot(double read, double copy, long theoretical) {
        DeviceIdentity id = new DeviceIdentity("opencl:0.0", "opencl", "pthread-cpu", "AuthenticAMD", DeviceType.CPU,
                "6.0", "Portable Computing Language", null, null, 21 * GIB, 4 * GIB, 1L << 25, 2, null);
        BandwidthResult b = new BandwidthResult(
                new BandwidthMeasurement(BandwidthKind.READ, read, 1L << 30, 1L << 30, 5, read, read, true, 0.1,
                        "opencl-read-kernel", List.of()),
                new BandwidthMeasurement(BandwidthKind.COPY, copy, 2L << 30, 1L << 30, 5, copy, copy, true, 0.5,
                        "clEnqueueCopyBuffer", List.of()), theoretical, 0.6, null);
        ProbeReport.DeviceReport d = new ProbeReport.DeviceReport(id, MemoryReading.totalOnly(21 * GIB), null, b, null,
                null, Map.of());
        ProbeReport report = new ProbeReport(Instant.parse("2026-12-05T10:00:00Z"),
                new HostMemory(24 * GIB, 22 * GIB, "host"), null, List.of(), List.of(d), List.of(), true);
        Capacity c = DeviceCapacities.of(d);
        Verdict v = Sampler.fit(MODEL, c, null, 4);
        List<Snapshot.WatchedFit> watched = new ArrayList<>(List.of(new Snapshot.WatchedFit("llama-3.1-8b", v, true)));
        return new Snapshot(1, report.takenAt(), report, Map.of("opencl:0.0", new Snapshot.DeviceStatus(false, null,
                "idle", null, report.takenAt())), List.of(c), HostCapacity.UNKNOWN, Map.of("opencl:0.0", watched),
                Map.of("opencl:0.0", dev.memwall.estimator.fit.PopularFits.on(c, HostCapacity.UNKNOWN)),
                Map.of("opencl:0.0", RoofChart.of(c, List.of(v.roofline()))), 0,
                dev.memwall.agent.running.RunningNow.NONE, Map.of());
    }
}
