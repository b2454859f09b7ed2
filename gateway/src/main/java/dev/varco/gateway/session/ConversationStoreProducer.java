package dev.varco.gateway.session;

import io.quarkus.runtime.Startup;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Opens the configured {@link ConversationStore} at start-up and closes it at shutdown. */
@ApplicationScoped
public class ConversationStoreProducer {
  private static final Logger LOG = Logger.getLogger(ConversationStoreProducer.class);

  /** Looked up only for kind=redis, so the embedded store never needs, configures or connects a Redis client. */
  @Inject Instance<Redis> redis;

  @ConfigProperty(name = "quarkus.redis.hosts")
  Optional<String> redisHosts;

  @Produces
  @ApplicationScoped
  @Startup
  ConversationStore store(StoreConfig config) {
    return switch (config.kind()) {
      case "embedded" -> {
        LOG.infof("conversation store: embedded, in %s", config.dir().toAbsolutePath());
        yield H2ConversationStore.open(config.dir());
      }
      case "redis" -> openRedis(config.redis());
      default -> throw new IllegalArgumentException("varco.gateway.store.kind '" + config.kind()
          + "' is not supported; use 'embedded' or 'redis'");
    };
  }

  private ConversationStore openRedis(StoreConfig.RedisStore config) {
    if (redisHosts.isEmpty() || redisHosts.get().isBlank()) {
      throw new IllegalArgumentException("varco.gateway.store.kind=redis needs quarkus.redis.hosts,"
          + " e.g. -Dquarkus.redis.hosts=redis://127.0.0.1:6379");
    }
    RedisConversationStore store = new RedisConversationStore(redis.get(), config.keyPrefix(), config.timeout(),
        withoutCredentials(redisHosts.get()), () -> {}); // the client is Quarkus': it closes it
    // Redis may come up after the gateway: start anyway, and say so (readiness stays DOWN until it answers).
    try {
      store.ping();
      LOG.infof("conversation store: Redis at %s, keys under '%s'", store.where(), config.keyPrefix());
    } catch (StoreFailure e) {
      LOG.warnf("%s; readiness is DOWN until Redis answers", e.getMessage());
    }
    return store;
  }

  /** The hosts without passwords, for logs and error messages. */
  static String withoutCredentials(String hosts) {
    StringBuilder out = new StringBuilder();
    for (String host : hosts.split(",")) {
      String shown = host.strip();
      try {
        URI uri = URI.create(shown);
        if (uri.getRawUserInfo() != null) {
          shown = shown.replace(uri.getRawUserInfo() + "@", "");
        }
      } catch (IllegalArgumentException e) {
        shown = "(unparsable host)";
      }
      out.append(out.isEmpty() ? "" : ",").append(shown);
    }
    return out.toString();
  }

  void close(@Disposes ConversationStore store) {
    store.close();
  }
}
