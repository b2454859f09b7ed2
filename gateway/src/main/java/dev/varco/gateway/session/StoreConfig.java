package dev.varco.gateway.session;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;

/** Where conversations are kept. */
@ConfigMapping(prefix = "varco.gateway.store")
public interface StoreConfig {

  /**
   * Which store: {@code embedded} (an H2 file in {@link #dir()}, for one gateway) or {@code redis}
   * (shared by several gateway replicas; the connection is Quarkus' {@code quarkus.redis.hosts}).
   */
  @WithDefault("embedded")
  String kind();

  /** Directory of the embedded store; created when absent. */
  @WithDefault(".varco/gateway-store")
  Path dir();

  /** The Redis store's own settings (the connection itself is {@code quarkus.redis.*}). */
  RedisStore redis();

  interface RedisStore {
    /** Prefix of every key the store writes, so several deployments can share one Redis. */
    @WithDefault("varco:")
    String keyPrefix();

    /** Longest wait for Redis' answer to one store call; past it the call fails (503 at the edge). */
    @WithDefault("PT5S")
    Duration timeout();
  }
}
