package dev.varco.gateway.api;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;

/** Server-sent events as OpenAI streams them. */
final class EventStream {
  private EventStream() {}

  /**
   * Starts a 200 SSE response that no proxy buffers or caches, whose write queue holds at most
   * {@code maxBacklogBytes} before it reports full; {@code drained} runs when a full queue has
   * been taken by the client.
   */
  static void open(HttpServerResponse response, int maxBacklogBytes, Runnable drained) {
    response.setStatusCode(200)
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    response.setWriteQueueMaxSize(maxBacklogBytes);
    response.drainHandler(v -> drained.run());
  }

  /**
   * After a stalled stream was ended with its error event: a client that still takes nothing
   * within {@code grace} loses the connection, so what it never read is freed.
   */
  static void dropIfStillStuck(HttpServerResponse response, Vertx vertx, Duration grace) {
    vertx.setTimer(Math.max(1, grace.toMillis()), id -> {
      if (!response.closed() && response.writeQueueFull()) {
        response.reset();
      }
    });
  }
}
