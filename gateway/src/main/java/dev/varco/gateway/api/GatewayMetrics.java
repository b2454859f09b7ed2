package dev.varco.gateway.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;

/**
 * What the gateway's clients experience, beside Quarkus' own {@code http_server_requests_seconds}
 * (requests and latency by route and status): time to first token as the client sees it (from the
 * request's arrival to the first text sent), tokens, and refusals and failures by status and
 * OpenAI error type. {@code api} is {@code rest} or {@code grpc}.
 */
@ApplicationScoped
public class GatewayMetrics {
  @Inject MeterRegistry registry;

  void firstToken(String api, long requestStartNanos) {
    Timer.builder("varco_gateway_time_to_first_token")
        .description("Request arrival to the first generated text sent to the client")
        .tag("api", api).publishPercentileHistogram().register(registry)
        .record(Duration.ofNanos(System.nanoTime() - requestStartNanos));
  }

  void tokens(String api, int promptTokens, int completionTokens) {
    counter("varco_gateway_prompt_tokens", api, "Prompt tokens of completed answers, image tokens included").increment(promptTokens);
    counter("varco_gateway_completion_tokens", api, "Generated tokens of completed answers").increment(completionTokens);
  }

  /** A request that ended in an error answer: the HTTP status (or gRPC code) and the error type. */
  void error(String api, String status, String type) {
    Counter.builder("varco_gateway_errors").description("Requests answered with an error, by status and cause")
        .tag("api", api).tag("status", status).tag("type", type == null ? "none" : type)
        .register(registry).increment();
  }

  private Counter counter(String name, String api, String description) {
    return Counter.builder(name).description(description).tag("api", api).register(registry);
  }
}
