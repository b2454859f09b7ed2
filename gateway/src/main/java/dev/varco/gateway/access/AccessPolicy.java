package dev.varco.gateway.access;

import dev.varco.gateway.upstream.BackendDescribed;
import dev.varco.gateway.upstream.ServedModel;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Who may call the gateway and whether one more request is allowed now, for the HTTP API and the
 * gRPC service alike: an API key (or, with no keys configured, a loopback client), then the key's
 * rate and concurrency limits. The edges map the answer to their status codes.
 */
@ApplicationScoped
public class AccessPolicy {
  private static final Logger LOG = Logger.getLogger(AccessPolicy.class);
  /** The caller name of loopback clients of a gateway without keys. */
  public static final String LOCAL_CALLER = "local";

  /** The outcome for one request. */
  public sealed interface Decision permits Admitted, Refused {}

  /** Let in as {@code caller}; release the permit when the request ends. */
  public record Admitted(String caller, KeyLimiter.Permit permit) implements Decision {}

  /** Why not. {@code retryAfterSeconds} is set for {@link Reason#RATE_LIMITED} only. */
  public record Refused(Reason reason, String message, long retryAfterSeconds) implements Decision {}

  public enum Reason {
    /** No key, or a key that is not ours. */
    UNAUTHENTICATED,
    /** A non-loopback client of a gateway without keys. */
    LOOPBACK_ONLY,
    /** Over the key's rate or concurrency limit. */
    RATE_LIMITED
  }

  @Inject AccessConfig config;
  @Inject MeterRegistry registry;
  @Inject ServedModel servedModel;

  private ApiKeys keys;
  private KeyLimiter limiter;
  private final Set<String> gauged = ConcurrentHashMap.newKeySet();

  void onStart(@Observes StartupEvent event) {
    keys = ApiKeys.of(config);
    limiter = KeyLimiter.of(config);
    if (keys.isEmpty()) {
      LOG.warn("no API keys configured (varco.gateway.access.api-keys / api-keys-file): serving loopback clients only");
    } else {
      LOG.infof("%d API keys configured; every request needs Authorization: Bearer <key>", keys.size());
    }
    // Learn the backend's running slots now; if llm-service is not up yet, the first turn's describe does.
    servedModel.describe().subscribe().with(described -> { }, unreachable -> { });
  }

  /** A key never holds more requests in flight than llm-service runs at once. */
  void onBackendDescribed(@Observes BackendDescribed described) {
    int slots = described.description().getMaxRunningRequests();
    if (limiter != null && limiter.capAtBackendSlots(slots)) {
      LOG.warnf("varco.gateway.access.max-concurrent-requests (%d) exceeds llm-service's running slots"
          + " (varco.llm.max-running-requests %d): each key is held to %d requests in flight",
          config.maxConcurrentRequests(), slots, slots);
    }
  }

  /**
   * @param authorization the {@code Authorization} header (or gRPC metadata) value, or null
   * @param remote the client's address, or null when unknown (never loopback then)
   */
  public Decision decide(String authorization, InetAddress remote) {
    String caller;
    if (keys.isEmpty()) {
      if (remote == null || !remote.isLoopbackAddress()) {
        return new Refused(Reason.LOOPBACK_ONLY, "this gateway has no API keys configured and serves loopback clients "
            + "only (set varco.gateway.access.api-keys)", 0);
      }
      caller = LOCAL_CALLER;
    } else {
      String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
          ? authorization.substring(7).strip() : null;
      var name = keys.nameOf(presented);
      if (name.isEmpty()) {
        return new Refused(Reason.UNAUTHENTICATED,
            presented == null ? "missing API key: send Authorization: Bearer <key>" : "invalid API key", 0);
      }
      caller = name.get();
    }
    return switch (limiter.tryAcquire(caller)) {
      case KeyLimiter.Refusal refusal -> new Refused(Reason.RATE_LIMITED, refusal.reason(), refusal.retryAfterSeconds());
      case KeyLimiter.Permit permit -> {
        if (gauged.add(caller)) {
          Gauge.builder("varco_gateway_requests_in_flight", limiter, l -> l.inFlight(caller))
              .description("Requests of one key admitted and not yet ended (limit: varco.gateway.access.max-concurrent-requests)")
              .tag("key", caller).register(registry);
        }
        yield new Admitted(caller, permit);
      }
    };
  }
}
