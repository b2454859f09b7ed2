package dev.varco.gateway.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.gateway.routing.Affinity;
import dev.varco.gateway.routing.LlmRouter;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway in kubernetes mode against the fabric8 mock API server (CRUD mode: slices created,
 * updated and deleted here reach the gateway's informer through a real watch).
 */
@QuarkusTest
@TestProfile(EndpointSliceDiscoveryTest.InKubernetes.class)
@WithKubernetesTestServer(crud = true)
class EndpointSliceDiscoveryTest {
  private static final List<String> PODS = List.of("10.1.0.11", "10.1.0.12", "10.1.0.13", "10.1.0.14");

  public static class InKubernetes implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("varco.gateway.discovery.kind", "kubernetes");
    }
  }

  @KubernetesTestServer
  KubernetesServer server;

  @Inject
  LlmRouter router;

  private KubernetesClient client() {
    return server.getClient();
  }

  private static Endpoint endpoint(String ip, Boolean ready) {
    return new EndpointBuilder().withAddresses(ip).withNewConditions().withReady(ready).endConditions().build();
  }

  private static EndpointSlice slice(String name, String service, int port, List<Endpoint> endpoints) {
    return new EndpointSliceBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/service-name", service).endMetadata()
        .withAddressType("IPv4")
        .addNewPort().withName("grpc").withPort(port).withProtocol("TCP").endPort()
        .addNewPort().withName("http").withPort(8081).withProtocol("TCP").endPort()
        .withEndpoints(endpoints).build();
  }

  private void put(EndpointSlice slice) {
    client().discovery().v1().endpointSlices().resource(slice).createOr(existing -> existing.update());
  }

  private static Set<String> addresses(String... ips) {
    return Set.of(ips).stream().map(ip -> ip + ":9001").collect(java.util.stream.Collectors.toSet());
  }

  /** Waits for the gateway's informer to catch up (a wait for an event, not a speed check). */
  private void awaitReplicas(Set<String> expected) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    Supplier<Set<String>> known = () -> Set.copyOf(router.replicas().addresses());
    while (!known.get().equals(expected)) {
      if (System.nanoTime() > deadline) {
        assertEquals(expected, known.get(), "the gateway's replicas");
      }
      Thread.sleep(20);
    }
  }

  private Map<String, String> placeConversations() {
    Map<String, String> placed = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      String id = "conv_" + Integer.toHexString(i * 7919);
      placed.put(id, router.replica(Affinity.conversation(id)));
    }
    return placed;
  }

  @BeforeEach
  void noSlices() throws InterruptedException {
    client().discovery().v1().endpointSlices().delete();
    awaitReplicas(Set.of());
  }

  @Test
  void readyEndpointsBecomeReplicasAndConversationsSpreadOverThem() throws InterruptedException {
    put(slice("llm-service-a", "llm-service", 9001, PODS.stream().map(ip -> endpoint(ip, true)).toList()));
    awaitReplicas(addresses(PODS.toArray(String[]::new)));
    Map<String, Integer> counts = new HashMap<>();
    placeConversations().values().forEach(r -> counts.merge(r, 1, Integer::sum));
    assertEquals(4, counts.size());
    counts.forEach((replica, n) -> assertTrue(n >= 213 && n <= 287, replica + " holds " + n + " of 1000: " + counts));
  }

  @Test
  void aConversationMovesOnlyWhenItsReplicaGoesAndComesBackWithIt() throws InterruptedException {
    put(slice("llm-service-a", "llm-service", 9001, PODS.stream().map(ip -> endpoint(ip, true)).toList()));
    awaitReplicas(addresses(PODS.toArray(String[]::new)));
    Map<String, String> before = placeConversations();

    // Turned not ready (a terminating pod, or one failing its readiness probe).
    put(slice("llm-service-a", "llm-service", 9001, PODS.stream().map(ip -> endpoint(ip, !ip.equals("10.1.0.13"))).toList()));
    awaitReplicas(addresses("10.1.0.11", "10.1.0.12", "10.1.0.14"));
    Map<String, String> withoutThird = placeConversations();
    int moved = 0;
    for (var entry : before.entrySet()) {
      if (entry.getValue().equals("10.1.0.13:9001")) {
        moved++;
        assertTrue(!withoutThird.get(entry.getKey()).equals("10.1.0.13:9001"));
      } else {
        assertEquals(entry.getValue(), withoutThird.get(entry.getKey()), entry.getKey() + " stays on its live replica");
      }
    }
    assertTrue(moved >= 213 && moved <= 287, "only the gone replica's quarter moves: " + moved);

    // Ready again: every conversation is where it was at first.
    put(slice("llm-service-a", "llm-service", 9001, PODS.stream().map(ip -> endpoint(ip, true)).toList()));
    awaitReplicas(addresses(PODS.toArray(String[]::new)));
    assertEquals(before, placeConversations());

    // Removed from the slice (the pod deleted): the same quarter moves, nothing else.
    put(slice("llm-service-a", "llm-service", 9001, PODS.stream().filter(ip -> !ip.equals("10.1.0.13")).map(ip -> endpoint(ip, true)).toList()));
    awaitReplicas(addresses("10.1.0.11", "10.1.0.12", "10.1.0.14"));
    assertEquals(withoutThird, placeConversations());
  }

  @Test
  void everySliceOfTheServiceCountsAndNothingElse() throws InterruptedException {
    put(slice("llm-service-a", "llm-service", 9001, List.of(endpoint("10.1.0.11", true))));
    // A ready condition left unset means ready.
    put(slice("llm-service-b", "llm-service", 9001, List.of(endpoint("10.1.0.12", null))));
    put(slice("vision-service-a", "vision-service", 9001, List.of(endpoint("10.1.0.99", true))));
    awaitReplicas(addresses("10.1.0.11", "10.1.0.12"));
    client().discovery().v1().endpointSlices().withName("llm-service-a").delete();
    awaitReplicas(addresses("10.1.0.12"));
  }

  @Test
  void withNoReadyReplicaTurnsGoToTheConfiguredService() throws InterruptedException {
    put(slice("llm-service-a", "llm-service", 9001, List.of(endpoint("10.1.0.11", false))));
    // The informer has seen the slice (an unrelated ready one proves it) and still routes nowhere.
    put(slice("llm-service-b", "llm-service", 9001, List.of(endpoint("10.1.0.12", true))));
    awaitReplicas(addresses("10.1.0.12"));
    client().discovery().v1().endpointSlices().withName("llm-service-b").delete();
    awaitReplicas(Set.of());
    assertEquals(null, router.replica(Affinity.conversation("conv_1")), "no replica: the configured llm client serves it");
  }
}
