package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.varco.gateway.chat.ChatTurnRules;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * {@code GET /app/limits.json}: the request limits the web page checks before it uploads anything,
 * so a too large photo is refused in the browser with the limit named, not after a long upload.
 * Open like the page itself (the limits are no secret); the gateway still enforces them.
 */
@ApplicationScoped
public class PageLimits {
  @Inject ChatTurnRules rules;
  @Inject ObjectMapper json;

  void register(@Observes Router router) {
    router.get("/app/limits.json").handler(ctx -> {
      ObjectNode body = json.createObjectNode();
      body.put("max_body_bytes", rules.limits().maxBodyBytes());
      body.put("max_image_bytes", rules.limits().maxImageBytes());
      body.put("max_images", rules.limits().maxImages());
      ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-cache")
          .end(body.toString());
    });
  }
}
