package dev.varco.gateway.session;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import org.jboss.logging.Logger;

/** Opens the configured {@link ConversationStore} at start-up and closes it at shutdown. */
@ApplicationScoped
public class ConversationStoreProducer {
  private static final Logger LOG = Logger.getLogger(ConversationStoreProducer.class);

  @Produces
  @ApplicationScoped
  @Startup
  ConversationStore store(StoreConfig config) {
    if (!"embedded".equals(config.kind())) {
      throw new IllegalArgumentException("varco.gateway.store.kind '" + config.kind()
          + "' is not supported; use 'embedded'");
    }
    LOG.infof("conversation store: embedded, in %s", config.dir().toAbsolutePath());
    return H2ConversationStore.open(config.dir());
  }

  void close(@Disposes ConversationStore store) {
    store.close();
  }
}
