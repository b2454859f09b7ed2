package dev.varco.llm.engine;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;

/**
 * What llm-service's /q/metrics exports: its own meter registrations, rendered by the Prometheus
 * registry Quarkus serves them with. Lives in the engine's package because the meters are
 * package-private there.
 */
public final class LlmServiceScrape {
  private LlmServiceScrape() {}

  public static String scrape() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    EngineMetrics metrics = new EngineMetrics(registry, "varco-vision-tiny");
    metrics.kvCache(new KvCachePool(null, null, 1L << 20, 0, true));
    return registry.scrape();
  }
}
