package dev.varco.llm.engine;

import dev.varco.llm.model.FinishReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Prometheus metrics under vLLM's names (the {@code vllm:} prefix included) and, as vLLM's, each
 * with the label {@code model_name} (the served model), so autoscaling recipes and dashboards
 * written for vLLM work unchanged.
 */
final class EngineMetrics {
  final AtomicInteger running = new AtomicInteger();
  final AtomicInteger waiting = new AtomicInteger();
  private final Counter promptTokens;
  private final Counter generationTokens;
  private final Timer timeToFirstToken;
  private final Timer endToEnd;
  private final Timer interToken;
  private final Counter prefixQueries;
  private final Counter prefixHits;
  private final Counter imagesHeldInKv;
  private final Counter imagesEncodedLate;
  private final MeterRegistry registry;
  private final Tags model;
  private volatile KvCachePool kvPool;

  /** Metrics of the model served under {@code modelName}. */
  EngineMetrics(MeterRegistry registry, String modelName) {
    this.registry = registry;
    this.model = Tags.of("model_name", modelName);
    registry.gauge("vllm:num_requests_running", model, running);
    registry.gauge("vllm:num_requests_waiting", model, waiting);
    promptTokens =
        Counter.builder("vllm:prompt_tokens").tags(model).description("Prefilled prompt tokens, image rows included").register(registry);
    generationTokens = Counter.builder("vllm:generation_tokens").tags(model).description("Generated tokens").register(registry);
    timeToFirstToken = Timer.builder("vllm:time_to_first_token").tags(model).description("Admission to first generated token")
        .publishPercentileHistogram().register(registry);
    interToken = Timer.builder("vllm:inter_token_latency").tags(model)
        .description("Time between consecutive generated tokens of a request").publishPercentileHistogram().register(registry);
    prefixQueries = Counter.builder("vllm:prefix_cache_queries").tags(model)
        .description("Prompt positions looked up in the KV cache").register(registry);
    prefixHits = Counter.builder("vllm:prefix_cache_hits").tags(model)
        .description("Prompt positions found in the KV cache (not prefilled)").register(registry);
    imagesHeldInKv = Counter.builder("varco:image_encodes_skipped").tags(model)
        .description("Images not sent to vision-service because a KV-cache prefix held their rows").register(registry);
    imagesEncodedLate = Counter.builder("varco:image_encodes_after_eviction").tags(model)
        .description("Of the skipped images, those encoded after all: their KV prefix was evicted before the request started")
        .register(registry);
    endToEnd = Timer.builder("vllm:e2e_request_latency").tags(model).description("Admission to completion")
        .publishPercentileHistogram().register(registry);
  }

  /** Prompt tokens prefilled so far (image rows included), for the periodic engine log line. */
  double promptTokens() {
    return promptTokens.count();
  }

  double generationTokens() {
    return generationTokens.count();
  }

  double prefixQueries() {
    return prefixQueries.count();
  }

  double prefixHits() {
    return prefixHits.count();
  }

  /** Share of the KV budget in use (running plus kept for next turns), or NaN before the model loads. */
  double kvUsage() {
    KvCachePool pool = kvPool;
    return pool == null ? Double.NaN : (double) (pool.runningBytes() + pool.idleBytes()) / pool.budgetBytes();
  }

  /** A request starts: its prompt positions, of which {@code reused} came from the KV cache. */
  void prompt(int tokens, int reused) {
    promptTokens.increment(tokens);
    prefixQueries.increment(tokens);
    prefixHits.increment(reused);
  }

  /** Images left unencoded because a KV prefix held their rows. */
  void imageEncodesSkipped(int images) {
    imagesHeldInKv.increment(images);
  }

  /** Skipped images encoded after all (their KV prefix was evicted first). */
  void imageEncodesAfterEviction(int images) {
    imagesEncodedLate.increment(images);
  }

  void interToken(Duration sincePreviousToken) {
    interToken.record(sincePreviousToken);
  }

  /**
   * KV memory gauges over the pool (registered once the model, and so the pool, exists); a pool
   * made after a model thread fault replaces the previous one.
   */
  void kvCache(KvCachePool pool) {
    boolean first = kvPool == null;
    kvPool = pool;
    if (!first) {
      return;
    }
    registry.gauge("vllm:kv_cache_usage_perc", model, this, EngineMetrics::kvUsage);
    Gauge.builder("varco:kv_cache_bytes", this, m -> m.kvPool.runningBytes())
        .tag("state", "running").description("KV memory reserved by running requests").register(registry);
    Gauge.builder("varco:kv_cache_bytes", this, m -> m.kvPool.idleBytes())
        .tag("state", "idle").description("KV memory kept for conversations' next turns").register(registry);
  }

  void generated() {
    generationTokens.increment();
  }

  void firstToken(Duration sinceAdmission) {
    timeToFirstToken.record(sinceAdmission);
  }

  void finished(FinishReason reason, Duration sinceAdmission) {
    endToEnd.record(sinceAdmission);
    registry.counter("vllm:request_success", model.and("finished_reason", reason.name().toLowerCase())).increment();
  }
}
