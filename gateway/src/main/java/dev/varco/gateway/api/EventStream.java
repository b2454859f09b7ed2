package dev.varco.gateway.api;

import io.vertx.core.http.HttpServerResponse;

/** Server-sent events as OpenAI streams them. */
final class EventStream {
  private EventStream() {}

  /** Starts a 200 SSE response that no proxy buffers or caches. */
  static void open(HttpServerResponse response) {
    response.setStatusCode(200)
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no");
  }
}
