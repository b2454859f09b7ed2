package dev.varco.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.shard.ShardPlan;
import dev.varco.model.checkpoint.Qwen2TextConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The gpu overlay runs the 14B decoder as tensor-parallel shards: llm-service is rank 0 (the
 * coordinator), the StatefulSet llm-shard holds ranks 1 .. N-1, named through its headless
 * Service; the coordinator's peers are those names in rank order, every rank agrees on N, each
 * worker's rank is its ordinal, and each worker's direct memory holds its KV slice and the weight
 * columns it copies at load (computed with the service's own {@link ShardPlan} for the 14B shape).
 */
class TensorParallelShardsTest {
  /** VARCO-VISION-14B's decoder (Qwen2.5-14B): hidden 5120, MLP 13824, 48 layers, 40 heads, 8 K/V heads. */
  private static final Qwen2TextConfig DECODER_14B = new Qwen2TextConfig("qwen2", 5120, 13824, 48, 40, 8, 152064, 32768,
      1e6, 1e-6, false, List.of(), List.of(), null);
  /** The launcher's and the service's direct-memory headroom above the KV budget. */
  private static final long HEADROOM = 1L << 30;

  private final Rendered gpu = ManifestsTest.rendered("gpu");
  private final StatefulSet workers = gpu.named(StatefulSet.class, "llm-shard");
  private final Container worker = workers.getSpec().getTemplate().getSpec().getContainers().getFirst();
  private final Container coordinator = gpu.workload("llm-service").template().getSpec().getContainers().getFirst();

  @Test
  void theCoordinatorNamesEveryWorkerThroughTheHeadlessServiceInRankOrder() {
    int shards = Integer.parseInt(env(coordinator, "VARCO_LLM_SHARDS"));
    assertTrue(shards >= 2, "the gpu overlay shards the decoder");
    assertEquals(String.valueOf(shards), env(worker, "VARCO_LLM_SHARDS"), "every rank agrees on the shard count");
    int start = workers.getSpec().getOrdinals().getStart();
    assertEquals(1, start, "pod ordinals start at 1, so a pod's index is its rank (0 is the coordinator)");
    assertEquals(shards - 1, workers.getSpec().getReplicas(), "one worker pod per rank 1 .. N-1");
    EnvVar rank = worker.getEnv().stream().filter(e -> e.getName().equals("VARCO_LLM_SHARD_RANK")).findFirst().orElseThrow();
    assertEquals("metadata.labels['apps.kubernetes.io/pod-index']", rank.getValueFrom().getFieldRef().getFieldPath(),
        "the rank is the pod's StatefulSet index");

    Service headless = gpu.named(Service.class, workers.getSpec().getServiceName());
    assertEquals("None", headless.getSpec().getClusterIP());
    assertTrue(headless.getSpec().getPublishNotReadyAddresses(), "names resolve while the workers load (the barrier waits)");
    int port = worker.getPorts().stream().filter(p -> p.getName().equals("shard")).findFirst().orElseThrow().getContainerPort();
    assertEquals(String.valueOf(port), env(worker, "VARCO_LLM_SHARD_PORT"));
    assertEquals(port, headless.getSpec().getPorts().getFirst().getPort());

    List<String> expected = new ArrayList<>();
    for (int r = 1; r < shards; r++) {
      expected.add(workers.getMetadata().getName() + "-" + r + "." + headless.getMetadata().getName() + ":" + port);
    }
    String peers = env(coordinator, "VARCO_LLM_SHARD_PEERS");
    assertEquals(String.join(",", expected), peers, "ranks 1 .. N-1 in order");
  }

  @Test
  void oneCoordinatorPerShardGroupAndOnlyItReachesTheWorkers() {
    assertEquals(1, gpu.named(StatefulSet.class, "llm-service").getSpec().getReplicas(),
        "a worker serves one coordinator session at a time");
    assertTrue(gpu.all(HorizontalPodAutoscaler.class).stream()
        .noneMatch(h -> h.getSpec().getScaleTargetRef().getName().equals("llm-service")), "the coordinator is not autoscaled");
    // The workers' gRPC health answers the probes.
    for (Probe probe : new Probe[] {worker.getStartupProbe(), worker.getLivenessProbe(), worker.getReadinessProbe()}) {
      assertNotNull(probe.getGrpc(), "gRPC health probe");
      assertEquals(Integer.parseInt(env(worker, "VARCO_LLM_SHARD_PORT")), probe.getGrpc().getPort());
    }
    assertEquals("varco.shard.v1.DecoderShard", worker.getReadinessProbe().getGrpc().getService());
  }

  @Test
  void theWorkerRunsTheServicesWorkerMainFromTheServiceImage() throws Exception {
    assertEquals(coordinator.getImage(), worker.getImage(), "the same image, another main class");
    String main = worker.getCommand().getLast();
    assertTrue(Files.isRegularFile(Kustomize.REPOSITORY.resolve("llm-service/src/main/java")
        .resolve(main.replace('.', '/') + ".java")), main + " is llm-service's");
    // Each classpath folder lies under a folder the image copies the Quarkus fast-jar layout to
    // (lib/boot and lib/main under lib/, app/).
    List<String> copied = Files.readAllLines(Kustomize.REPOSITORY.resolve("llm-service/src/main/docker/Dockerfile.jvm")).stream()
        .filter(l -> l.startsWith("COPY ")).map(l -> l.substring(l.lastIndexOf(' ') + 1)).toList();
    String classpath = worker.getCommand().get(worker.getCommand().indexOf("-cp") + 1);
    for (String entry : classpath.split(":")) {
      String dir = entry.substring(0, entry.lastIndexOf('/') + 1);
      assertTrue(copied.stream().anyMatch(dir::startsWith), "the image holds " + dir + " (copied: " + copied + ")");
    }
    assertEquals("jdk.incubator.vector", worker.getCommand().get(worker.getCommand().indexOf("--add-modules") + 1));
    assertEquals(coordinator.getEnv().stream().filter(e -> e.getName().equals("VARCO_MODEL_DIR")).findFirst().orElseThrow().getValue(),
        env(worker, "VARCO_MODEL_DIR"), "every rank loads the same model (the barrier checks its digest)");
  }

  @Test
  void eachWorkersDirectMemoryHoldsItsKvSliceAndItsCopiedColumns() {
    int shards = Integer.parseInt(env(coordinator, "VARCO_LLM_SHARDS"));
    double bytesPerWeight = bytesPerWeight(decoderDtype());
    long coordinatorBudget = bytes(env(coordinator, "VARCO_LLM_KV_CACHE_MAX_BYTES"));
    ShardPlan rank0 = ShardPlan.of(DECODER_14B, shards, 0);
    String options = env(worker, "JAVA_TOOL_OPTIONS");
    long direct = bytes(option(options, "-XX:MaxDirectMemorySize="));
    long heap = bytes(option(options, "-Xmx"));
    long limit = worker.getResources().getLimits().get("memory").getNumericalAmount().longValue();
    int hidden = DECODER_14B.hiddenSize();
    for (int r = 1; r < shards; r++) {
      ShardPlan plan = ShardPlan.of(DECODER_14B, shards, r);
      // The coordinator's budget counts its own K/V heads; a worker mirrors every sequence for its heads.
      long kv = coordinatorBudget * plan.kvHeads() / rank0.kvHeads();
      // o_proj's and down_proj's columns of this rank are copied into its memory at load.
      long columns = (long) (DECODER_14B.numHiddenLayers() * (double) hidden
          * (plan.heads() * plan.headDim() + plan.mlpColumns()) * bytesPerWeight);
      // q, k, v, gate and up rows stay memory-mapped: resident pages, counted in the pod's memory.
      long rows = (long) (DECODER_14B.numHiddenLayers() * (double) hidden
          * ((plan.heads() + 2 * plan.kvHeads()) * plan.headDim() + 2 * plan.mlpColumns()) * bytesPerWeight);
      assertTrue(direct >= kv + columns + HEADROOM, String.format(Locale.ROOT,
          "rank %d: direct memory %d must hold its KV slice %d + copied columns %d + headroom", r, direct, kv, columns));
      assertTrue(limit >= heap + direct + rows, String.format(Locale.ROOT,
          "rank %d: memory limit %d must hold heap %d + direct %d + mapped rows %d", r, limit, heap, direct, rows));
    }
    Quantity request = worker.getResources().getRequests().get("memory");
    assertTrue(request.getNumericalAmount().longValue() >= heap + direct, "the request covers heap and direct memory");
  }

  /** The decoder dtype the model Job converts to ({@code --decoder-dtype}). */
  private String decoderDtype() {
    List<String> args = gpu.workload("varco-model").template().getSpec().getContainers().getFirst().getArgs();
    return args.get(args.indexOf("--decoder-dtype") + 1);
  }

  /** Storage per weight: Q8/Q4 hold a float scale per block of 32. */
  private static double bytesPerWeight(String dtype) {
    return switch (dtype) {
      case "f32" -> 4;
      case "bf16" -> 2;
      case "q8" -> 1 + 4.0 / 32;
      case "q4" -> 0.5 + 4.0 / 32;
      default -> throw new AssertionError("unknown decoder dtype " + dtype);
    };
  }

  private static String env(Container container, String name) {
    return container.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst()
        .orElseThrow(() -> new AssertionError(container.getName() + " sets no " + name));
  }

  private static String option(String options, String prefix) {
    for (String option : options.split("\\s+")) {
      if (option.startsWith(prefix)) {
        return option.substring(prefix.length());
      }
    }
    throw new AssertionError("no " + prefix + " in " + options);
  }

  /** 12G, 15g, 512m: binary units, as the JVM and the service read them. */
  private static long bytes(String size) {
    char unit = Character.toLowerCase(size.charAt(size.length() - 1));
    long number = Long.parseLong(size.substring(0, size.length() - 1));
    return switch (unit) {
      case 'k' -> number << 10;
      case 'm' -> number << 20;
      case 'g' -> number << 30;
      default -> Long.parseLong(size);
    };
  }
}
