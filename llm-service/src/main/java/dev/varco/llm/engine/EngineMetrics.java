package dev.varco.llm.engine;

import dev.varco.llm.model.FinishReason;
import io.micrometer.core.instrument.Counter;
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
  private final MeterRegistry registry;

  EngineMetrics(MeterRegistry registry) {
    this.registry = registry;
    registry.gauge("vllm:num_requests_running", running);
    registry.gauge("vllm:num_requests_waiting", waiting);
    promptTokens = Counter.builder("vllm:prompt_tokens").description("Prefilled prompt tokens, image rows included").register(registry);
    generationTokens = Counter.builder("vllm:generation_tokens").description("Generated tokens").register(registry);
    timeToFirstToken =
        Timer.builder("vllm:time_to_first_token").description("Admission to first generated token").publishPercentileHistogram().register(registry);
    endToEnd =
        Timer.builder("vllm:e2e_request_latency").description("Admission to completion").publishPercentileHistogram().register(registry);
  }

  void prompt(int tokens) {
    promptTokens.increment(tokens);
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
