package dev.memwall.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The exposition is written at most once a second per format, on a clock the test moves. */
class ScrapeCacheTest {

    @Test
    void theRegistryIsScrapedAgainOnlyWhenASecondHasPassed() throws Exception {
        AtomicInteger scrapes = new AtomicInteger();
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register((MultiCollector) () -> new MetricSnapshots(GaugeSnapshot.builder().name("scrapes")
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.EMPTY)
                        .value(scrapes.incrementAndGet()).build())
                .build()));
        FakeTicker ticker = new FakeTicker();
        AgentHttp.ScrapeCache cache = new AgentHttp.ScrapeCache(registry, ticker);
        var text = ExpositionFormats.init().findWriter(null);
        AgentHttp.ScrapeCache.Entry first = cache.entry(text);
        assertThat(new String(first.body(), java.nio.charset.StandardCharsets.UTF_8)).contains("scrapes 1.0");
        ticker.advance(Duration.ofMillis(999));
        assertThat(cache.entry(text)).isSameAs(first);
        assertThat(scrapes.get()).isEqualTo(1);
        ticker.advance(Duration.ofMillis(1));
        assertThat(new String(cache.entry(text).body(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("scrapes 2.0");
        // Each format has its own entry.
        var openMetrics = ExpositionFormats.init().findWriter("application/openmetrics-text; version=1.0.0");
        assertThat(cache.entry(openMetrics).contentType()).startsWith("application/openmetrics-text");
        assertThat(scrapes.get()).isEqualTo(3);
    }
}
