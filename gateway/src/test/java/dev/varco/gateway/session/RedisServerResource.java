package dev.varco.gateway.session;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Starts a real redis-server before Quarkus and points the gateway's store at it ({@code
 * kind=redis}, {@code quarkus.redis.hosts}); stops it when Quarkus stops.
 */
public class RedisServerResource implements QuarkusTestResourceLifecycleManager {
  /** The running server, for tests that stop and restart it. */
  public static volatile RedisServerProcess server;

  @Override
  public Map<String, String> start() {
    server = RedisServerProcess.start("quarkus");
    return Map.of(
        "varco.gateway.store.kind", "redis",
        "quarkus.redis.hosts", server.uri(),
        // Short, so a test with Redis gone does not wait long for each refusal.
        "varco.gateway.store.redis.timeout", "PT2S");
  }

  @Override
  public void stop() {
    if (server != null) {
      server.close();
    }
  }
}
