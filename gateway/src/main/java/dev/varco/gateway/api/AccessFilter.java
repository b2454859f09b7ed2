package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.gateway.access.AccessConfig;
import dev.varco.gateway.access.ApiKeys;
import dev.varco.gateway.access.KeyLimiter;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.jboss.logging.Logger;

/**
 * Runs before every {@code /v1/*} route: who is calling (an API key, or a loopback client when no
 * keys are configured) and whether their rate and concurrency limits allow one more request.
 * Refusals are OpenAI-shaped: 401 for a missing or unknown key, 403 for a non-loopback client of a
 * keyless gateway, 429 with {@code Retry-After} over a limit. The key's name is left in the
 * routing context for the routes (owners of conversations).
 */
@ApplicationScoped
public class AccessFilter {
  private static final Logger LOG = Logger.getLogger(AccessFilter.class);
  /** Routing-context key holding the caller's key name. */
  public static final String CALLER = "varco.caller";
  /** The caller name of loopback clients of a gateway without keys. */
  static final String LOCAL_CALLER = "local";

  @Inject AccessConfig config;
  @Inject ObjectMapper json;

  private ApiKeys keys;
  private KeyLimiter limiter;

  void onStart(@Observes StartupEvent event) {
    keys = ApiKeys.of(config);
    limiter = KeyLimiter.of(config);
    if (keys.isEmpty()) {
      LOG.warn("no API keys configured (varco.gateway.access.api-keys / api-keys-file): serving loopback clients only");
    } else {
      LOG.infof("%d API keys configured; every /v1 request needs Authorization: Bearer <key>", keys.size());
    }
  }

  void register(@Observes Router router) {
    router.route("/v1/*").order(-100).handler(this::check);
  }

  private void check(RoutingContext ctx) {
    String caller;
    if (keys.isEmpty()) {
      if (!isLoopback(ctx.request().remoteAddress())) {
        OpenAiErrors.send(ctx.response(), json, 403, "permission_error",
            "this gateway has no API keys configured and serves loopback clients only "
                + "(set varco.gateway.access.api-keys)", null, "loopback_only");
        return;
      }
      caller = LOCAL_CALLER;
    } else {
      String header = ctx.request().getHeader("Authorization");
      String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : null;
      var name = keys.nameOf(presented);
      if (name.isEmpty()) {
        OpenAiErrors.send(ctx.response(), json, 401, "invalid_request_error",
            presented == null ? "missing API key: send Authorization: Bearer <key>" : "invalid API key", null,
            "invalid_api_key");
        return;
      }
      caller = name.get();
    }
    switch (limiter.tryAcquire(caller)) {
      case KeyLimiter.Refusal refusal -> {
        ctx.response().putHeader("Retry-After", Long.toString(refusal.retryAfterSeconds()));
        OpenAiErrors.send(ctx.response(), json, 429, "rate_limit_error", refusal.reason(), null, "rate_limit_exceeded");
      }
      case KeyLimiter.Permit permit -> {
        ctx.put(CALLER, caller);
        // Called when the response ends or the connection drops: a streamed answer holds its slot till then.
        ctx.addEndHandler(ended -> permit.release());
        ctx.next();
      }
    }
  }

  static boolean isLoopback(SocketAddress address) {
    if (address == null || address.hostAddress() == null) {
      return false;
    }
    try {
      return InetAddress.getByName(address.hostAddress()).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
