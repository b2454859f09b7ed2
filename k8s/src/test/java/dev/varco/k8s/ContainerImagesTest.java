package dev.varco.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The image definitions (src/main/docker of each module; no container engine here to build them)
 * run what the launcher runs, as a non-root user, on the ports the services are configured with.
 */
class ContainerImagesTest {

  /** One Dockerfile, reduced to the instructions these checks read. */
  record Dockerfile(List<String> from, String user, List<String> entrypoint, Set<Integer> exposed, List<String> copies,
      List<String> lines) {

    static Dockerfile read(String module, String file) throws IOException {
      List<String> lines = Files.readAllLines(Kustomize.REPOSITORY.resolve(module).resolve("src/main/docker").resolve(file)).stream()
          .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
      List<String> from = new ArrayList<>();
      List<String> copies = new ArrayList<>();
      String user = null;
      List<String> entrypoint = null;
      Set<Integer> exposed = new HashSet<>();
      for (String line : lines) {
        String instruction = line.substring(0, line.indexOf(' '));
        String rest = line.substring(instruction.length()).strip();
        switch (instruction) {
          case "FROM" -> from.add(rest);
          case "USER" -> user = rest;
          case "ENTRYPOINT" -> entrypoint = Arrays.asList(new ObjectMapper().readValue(rest, String[].class));
          case "EXPOSE" -> Arrays.stream(rest.split("\\s+")).map(Integer::parseInt).forEach(exposed::add);
          case "COPY" -> copies.add(rest);
          default -> { }
        }
      }
      return new Dockerfile(from, user, entrypoint, exposed, copies, lines);
    }
  }

