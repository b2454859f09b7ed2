package dev.varco.llm.engine;

import dev.varco.llm.model.FinishReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Prometheus metrics under vLLM's names (the {@code vllm:} prefix included), so autoscaling
 * recipes written for vLLM work unchanged.
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
  private final MeterRegistry registry;
  private volatile KvCachePool kvPool;

  EngineMetrics(MeterRegistry registry) {
    this.registry = registry;
    registry.gauge("vllm:num_requests_running", running);
    registry.gauge("vllm:num_requests_waiting", waiting);
    promptTokens = Counter.builder("vllm:prompt_tokens").description("Prefilled prompt tokens, image rows included").register(registry);
    generationTokens = Counter.builder("vllm:generation_tokens").description("Generated tokens").register(registry);
    timeToFirstToken =
        Timer.builder("vllm:time_to_first_token").description("Admission to first generated token").publishPercentileHistogram().register(registry);
    interToken =
        Timer.builder("vllm:inter_token_latency").description("Time between consecutive generated tokens of a request").publishPercentileHistogram().register(registry);
    prefixQueries =
        Counter.builder("vllm:prefix_cache_queries").description("Prompt positions looked up in the KV cache").register(registry);
    prefixHits =
        Counter.builder("vllm:prefix_cache_hits").description("Prompt positions found in the KV cache (not prefilled)").register(registry);
    endToEnd =
        Timer.builder("vllm:e2e_request_latency").description("Admission to completion").publishPercentileHistogram().register(registry);
  }

  /** A request starts: its prompt positions, of which {@code reused} came from the KV cache. */
  void prompt(int tokens, int reused) {
    promptTokens.increment(tokens);
    prefixQueries.increment(tokens);
    prefixHits.increment(reused);
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
    registry.gauge("vllm:kv_cache_usage_perc", this,
        m -> (double) (m.kvPool.runningBytes() + m.kvPool.idleBytes()) / m.kvPool.budgetBytes());
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
    registry.counter("vllm:request_success", "finished_reason", reason.name().toLowerCase()).increment();
  }
}
