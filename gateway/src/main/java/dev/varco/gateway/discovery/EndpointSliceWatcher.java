package dev.varco.gateway.discovery;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import dev.varco.gateway.routing.HostPort;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Watches the EndpointSlices of one Service (label {@code kubernetes.io/service-name}) and
 * reports its ready endpoints, as {@code address:port}, after every change. An informer lists
 * then watches, and re-lists after a dropped watch, so a missed event heals by itself.
 */
final class EndpointSliceWatcher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(EndpointSliceWatcher.class);
  static final String SERVICE_LABEL = "kubernetes.io/service-name";

  private final String portName;
  private final Consumer<Set<String>> sink;
  private final SharedIndexInformer<EndpointSlice> informer;

  EndpointSliceWatcher(KubernetesClient client, String namespace, String service, String portName, Consumer<Set<String>> sink) {
    this.portName = portName;
    this.sink = sink;
    this.informer = client.discovery().v1().endpointSlices().inNamespace(namespace).withLabel(SERVICE_LABEL, service)
        .runnableInformer(0);
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(EndpointSlice slice) {
        refresh();
      }

      @Override
      public void onUpdate(EndpointSlice before, EndpointSlice after) {
        refresh();
      }

      @Override
      public void onDelete(EndpointSlice slice, boolean finalStateUnknown) {
        refresh();
      }
    });
    LOG.infof("watching the EndpointSlices of Service %s/%s (port %s) for llm-service replicas", namespace, service, portName);
    informer.start();
  }

  /** Reports the whole set again: the informer's cache holds every slice of the Service. */
  private synchronized void refresh() {
    sink.accept(readyAddresses(informer.getStore().list(), portName));
  }

  /**
   * The ready endpoints of {@code slices} on the port named {@code portName}. An endpoint whose
   * ready condition is unset counts as ready (the API's rule); a terminating one is not ready.
   */
  static Set<String> readyAddresses(Collection<EndpointSlice> slices, String portName) {
    Set<String> addresses = new TreeSet<>();
    for (EndpointSlice slice : slices) {
      Integer port = slice.getPorts() == null ? null : slice.getPorts().stream()
          .filter(p -> portName.equals(p.getName())).map(EndpointPort::getPort).findFirst().orElse(null);
      if (port == null || slice.getEndpoints() == null) {
        continue;
      }
      for (Endpoint endpoint : slice.getEndpoints()) {
        boolean ready = endpoint.getConditions() == null || endpoint.getConditions().getReady() == null
            || endpoint.getConditions().getReady();
        if (ready && endpoint.getAddresses() != null && !endpoint.getAddresses().isEmpty()) {
          // Every address of an endpoint is the same pod; one is enough.
          addresses.add(HostPort.format(endpoint.getAddresses().getFirst(), port));
        }
      }
    }
    return addresses;
  }

  @Override
  public void close() {
    informer.close();
  }
}