  /** The flags {@code ./varco flags NAME} starts a service with. */
  private static List<String> launcherFlags(String name) throws Exception {
    Process process = new ProcessBuilder("bash", Kustomize.REPOSITORY.resolve("varco").toString(), "flags", name)
        .redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, process.exitValue(), out);
    return Arrays.asList(out.split("\\s+"));
  }

  private static void assertRunsLikeTheLauncher(String module, Dockerfile image) throws Exception {
    assertTrue(image.user().matches("[0-9]+") && Integer.parseInt(image.user()) > 0,
        module + ": USER must be a numeric non-root uid (Kubernetes checks runAsNonRoot by number)");
    List<String> entry = image.entrypoint();
    assertEquals("java", entry.getFirst());
    assertEquals(List.of("-jar"), entry.subList(entry.size() - 2, entry.size() - 1));
    for (String flag : launcherFlags(module)) {
      if (flag.startsWith("-Djava.io.tmpdir=")) {
        assertTrue(entry.contains("-Djava.io.tmpdir=/tmp"), module + ": temp files under /tmp (a writable volume)");
      } else if (flag.startsWith("-Dquarkus.") && flag.endsWith(".host=127.0.0.1")) {
        if (module.equals("model-tools")) {
          continue; // a command, not a server: ./varco runs it without the listening flags
        }
        if (module.equals("gateway")) {
          assertTrue(entry.contains(flag.replace("127.0.0.1", "0.0.0.0")), module + ": listens on the pod address, not loopback: " + flag);
        } else {
          // The backends have no user auth: the image keeps their loopback default, and the
          // manifests open them to the pod address only together with the service token.
          assertTrue(entry.stream().noneMatch(e -> e.contains(".host=")), module + ": the image must not open " + flag);
        }
      } else if (flag.startsWith("-Xmx")) {
        // The launcher sizes the heap from the model; a pod takes a share of its memory limit.
        assertTrue(entry.contains("-XX:MaxRAMPercentage=75") && entry.stream().noneMatch(e -> e.startsWith("-Xmx")),
            module + ": the image sizes the heap from the container's memory limit, not the launcher's -Xmx");
      } else if (flag.startsWith("-XX:MaxDirectMemorySize=")) {
        // The launcher sizes llm-service's direct memory from its KV budget; in a pod the budget
        // follows the JVM's limit instead (unset: the heap's, a share of the container's memory;
        // or JAVA_TOOL_OPTIONS), and the service refuses a budget that does not fit at start-up.
        assertTrue(entry.stream().noneMatch(e -> e.startsWith("-XX:MaxDirectMemorySize=")),
            module + ": the image must not pin the direct-memory limit to the launcher's local value");
      } else if (flag.startsWith("-Xmx")) {
        // The launcher caps vision-service's heap on a shared machine; in a pod the heap follows the
        // container's memory limit (MaxRAMPercentage) instead.
        assertTrue(entry.stream().noneMatch(e -> e.startsWith("-Xmx")), module + ": the image must not pin the launcher's local heap");
      } else {
        assertTrue(entry.contains(flag), module + ": the launcher's " + flag + " is missing from the ENTRYPOINT");
      }
    }
    // The add-modules value travels as its own argument.
    int addModules = entry.indexOf("--add-modules");
    assertEquals("jdk.incubator.vector", entry.get(addModules + 1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"gateway", "llm-service", "vision-service"})
  void eachServiceImageRunsItsFastJarLikeTheLauncher(String service) throws Exception {
    Dockerfile image = Dockerfile.read(service, "Dockerfile.jvm");
    assertRunsLikeTheLauncher(service, image);
    assertEquals("/deployments/quarkus-run.jar", image.entrypoint().getLast());
    for (String layer : List.of("lib/", "*.jar", "app/", "quarkus/")) {
      assertTrue(image.copies().stream().anyMatch(c -> c.contains("target/quarkus-app/" + layer)), service + " copies the fast-jar's " + layer);
    }
    assertEquals(Set.of(ServiceConfig.httpPort(service), ServiceConfig.grpcPort(service)), image.exposed(), service + " EXPOSE");
    String pom = Files.readString(Kustomize.REPOSITORY.resolve(service).resolve("pom.xml"));
    assertTrue(pom.contains("<artifactId>quarkus-smallrye-health</artifactId>"), service + " serves the /q/health the probes call");
  }

  @Test
  void theGpuEncoderImageIsTheGpuProfilesBuildOnCuda() throws Exception {
    Dockerfile image = Dockerfile.read("vision-service", "Dockerfile.gpu");
    assertRunsLikeTheLauncher("vision-service", image);
    assertTrue(image.from().getLast().startsWith("nvidia/cuda:12.") && image.from().getLast().contains("cudnn"), image.from().toString());
    assertTrue(image.lines().contains("LABEL dev.varco.maven-profile=\"gpu\""));
    String pom = Files.readString(Kustomize.REPOSITORY.resolve("vision-service/pom.xml"));
    int profile = pom.indexOf("<id>gpu</id>");
    assertTrue(profile > 0 && pom.indexOf("<artifactId>onnxruntime_gpu</artifactId>", profile) > profile,
        "vision-service's gpu profile brings ONNX Runtime's CUDA build");
    assertTrue(image.lines().contains("ENV VARCO_VISION_EXECUTION_PROVIDER=cuda"));
    assertTrue(ServiceConfig.of("vision-service").getProperty("varco.vision.execution-provider") != null);
    assertEquals(Set.of(ServiceConfig.httpPort("vision-service"), ServiceConfig.grpcPort("vision-service")), image.exposed());
  }

  @Test
  void theModelToolsImageRunsTheToolsJar() throws Exception {
    Dockerfile image = Dockerfile.read("model-tools", "Dockerfile.jvm");
    assertRunsLikeTheLauncher("model-tools", image);
    assertTrue(image.copies().stream().anyMatch(c -> c.contains("target/lib/")), "the jar's Class-Path dependencies");
    assertTrue(image.exposed().isEmpty());
  }

  /** Every image the manifests run is one of the images defined here, under its module's name. */
  @Test
  void theManifestsRunTheseImages() {
    Set<String> images = new HashSet<>();
    for (String variant : Rendered.VARIANTS) {
      for (Rendered.Workload workload : ManifestsTest.rendered(variant).workloads()) {
        var pod = workload.template().getSpec();
        for (Container c : pod.getContainers()) {
          images.add(c.getImage());
        }
        for (Container c : pod.getInitContainers()) {
          images.add(c.getImage());
        }
      }
    }
    assertFalse(images.isEmpty());
    for (String image : images) {
      String module = image.substring("varco/".length(), image.indexOf(':'));
      String file = image.endsWith("-gpu") ? "Dockerfile.gpu" : "Dockerfile.jvm";
      assertTrue(Files.exists(Kustomize.REPOSITORY.resolve(module).resolve("src/main/docker").resolve(file)), image + " has no " + file);
    }
  }
}
