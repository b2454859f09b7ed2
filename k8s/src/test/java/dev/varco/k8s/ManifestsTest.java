package dev.varco.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Invariants every rendering of k8s/ keeps: each object parses strictly, and the pieces fit together. */
class ManifestsTest {
  private static final Map<String, Rendered> RENDERED = new java.util.concurrent.ConcurrentHashMap<>();
  private static final List<String> VARIANTS = Rendered.VARIANTS;

  /** The Secrets the gpu overlay expects to exist (created by the operator, README). */
  private static final Set<String> EXTERNAL_SECRETS = Set.of("varco-api-keys", "varco-service-token");

  static Rendered rendered(String variant) {
    return RENDERED.computeIfAbsent(variant, Rendered::of);
  }

  private static Stream<Container> servingContainers(Rendered rendered) {
    return rendered.workloads().stream().filter(Rendered.Workload::serves)
        .flatMap(w -> w.template().getSpec().getContainers().stream());
  }

  @Test
  void strictParsingRefusesAFieldTheModelDoesNotKnow() {
    String deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: x}
        spec:
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers: [{name: x, image: x, readinessProbe: {httpGet: {path: /, port: 80}, periodSecond: 5}}]
        """;
    var error = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> StrictModel.parse(deployment));
    assertTrue(error.getMessage().contains("periodSecond"), error.getMessage());
    assertNotNull(StrictModel.parse(deployment.replace("periodSecond:", "periodSeconds:")));
  }

  @ParameterizedTest
  @FieldSource("VARIANTS")
  void rendersTheWholeStack(String variant) {
    Rendered rendered = rendered(variant);
    for (String service : ServiceConfig.SERVICES) {
      rendered.named(Service.class, service);
      rendered.workload(service);
      rendered.named(PodDisruptionBudget.class, service);
    }
    rendered.workload("varco-model");
    assertEquals("StatefulSet", rendered.workload("llm-service").kind(), "llm-service replicas have stable names");
    Service headless = rendered.named(Service.class, "llm-service-pods");
    assertEquals("None", headless.getSpec().getClusterIP());
    assertEquals("llm-service-pods", rendered.named(StatefulSet.class, "llm-service").getSpec().getServiceName());
    for (var object : rendered.all(io.fabric8.kubernetes.api.model.HasMetadata.class)) {
      if (!(object instanceof io.fabric8.kubernetes.api.model.Namespace)) {
        assertEquals("varco", object.getMetadata().getNamespace(), object.getKind() + " " + object.getMetadata().getName());
      }
    }
  }

  @ParameterizedTest
  @FieldSource("VARIANTS")
  void everyContainerHasProbesRequestsAndLimits(String variant) {
    Rendered rendered = rendered(variant);
    servingContainers(rendered).forEach(c -> {
      for (Probe probe : new Probe[] {c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe()}) {
        assertNotNull(probe, c.getName() + " lacks a probe");
        if (probe.getGrpc() != null) {
          // A plain gRPC process (the decoder's shard worker): the standard gRPC health service.
          int port = probe.getGrpc().getPort();
          assertTrue(c.getPorts().stream().anyMatch(p -> p.getContainerPort() == port), c.getName() + " probes port " + port);
          continue;
        }
        String port = probe.getHttpGet().getPort().getStrVal();
        assertTrue(c.getPorts().stream().anyMatch(p -> p.getName().equals(port)), c.getName() + " probes port " + port);
      }
      if (c.getLivenessProbe().getHttpGet() != null) {
        assertEquals("/q/health/live", c.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath());
      }
    });
    rendered.workloads().stream()
        .flatMap(w -> Stream.concat(w.template().getSpec().getContainers().stream(), w.template().getSpec().getInitContainers().stream()))
        .forEach(c -> {
          var resources = c.getResources();
          for (String resource : List.of("cpu", "memory")) {
            Quantity request = resources.getRequests().get(resource);
            Quantity limit = resources.getLimits().get(resource);
            assertNotNull(request, c.getName() + " requests " + resource);
            assertNotNull(limit, c.getName() + " limits " + resource);
            assertTrue(request.getNumericalAmount().compareTo(limit.getNumericalAmount()) <= 0,
                c.getName() + ": " + resource + " request above its limit");
          }
        });
  }

  @ParameterizedTest
  @FieldSource("VARIANTS")
  void podsRunAsNonRootOnAReadOnlyRootFilesystem(String variant) {
    for (Rendered.Workload workload : rendered(variant).workloads()) {
      PodSpec pod = workload.template().getSpec();
      assertTrue(pod.getSecurityContext().getRunAsNonRoot(), workload.name());
      assertTrue(pod.getSecurityContext().getRunAsUser() > 0, workload.name());
      assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
      Stream.concat(pod.getContainers().stream(), pod.getInitContainers().stream()).forEach(c -> {
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem(), c.getName());
        assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation(), c.getName());
        assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop(), c.getName());
      });
      // The JVM's java.io.tmpdir (/tmp in the images) needs a writable volume.
      pod.getContainers().forEach(c -> assertTrue(c.getVolumeMounts().stream()
          .anyMatch(m -> m.getMountPath().equals("/tmp") && !Boolean.TRUE.equals(m.getReadOnly())), c.getName() + " has no /tmp"));
    }
  }

  @ParameterizedTest
  @FieldSource("VARIANTS")
  void selectorsMatchTheirPods(String variant) {
    Rendered rendered = rendered(variant);
    for (Rendered.Workload workload : rendered.workloads()) {
      if (workload.selector() != null) {
        assertTrue(workload.template().getMetadata().getLabels().entrySet().containsAll(workload.selector().getMatchLabels().entrySet()),
            workload.name() + ": selector does not match its pod template");
      }
    }
    for (Service service : rendered.all(Service.class)) {
      assertEquals(1, rendered.selectedBy(service.getSpec().getSelector()).stream().filter(Rendered.Workload::serves).count(),
          "Service " + service.getMetadata().getName() + " selects exactly one workload");
    }
    for (PodDisruptionBudget pdb : rendered.all(PodDisruptionBudget.class)) {
      assertEquals(1, rendered.selectedBy(pdb.getSpec().getSelector().getMatchLabels()).size(),
          "PDB " + pdb.getMetadata().getName());
    }
  }

  @ParameterizedTest
  @FieldSource("VARIANTS")
  void servicePortsMatchContainerPortsAndTheServicesConfig(String variant) {
    Rendered rendered = rendered(variant);
    for (Service service : rendered.all(Service.class)) {
      Rendered.Workload workload = rendered.selectedBy(service.getSpec().getSelector()).getFirst();
      Container container = workload.template().getSpec().getContainers().getFirst();
      for (ServicePort port : service.getSpec().getPorts()) {
        String target = port.getTargetPort().getStrVal();
        ContainerPort containerPort = container.getPorts().stream().filter(p -> p.getName().equals(target)).findFirst()
            .orElseThrow(() -> new AssertionError(service.getMetadata().getName() + ": no container port " + target));
        assertEquals(containerPort.getContainerPort(), port.getPort(), "Service port = container port");
        if ("shard".equals(target)) {
          continue; // a shard worker's port is its setting, checked against the coordinator's peers (TensorParallelShardsTest)
        }
        int configured = "http".equals(target) ? ServiceConfig.httpPort(workload.name()) : ServiceConfig.grpcPort(workload.name());
        assertEquals(configured, containerPort.getContainerPort(), workload.name() + " " + target + " port vs application.properties");
      }
    }
    // The addresses the services are told to call are the Services' own.
    Map<String, String> gateway = configMap(rendered, "gateway-config").getData();
    assertEquals(String.valueOf(ServiceConfig.grpcPort("llm-service")), gateway.get("QUARKUS_GRPC_CLIENTS_LLM_PORT"));
    rendered.named(Service.class, gateway.get("QUARKUS_GRPC_CLIENTS_LLM_HOST"));
    rendered.named(Service.class, gateway.get("VARCO_GATEWAY_DISCOVERY_SERVICE"));
    Map<String, String> llm = configMap(rendered, "llm-service-config").getData();
    assertEquals(String.valueOf(ServiceConfig.grpcPort("vision-service")), llm.get("VARCO_VISION_PORT"));
    // llm-service spreads its encoder calls over every vision pod: a headless Service, round robin.
    assertEquals("None", rendered.named(Service.class, llm.get("VARCO_VISION_HOST")).getSpec().getClusterIP());
    assertEquals("round_robin", llm.get("QUARKUS_GRPC_CLIENTS_VISION_LOAD_BALANCING_POLICY"));
  }

  @ParameterizedTest
  @FieldSource("VARIANTS")
  void everyReferenceResolves(String variant) {
    Rendered rendered = rendered(variant);
    for (Rendered.Workload workload : rendered.workloads()) {
      PodSpec pod = workload.template().getSpec();
      if (pod.getServiceAccountName() != null) {
        rendered.named(ServiceAccount.class, pod.getServiceAccountName());
      }
      for (Container c : Stream.concat(pod.getContainers().stream(), pod.getInitContainers().stream()).toList()) {
        for (EnvFromSource from : c.getEnvFrom()) {
          configMap(rendered, from.getConfigMapRef().getName());
        }
        for (VolumeMount mount : c.getVolumeMounts()) {
          assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getName().equals(mount.getName())), c.getName() + " mounts " + mount.getName());
        }
      }
      for (Volume volume : pod.getVolumes()) {
        if (volume.getPersistentVolumeClaim() != null) {
          rendered.named(PersistentVolumeClaim.class, volume.getPersistentVolumeClaim().getClaimName());
        }
        if (volume.getSecret() != null) {
          String secret = volume.getSecret().getSecretName();
          assertSecretExists(rendered, variant, secret, workload.name());
        }
      }
      for (Container c : pod.getContainers()) {
        c.getEnv().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
            .forEach(e -> assertSecretExists(rendered, variant, e.getValueFrom().getSecretKeyRef().getName(), workload.name()));
      }
    }
    for (HorizontalPodAutoscaler hpa : rendered.all(HorizontalPodAutoscaler.class)) {
      var target = hpa.getSpec().getScaleTargetRef();
      assertEquals(target.getKind(), rendered.workload(target.getName()).kind(), "HPA " + hpa.getMetadata().getName());
    }
  }

  /** The gateway may read EndpointSlices, in its own namespace, and nothing else. */
  @ParameterizedTest
  @FieldSource("VARIANTS")
  void theGatewayMayOnlyWatchEndpointSlices(String variant) {
    Rendered rendered = rendered(variant);
    RoleBinding binding = rendered.all(RoleBinding.class).getFirst();
    assertEquals(1, rendered.all(RoleBinding.class).size());
    assertEquals("Role", binding.getRoleRef().getKind(), "a namespaced Role, not a ClusterRole");
    assertEquals(List.of("gateway"), binding.getSubjects().stream().map(s -> s.getName()).toList());
    assertEquals("varco", binding.getSubjects().getFirst().getNamespace());
    Role role = rendered.named(Role.class, binding.getRoleRef().getName());
    assertEquals(1, role.getRules().size());
    PolicyRule rule = role.getRules().getFirst();
    assertEquals(List.of("discovery.k8s.io"), rule.getApiGroups());
    assertEquals(List.of("endpointslices"), rule.getResources());
    assertEquals(Set.of("get", "list", "watch"), Set.copyOf(rule.getVerbs()));
    assertEquals("gateway", rendered.named(Deployment.class, "gateway").getSpec().getTemplate().getSpec().getServiceAccountName());
    rendered.workloads().stream().filter(w -> !w.name().equals("gateway"))
        .forEach(w -> assertEquals(Boolean.FALSE, w.template().getSpec().getAutomountServiceAccountToken(), w.name() + " gets no API token"));
  }

  /** Scale-down drains: the pod leaves the endpoints before it stops, and in-flight answers may finish. */
  @ParameterizedTest
  @FieldSource("VARIANTS")
  void scaleDownLetsInFlightAnswersFinish(String variant) {
    Rendered rendered = rendered(variant);
    long generationDeadline = Duration.parse(ServiceConfig.of("gateway").getProperty("varco.upstream.generation-timeout")).toSeconds();
    for (String name : List.of("gateway", "llm-service")) {
      Rendered.Workload workload = rendered.workload(name);
      long grace = workload.template().getSpec().getTerminationGracePeriodSeconds();
      Container container = workload.template().getSpec().getContainers().getFirst();
      long preStop = container.getLifecycle().getPreStop().getSleep().getSeconds();
      assertTrue(preStop > 0 && grace >= preStop + generationDeadline,
          name + ": grace " + grace + " s must cover the pre-stop pause and a whole generation (" + generationDeadline + " s)");
      String shutdown = container.getEnvFrom().stream().map(e -> configMap(rendered, e.getConfigMapRef().getName()))
          .map(c -> c.getData().get("QUARKUS_SHUTDOWN_TIMEOUT")).filter(java.util.Objects::nonNull).findFirst()
          .orElseGet(() -> fail(name + " sets no QUARKUS_SHUTDOWN_TIMEOUT"));
      assertEquals(generationDeadline, Duration.parse("PT" + shutdown.toUpperCase()).toSeconds(), name + " shutdown timeout");
    }
  }

  @Test
  void theGpuOverlayPutsTheEncoderOnAGpuAndServesTheConvertedModel() {
    Rendered gpu = rendered("gpu");
    Container vision = gpu.workload("vision-service").template().getSpec().getContainers().getFirst();
    assertEquals(new Quantity("1"), vision.getResources().getLimits().get("nvidia.com/gpu"));
    assertTrue(vision.getImage().endsWith("-gpu"), vision.getImage());
    assertTrue(vision.getEnv().stream().anyMatch(e -> e.getName().equals("VARCO_VISION_EXECUTION_PROVIDER") && e.getValue().equals("cuda")));
    List<String> convert = gpu.workload("varco-model").template().getSpec().getContainers().getFirst().getArgs();
    assertEquals("convert", convert.getFirst());
    String out = convert.get(convert.indexOf("--out") + 1);
    for (String name : List.of("llm-service", "vision-service")) {
      var pod = gpu.workload(name).template().getSpec();
      Stream.concat(pod.getContainers().stream(), pod.getInitContainers().stream())
          .forEach(c -> assertTrue(c.getEnv().stream().anyMatch(e -> e.getName().equals("VARCO_MODEL_DIR") && e.getValue().equals(out)),
              name + "/" + c.getName() + " serves " + out));
    }
    assertTrue(gpu.named(PersistentVolumeClaim.class, "varco-model").getSpec().getAccessModes().contains("ReadWriteMany"));
    List<String> tiny = rendered("cpu").workload("varco-model").template().getSpec().getContainers().getFirst().getArgs();
    assertEquals("prepare-tiny", tiny.getFirst());
  }

  private static void assertSecretExists(Rendered rendered, String variant, String secret, String workload) {
    boolean external = variant.equals("gpu") && EXTERNAL_SECRETS.contains(secret);
    assertTrue(external || rendered.find(Secret.class, secret).isPresent(), workload + " needs Secret " + secret);
  }

  /**
   * llm-service and vision-service bind loopback unless told otherwise (they have no user auth):
   * in a pod they listen on the pod address, and then every service, the gateway included, holds
   * the same service token from one Secret, so each internal gRPC call carries and checks it.
   */
  @ParameterizedTest
  @FieldSource("VARIANTS")
  void theBackendsListenOnThePodAddressOnlyWithTheServiceToken(String variant) {
    Rendered rendered = rendered(variant);
    Set<String> tokenSecrets = new java.util.HashSet<>();
    for (String name : ServiceConfig.SERVICES) {
      Container container = rendered.workload(name).template().getSpec().getContainers().getFirst();
      var token = container.getEnv().stream().filter(e -> e.getName().equals("VARCO_SERVICE_TOKEN")).findFirst()
          .orElseThrow(() -> new AssertionError(name + " has no VARCO_SERVICE_TOKEN"));
      assertNull(token.getValue(), name + ": the token comes from a Secret, not the manifest");
      tokenSecrets.add(token.getValueFrom().getSecretKeyRef().getName() + "/" + token.getValueFrom().getSecretKeyRef().getKey());
      if (name.equals("gateway")) {
        continue;
      }
      assertEquals("127.0.0.1", ServiceConfig.of(name).getProperty("quarkus.http.host"), name + " binds loopback by default");
      assertEquals("127.0.0.1", ServiceConfig.of(name).getProperty("quarkus.grpc.server.host"), name + " binds loopback by default");
      Map<String, String> config = new java.util.HashMap<>();
      container.getEnvFrom().forEach(from -> config.putAll(configMap(rendered, from.getConfigMapRef().getName()).getData()));
      assertEquals("0.0.0.0", config.get("QUARKUS_HTTP_HOST"), name + " probes and metrics reach the pod address");
      assertEquals("0.0.0.0", config.get("QUARKUS_GRPC_SERVER_HOST"), name + " gRPC reaches the pod address");
    }
    assertEquals(1, tokenSecrets.size(), "one shared token: " + tokenSecrets);
  }

  private static ConfigMap configMap(Rendered rendered, String name) {
    // Generated ConfigMaps carry a content hash: gateway-config-cfb8tk2d2f.
    return rendered.all(ConfigMap.class).stream()
        .filter(c -> c.getMetadata().getName().equals(name) || c.getMetadata().getName().matches(java.util.regex.Pattern.quote(name) + "-[a-z0-9]{10}"))
        .findFirst().orElseThrow(() -> new AssertionError(rendered + ": no ConfigMap " + name));
  }
}
