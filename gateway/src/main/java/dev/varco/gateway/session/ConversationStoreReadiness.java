package dev.varco.gateway.session;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while the conversation store answers: a gateway whose Redis is gone is taken out of
 * the load balancer's rotation rather than failing every conversation call. (Quarkus' own Redis
 * check is off: it would need a Redis client even with the embedded store.)
 */
@Readiness
@ApplicationScoped
public class ConversationStoreReadiness implements HealthCheck {
  @Inject ConversationStore store;
  @Inject StoreConfig config;

  @Override
  public HealthCheckResponse call() {
    try {
      store.ping();
      return HealthCheckResponse.named("conversation store").up().withData("kind", config.kind()).build();
    } catch (StoreFailure e) {
      return HealthCheckResponse.named("conversation store").down().withData("kind", config.kind())
          .withData("error", e.getMessage()).build();
    }
  }
}
