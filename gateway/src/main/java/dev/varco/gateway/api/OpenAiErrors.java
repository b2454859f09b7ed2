package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.varco.gateway.upstream.UpstreamFailure;
import io.quarkus.arc.Arc;
import io.vertx.core.http.HttpServerResponse;

/** Writes errors in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}}. */
final class OpenAiErrors {
  private OpenAiErrors() {}

  static ObjectNode body(ObjectMapper json, String type, String message, String param, String code) {
    ObjectNode error = json.createObjectNode();
    error.put("message", message);
    error.put("type", type);
    error.put("param", param);
    error.put("code", code);
    ObjectNode root = json.createObjectNode();
    root.set("error", error);
    return root;
  }

  /** Sends a complete error response, unless the response has already started. */
  static void send(HttpServerResponse response, ObjectMapper json, int status, String type, String message,
      String param, String code) {
    if (response.headWritten() || response.ended() || response.closed()) {
      return;
    }
    // Every HTTP error answer passes here; the bean is looked up because this is a static helper.
    Arc.container().instance(GatewayMetrics.class).get().error("rest", Integer.toString(status), type);
    if (status == 429 && !response.headers().contains("Retry-After")) {
      // The key limits set their own wait; a full llm-service queue frees as answers end.
      response.putHeader("Retry-After", Long.toString(UpstreamFailure.BUSY_RETRY_AFTER_SECONDS));
    }
    response.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body(json, type, message, param, code).toString());
  }
}
