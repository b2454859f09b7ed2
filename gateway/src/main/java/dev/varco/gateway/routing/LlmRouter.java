package dev.varco.gateway.routing;

import io.grpc.Channel;
import io.quarkus.grpc.GrpcClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Chooses the llm-service channel for a turn: the replica its {@link Affinity} hashes to among
 * the replicas discovery reports, or, while none is reported (the default, a single address),
 * the configured {@code llm} client, which is one address or a Kubernetes Service.
 */
@ApplicationScoped
public class LlmRouter {

  @Inject
  @GrpcClient("llm")
  Channel configured;

  @Inject
  ServiceTokenCredentialsInterceptor credentials;

  private final ReplicaChannels replicas;

  @Inject
  public LlmRouter(@ConfigProperty(name = "quarkus.grpc.clients.llm.max-inbound-message-size", defaultValue = "16777216")
      int maxInboundMessageBytes) {
    this.replicas = new ReplicaChannels(maxInboundMessageBytes);
  }

  /** The replicas discovery keeps up to date. */
  public ReplicaChannels replicas() {
    return replicas;
  }

  public Channel channel(Affinity affinity) {
    Map.Entry<String, ? extends Channel> routed = replicas.route(affinity.key());
    // The configured client carries the service token already (a global interceptor).
    return routed == null ? configured : credentials.authenticate(routed.getValue());
  }

  /** The replica {@code affinity} routes to now, or null when the configured client serves it. */
  public String replica(Affinity affinity) {
    var routed = replicas.route(affinity.key());
    return routed == null ? null : routed.getKey();
  }

  @PreDestroy
  void close() {
    replicas.close();
  }
}
