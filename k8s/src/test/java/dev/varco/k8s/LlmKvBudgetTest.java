package dev.varco.k8s;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.engine.DirectMemoryLimit;
import dev.varco.llm.engine.KvMemoryBudget;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * llm-service keeps its KV pages in direct memory and refuses to start when its KV budget plus
 * headroom does not fit below the JVM's direct-memory limit. In a pod that limit follows from the
 * container's memory limit through the image's JVM flags (the maximum heap, 75% of the limit, unless
 * JAVA_TOOL_OPTIONS sets -XX:MaxDirectMemorySize): so each overlay's memory limit, budget and
 * headroom are checked together, with the limit read from a JVM started with the image's flags and
 * the pod's memory, and the budget resolved by the service's own rule.
 */
class LlmKvBudgetTest {
  private static final List<String> VARIANTS = Rendered.VARIANTS;
  private static final Pattern MEMORY_SIZE = Pattern.compile("([0-9]+)([KkMmGgTt]?)");

  @ParameterizedTest
  @FieldSource("VARIANTS")
  void theKvBudgetFitsTheDirectMemoryLimitThePodsJvmHas(String variant) throws Exception {
    Container llm = ManifestsTest.rendered(variant).workload("llm-service").template().getSpec().getContainers().getFirst();
    long memoryLimit = Quantity.getAmountInBytes(llm.getResources().getLimits().get("memory")).longValueExact();
    Optional<Long> budget = env(llm, "VARCO_LLM_KV_CACHE_MAX_BYTES").map(LlmKvBudgetTest::bytes);
    // Set, so that a larger memory limit does not silently become a larger KV cache.
    assertTrue(budget.isPresent(), variant + ": llm-service's KV budget is not set (VARCO_LLM_KV_CACHE_MAX_BYTES)");
    long headroom = bytes(env(llm, "VARCO_LLM_KV_CACHE_DIRECT_MEMORY_HEADROOM")
        .orElse(ServiceConfig.of("llm-service").getProperty("varco.llm.kv-cache.direct-memory-headroom")));
    long direct = directMemoryLimit(memoryLimit, env(llm, "JAVA_TOOL_OPTIONS"));
    DirectMemoryLimit limit = new DirectMemoryLimit(direct, "the pod's JVM at a " + memoryLimit + "-byte memory limit");
    KvMemoryBudget resolved = assertDoesNotThrow(() -> KvMemoryBudget.resolve(budget, headroom, limit),
        variant + ": llm-service would refuse to start");
    assertEquals(budget.get(), resolved.bytes());
  }

  @Test
  void aBudgetThatDoesNotFitIsCaught() throws Exception {
    // The cpu overlay's budget and headroom (768M together) at a 1 GiB limit: the heap, and so the
    // direct limit, is 75% of it minus a survivor space, below 768M.
    long direct = directMemoryLimit(1L << 30, Optional.empty());
    assertTrue(direct < 768L << 20, "direct limit " + direct);
    var error = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> KvMemoryBudget.resolve(Optional.of(256L << 20), 512L << 20, new DirectMemoryLimit(direct, "1 GiB pod")));
    assertTrue(error.getMessage().contains("-XX:MaxDirectMemorySize=768M"), error.getMessage());
  }

  /** The limit llm-service reads in a JVM started as the image starts it, in a pod of that memory. */
  private static long directMemoryLimit(long memoryLimit, Optional<String> javaToolOptions) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path")));
    ContainerImagesTest.Dockerfile image = ContainerImagesTest.Dockerfile.read("llm-service", "Dockerfile.jvm");
    image.entrypoint().stream().filter(flag -> flag.startsWith("-XX:")).forEach(command::add);
    // What the JVM takes as physical memory; in a container it reads the cgroup limit instead.
    command.add("-XX:MaxRAM=" + memoryLimit);
    command.add(DirectMemoryProbe.class.getName());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.environment().remove("JDK_JAVA_OPTIONS");
    javaToolOptions.ifPresent(options -> builder.environment().put("JAVA_TOOL_OPTIONS", options));
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the probe JVM did not exit");
    assertEquals(0, process.exitValue(), out);
    return Long.parseLong(out.lines().reduce((first, second) -> second).orElseThrow());
  }

  private static Optional<String> env(Container container, String name) {
    return container.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst();
  }

  /** A Quarkus memory size (8G, 256M, 1000): binary suffixes, as llm-service reads them. */
  private static long bytes(String size) {
    Matcher m = MEMORY_SIZE.matcher(size.strip());
    assertTrue(m.matches(), size + " is not a memory size");
    int shift = switch (m.group(2).toUpperCase()) {
      case "K" -> 10;
      case "M" -> 20;
      case "G" -> 30;
      case "T" -> 40;
      default -> 0;
    };
    return Long.parseLong(m.group(1)) << shift;
  }
}
