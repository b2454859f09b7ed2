package dev.varco.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The NetworkPolicies allow exactly clients -> gateway -> llm-service -> vision-service, plus
 * Prometheus on the backends' metrics ports, and in the gpu overlay llm-service -> its shard
 * workers; everything else coming in is denied.
 */
class NetworkPolicyTest {
  private static final List<String> VARIANTS = Rendered.VARIANTS;

  /** "from -> to:port" for every connection some policy allows; "any" is any source. */
  private static final Set<String> INTENDED = Set.of(
      "any -> gateway:8080",
      "any -> gateway:9000",
      "gateway -> llm-service:9001",
      "monitoring namespace -> llm-service:8081",
      "llm-service -> vision-service:9002",
      "monitoring namespace -> vision-service:8082");

  @ParameterizedTest
  @FieldSource("VARIANTS")
  void allowExactlyTheIntendedEdges(String variant) {
    Rendered rendered = ManifestsTest.rendered(variant);
    Set<String> allowed = new TreeSet<>();
    boolean denyAll = false;
    for (NetworkPolicy policy : rendered.all(NetworkPolicy.class)) {
      assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes(), policy.getMetadata().getName());
      var selector = policy.getSpec().getPodSelector().getMatchLabels();
      if (selector == null || selector.isEmpty()) {
        assertTrue(policy.getSpec().getIngress().isEmpty(), "the namespace-wide policy allows nothing");
        denyAll = true;
        continue;
      }
      List<Rendered.Workload> targets = rendered.selectedBy(selector);
      assertEquals(1, targets.size(), policy.getMetadata().getName() + " selects one workload");
      String target = targets.getFirst().name();
      for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
        assertTrue(!rule.getPorts().isEmpty(), policy.getMetadata().getName() + ": a rule without ports opens every port");
        List<String> sources = rule.getFrom().isEmpty() ? List.of("any") : rule.getFrom().stream().map(p -> source(rendered, p)).toList();
        for (String source : sources) {
          for (NetworkPolicyPort port : rule.getPorts()) {
            allowed.add(source + " -> " + target + ":" + port.getPort().getIntVal());
          }
        }
      }
    }
    assertTrue(denyAll, "a default-deny policy covers every pod of the namespace");
    Set<String> intended = new TreeSet<>(INTENDED);
    if (variant.equals("gpu")) {
      intended.add("llm-service -> llm-shard:9101"); // the coordinator's all-reduce streams to its shard workers
    }
    assertEquals(intended, allowed);
    // Every allowed port is one the target really listens on.
    for (String edge : allowed) {
      String target = edge.substring(edge.indexOf("-> ") + 3, edge.lastIndexOf(':'));
      int port = Integer.parseInt(edge.substring(edge.lastIndexOf(':') + 1));
      assertTrue(rendered.workload(target).template().getSpec().getContainers().getFirst().getPorts().stream()
          .anyMatch(p -> p.getContainerPort() == port), edge);
    }
  }

  private static String source(Rendered rendered, NetworkPolicyPeer peer) {
    assertEquals(null, peer.getIpBlock(), "no IP blocks");
    if (peer.getNamespaceSelector() != null) {
      assertEquals(null, peer.getPodSelector(), "namespace peers are whole namespaces");
      return peer.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name") + " namespace";
    }
    List<Rendered.Workload> sources = rendered.selectedBy(peer.getPodSelector().getMatchLabels());
    assertEquals(1, sources.size(), "a peer is one workload");
    return sources.getFirst().name();
  }
}
