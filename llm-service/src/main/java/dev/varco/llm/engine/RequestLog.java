package dev.varco.llm.engine;

import dev.varco.llm.model.GenerationResult;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * One INFO line per finished or abandoned request, this service's access log: tokens in and out,
 * how it ended, how long it took. Each names the caller's request id (the gateway's X-Request-Id,
 * carried in the request), so one id finds a turn in the gateway's, this and vision-service's logs;
 * the id is also in the MDC as {@code request_id}, for structured (JSON) log handlers.
 */
final class RequestLog {
  static final String MDC_KEY = "request_id";
  private static final Logger LOG = Logger.getLogger(RequestLog.class);

  private RequestLog() {}

  static void finished(String requestId, GenerationResult result, long admittedNanos, long firstTokenNanos) {
    long now = System.nanoTime();
    withRequestId(requestId, () -> LOG.infof(
        "request %s finished: %d prompt tokens (%d image rows, %d from the KV cache), %d generated, %s, %d ms (first token %s)",
        requestId, result.promptTokens(), result.imageTokens(), result.cachedPromptTokens(), result.completionTokens(),
        result.finishReason().name().toLowerCase(), TimeUnit.NANOSECONDS.toMillis(now - admittedNanos),
        firstTokenNanos == 0 ? "none" : TimeUnit.NANOSECONDS.toMillis(firstTokenNanos - admittedNanos) + " ms"));
  }

  static void cancelled(String requestId, GenerationResult result, long admittedNanos) {
    withRequestId(requestId, () -> LOG.infof("request %s cancelled by its caller after %d generated tokens, %d ms", requestId,
        result.completionTokens(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - admittedNanos)));
  }

  /** Runs {@code logging} with {@code requestId} in the MDC, then restores what was there. */
  static void withRequestId(String requestId, Runnable logging) {
    Object previous = MDC.get(MDC_KEY);
    MDC.put(MDC_KEY, requestId);
    try {
      logging.run();
    } finally {
      if (previous == null) {
        MDC.remove(MDC_KEY);
      } else {
        MDC.put(MDC_KEY, previous);
      }
    }
  }
}
