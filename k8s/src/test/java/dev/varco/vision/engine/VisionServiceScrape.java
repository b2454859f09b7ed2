package dev.varco.vision.engine;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;

/** What vision-service's /q/metrics exports from its engine meters (see LlmServiceScrape). */
public final class VisionServiceScrape {
  private VisionServiceScrape() {}

  public static String scrape() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new EngineMetrics(registry, new EmbeddingCache(1 << 20), new InFlightEncodes(), () -> 0, () -> 0);
    return registry.scrape();
  }
}
