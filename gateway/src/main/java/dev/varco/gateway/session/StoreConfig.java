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

  /** How long and how many conversations and responses are kept, and how often that is enforced. */
  RetentionConfig retention();

  interface RetentionConfig {
    /** A conversation nothing was written to for this long is deleted; 0 keeps it. */
    @WithDefault("0")
    Duration conversationMaxAge();

    /** Conversations kept per key, the least recently active deleted beyond it; 0 for no limit. */
    @WithDefault("0")
    int maxConversationsPerKey();

    /** A response recorded this long ago is deleted (OpenAI keeps responses 30 days); 0 keeps it. */
    @WithDefault("P30D")
    Duration responseMaxAge();

    /** Responses kept per key, the oldest deleted beyond it; 0 for no limit. */
    @WithDefault("0")
    int maxResponsesPerKey();

    /** Time between two sweeps; the limits may be exceeded by what arrives in between. */
    @WithDefault("PT5M")
    Duration sweepInterval();

    /** Conversations or responses deleted in one store transaction (or one Redis script) of a sweep. */
    @WithDefault("200")
    int sweepBatch();

    default Retention policy() {
      return new Retention(conversationMaxAge(), maxConversationsPerKey(), responseMaxAge(), maxResponsesPerKey());
    }
  }

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
