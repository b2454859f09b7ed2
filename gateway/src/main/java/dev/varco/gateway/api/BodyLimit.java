package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.gateway.chat.ChatTurnRules;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The one request-body limit of the HTTP API, {@code varco.gateway.max-body-bytes}, read once for
 * every {@code /v1} route right after the access check. A declared {@code Content-Length} over the
 * limit is refused before a byte is read; a chunked upload as soon as it passes the limit. Both get
 * the same OpenAI-shaped 413 naming the limit and its key. A body still incomplete after
 * {@code varco.gateway.body-read-timeout} (a stalled or trickling upload) gets a 408 and its
 * connection is closed, which gives the caller's slot back.
 *
 * <p>Quarkus has a check of its own ({@code quarkus.http.limits.max-body-size}, a route at order -2)
 * that answers an empty 413 and replaces the response's end handler, so the per-key slot taken by
 * {@link AccessFilter} would never come back. This route runs before it, and startup refuses a
 * Quarkus limit other than ours, so Quarkus' check never fires on {@code /v1} and the limit a user
 * configures is the one in effect.
 */
@ApplicationScoped
public class BodyLimit {
  /** After {@link AccessFilter} (-100, an unknown caller's upload is not read), before Quarkus' limit (-2). */
  static final int ORDER = -90;
  static final String CONFIG_KEY = "varco.gateway.max-body-bytes";
  static final String TIMEOUT_KEY = "varco.gateway.body-read-timeout";
  private static final String QUARKUS_KEY = "quarkus.http.limits.max-body-size";

  @Inject ChatTurnRules rules;
  @Inject ObjectMapper json;

  @ConfigProperty(name = QUARKUS_KEY)
  Optional<MemorySize> quarkusLimit;

  void register(@Observes Router router) {
    long limit = rules.limits().maxBodyBytes();
    if (quarkusLimit.isEmpty() || quarkusLimit.get().asLongValue() != limit) {
      throw new IllegalStateException(QUARKUS_KEY + " (" + quarkusLimit.map(MemorySize::asLongValue).orElse(null)
          + ") must equal " + CONFIG_KEY + " (" + limit + "): set only " + CONFIG_KEY
          + ", application.properties makes Quarkus follow it");
    }
    BodyHandler reader = BodyHandler.create(false).setBodyLimit(limit);
    long timeoutMillis = rules.limits().bodyReadTimeout().toMillis();
    router.route("/v1/*").order(ORDER).handler(ctx -> {
      String declared = ctx.request().getHeader("Content-Length");
      if (declared != null && declaredLength(declared) > limit) {
        tooLarge(ctx, limit);
        return;
      }
      if (!ctx.request().isEnded()) {
        long timer = ctx.vertx().setTimer(timeoutMillis, fired -> {
          if (!ctx.request().isEnded()) {
            tooSlow(ctx, timeoutMillis);
          }
        });
        ctx.addEndHandler(ended -> ctx.vertx().cancelTimer(timer));
      }
      reader.handle(ctx);
    }).failureHandler(ctx -> {
      if (ctx.statusCode() == 413) {
        tooLarge(ctx, limit);
      } else if (ctx.response().closed()) {
        // The client went away mid-upload: nobody to answer, nothing wrong with the gateway.
      } else {
        ctx.next();
      }
    });
  }

  /** Netty refuses a malformed Content-Length before routing; a value past a long counts as over any limit. */
  private static long declaredLength(String header) {
    try {
      return Long.parseLong(header.strip());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  /** 408: the body did not arrive in time; the connection is closed, as the rest is never read. */
  private void tooSlow(RoutingContext ctx, long timeoutMillis) {
    ctx.response().putHeader("Connection", "close");
    OpenAiErrors.send(ctx.response(), json, 408, "invalid_request_error", "the request body did not arrive within "
        + timeoutMillis + " ms (" + TIMEOUT_KEY + ")", null, "request_timeout");
    ctx.request().connection().close();
  }

  private void tooLarge(RoutingContext ctx, long limit) {
    // The rest of the upload is not read: close the connection rather than parse it as the next request.
    ctx.response().putHeader("Connection", "close");
    OpenAiErrors.send(ctx.response(), json, 413, "invalid_request_error", "the request body is larger than the limit of "
        + limit + " bytes (" + CONFIG_KEY + "); images travel base64-encoded, about 4/3 of their file size",
        null, "request_too_large");
  }
}
