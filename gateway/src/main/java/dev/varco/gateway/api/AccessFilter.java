package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.gateway.access.AccessPolicy;
import dev.varco.gateway.access.KeyLimiter;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Runs {@link AccessPolicy} before every {@code /v1/*} route. Refusals are OpenAI-shaped: 401 for
 * a missing or unknown key, 403 for a non-loopback client of a keyless gateway, 429 with
 * {@code Retry-After} over a limit.
 */
@ApplicationScoped
public class AccessFilter {
  /** Routing-context key of the admitted caller's name (an API key's owner, or {@link AccessPolicy#LOCAL_CALLER}). */
  private static final String CALLER = "varco.caller";
  /** Routing-context key of the admitted request's concurrency permit. */
  private static final String PERMIT = "varco.permit";
  @Inject AccessPolicy policy;
  @Inject ObjectMapper json;

  void register(@Observes Router router) {
    router.route("/v1/*").order(-100).handler(this::check);
  }

  private void check(RoutingContext ctx) {
    switch (policy.decide(ctx.request().getHeader("Authorization"), address(ctx.request().remoteAddress()))) {
      case AccessPolicy.Refused refused -> {
        switch (refused.reason()) {
          case UNAUTHENTICATED -> OpenAiErrors.send(ctx.response(), json, 401, "invalid_request_error", refused.message(),
              null, "invalid_api_key");
          case LOOPBACK_ONLY -> OpenAiErrors.send(ctx.response(), json, 403, "permission_error", refused.message(), null,
              "loopback_only");
          case RATE_LIMITED -> {
            ctx.response().putHeader("Retry-After", Long.toString(refused.retryAfterSeconds()));
            OpenAiErrors.send(ctx.response(), json, 429, "rate_limit_error", refused.message(), null, "rate_limit_exceeded");
          }
        }
      }
      case AccessPolicy.Admitted admitted -> {
        // The one place the slot comes back, however the exchange ends: the context's end handlers run
        // when the response ends (any status) or the connection drops (client gone mid-upload or
        // mid-stream). They hang on the response's end/close/exception handlers, so nothing on /v1
        // may set those directly (routes add end handlers instead; BodyLimit runs before Quarkus'
        // own body check, which would replace them).
        ctx.addEndHandler(ended -> admitted.permit().release());
        // Vert.x runs end handlers only after the last bytes went to the socket, so a client that
        // read them could be refused its next request: the slot comes back before they are written.
        // A whole answer (not chunked) is written with its headers; a stream calls answered() itself.
        ctx.addHeadersEndHandler(headers -> {
          if (!ctx.response().isChunked()) {
            admitted.permit().release();
          }
        });
        ctx.put(CALLER, admitted.caller());
        ctx.put(PERMIT, admitted.permit());
        ctx.next();
      }
    }
  }

  /** Who is calling: the name the access check admitted the request under. */
  static String caller(RoutingContext ctx) {
    String caller = ctx.get(CALLER);
    if (caller == null) {
      throw new IllegalStateException("no access check ran for " + ctx.request().path());
    }
    return caller;
  }

  /**
   * The answer is complete and its last event is about to be written: the caller's slot comes back
   * now, so a client that read that event may start its next request at once. Idempotent.
   */
  static void answered(RoutingContext ctx) {
    KeyLimiter.Permit permit = ctx.get(PERMIT);
    if (permit != null) {
      permit.release();
    }
  }

  /** The client's IP address (an IP literal, so no name lookup), or null. */
  static InetAddress address(SocketAddress address) {
    if (address == null || address.hostAddress() == null) {
      return null;
    }
    try {
      return InetAddress.getByName(address.hostAddress());
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
