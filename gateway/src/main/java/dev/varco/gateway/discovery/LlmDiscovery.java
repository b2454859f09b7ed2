package dev.varco.gateway.discovery;

import dev.varco.gateway.routing.HostPort;
import dev.varco.gateway.routing.LlmRouter;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Feeds the router the llm-service replicas at start-up: a static list once, or the ready
 * endpoints of the Service's EndpointSlices for as long as the gateway runs. The Kubernetes client
 * is only created in kubernetes mode, so a gateway outside Kubernetes never looks for a cluster.
 */
@ApplicationScoped
public class LlmDiscovery {

  @Inject
  DiscoveryConfig config;

  @Inject
  LlmRouter router;

  @Inject
  Instance<KubernetesClient> kubernetes;

  private EndpointSliceWatcher watcher;

  void start(@Observes StartupEvent event) {
    switch (config.kind()) {
      case STATIC -> config.addresses().ifPresent(addresses -> router.replicas().update(parse(addresses)));
      case KUBERNETES -> {
        KubernetesClient client = kubernetes.get();
        String namespace = config.namespace().orElseGet(client::getNamespace);
        watcher = new EndpointSliceWatcher(client, namespace, config.service(), config.portName(), router.replicas()::update);
      }
    }
  }

  void stop(@Observes ShutdownEvent event) {
    if (watcher != null) {
      watcher.close();
    }
  }

  /** The static list, each {@code host:port} checked; a bad entry fails start-up naming the key. */
  static Set<String> parse(List<String> addresses) {
    Set<String> parsed = new LinkedHashSet<>();
    for (String address : addresses) {
      try {
        HostPort target = HostPort.parse(address.strip());
        parsed.add(HostPort.format(target.host(), target.port()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("varco.gateway.discovery.addresses: " + e.getMessage(), e);
      }
    }
    return parsed;
  }
}
