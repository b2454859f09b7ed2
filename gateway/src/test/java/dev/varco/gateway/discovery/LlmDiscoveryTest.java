package dev.varco.gateway.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LlmDiscoveryTest {

  @Test
  void aStaticListIsCheckedAndNormalised() {
    assertEquals(Set.of("10.0.0.5:9001", "llm-b:9001", "[fd00::1]:9001"),
        LlmDiscovery.parse(List.of("10.0.0.5:9001", " llm-b:9001", "[fd00::1]:9001")));
    for (String bad : List.of("llm-b", "llm-b:", ":9001", "llm-b:x", "llm-b:70000")) {
      var error = assertThrows(IllegalArgumentException.class, () -> LlmDiscovery.parse(List.of(bad)));
      assertTrue(error.getMessage().startsWith("varco.gateway.discovery.addresses: '" + bad + "'"), error.getMessage());
    }
  }

  @Test
  void onlyReadyEndpointsOnTheNamedPortAreReplicas() {
    var slice = new EndpointSliceBuilder().withNewMetadata().withName("s").endMetadata().withAddressType("IPv6")
        .addNewPort().withName("grpc").withPort(9001).endPort()
        .withEndpoints(
            new EndpointBuilder().withAddresses("fd00::1").withNewConditions().withReady(true).endConditions().build(),
            new EndpointBuilder().withAddresses("fd00::2").withNewConditions().withReady(false).withTerminating(true).endConditions().build(),
            new EndpointBuilder().withAddresses("fd00::3").build())
        .build();
    assertEquals(Set.of("[fd00::1]:9001", "[fd00::3]:9001"), EndpointSliceWatcher.readyAddresses(List.of(slice), "grpc"));
    assertEquals(Set.of(), EndpointSliceWatcher.readyAddresses(List.of(slice), "http"), "a slice without the port offers nothing");
  }
}
