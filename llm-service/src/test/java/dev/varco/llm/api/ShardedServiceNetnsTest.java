package dev.varco.llm.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.TinyModelDirectory;
import dev.varco.llm.engine.GenerationEngine;
import dev.varco.llm.shard.wire.ShardWorkerProcess;
import dev.varco.llm.shard.wire.VethNamespace;
import dev.varco.proto.llm.v1.GenerateResponse;
import dev.varco.proto.llm.v1.SamplingParams;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Two shards with a real network between them: the rank-1 worker runs in its own network
 * namespace, joined to the service's by a veth pair, so every all-reduce crosses two interfaces,
 * routing and TCP. The link is cut ({@code ip link set down}: no reset, packets lost) in the middle
 * of a generation: the client gets UNAVAILABLE naming the shard within the deadline, readiness
 * turns down naming it; once the link is back the service rejoins the same worker process and
 * gives the same greedy answer. A link cut while nothing runs is found by the links' keepalive.
 * Where the machine does not allow network namespaces (not root, no CAP_SYS_ADMIN, no iproute2)
 * the class is skipped with the reason (reported as skipped, never passed silently).
 */
@QuarkusTest
@TestProfile(ShardedServiceNetnsTest.SeparateNamespaces.class)
@ExtendWith(ShardedServiceNetnsTest.NamespacesAllowed.class)
class ShardedServiceNetnsTest extends GrpcApiTest {
  private static final Duration NO_HANG = Duration.ofSeconds(60);
  /** Keepalive ping interval plus its timeout (WorkerLink: 10 s + 10 s), and slack. */
  private static final Duration KEEPALIVE_NOTICE = Duration.ofSeconds(60);

  /** Skips the class, naming why, where namespaces and veth pairs cannot be made. */
  static class NamespacesAllowed implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return VethNamespace.unavailable()
          .map(why -> ConditionEvaluationResult.disabled("network namespaces are not available on this machine: " + why))
          .orElse(ConditionEvaluationResult.enabled("network namespaces and veth pairs can be made here"));
    }
  }

  public static class SeparateNamespaces implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(NamespacedWorker.class));
    }
  }

  /** Makes the namespace, starts the rank-1 worker inside it, points the service at its address. */
  public static class NamespacedWorker implements QuarkusTestResourceLifecycleManager {
    static volatile VethNamespace namespace;
    static volatile ShardWorkerProcess process;

    @Override
    public Map<String, String> start() {
      TinyModelDirectory.prepare();
      try {
        namespace = VethNamespace.create();
        process = ShardWorkerProcess.start("netns", TinyModelDirectory.PATH, 2, 1, 0, namespace.address(), namespace.launcher());
      } catch (Exception e) {
        stop();
        throw new IllegalStateException(e);
      }
      Map<String, String> settings = new HashMap<>(ShardedServiceTest.Worker.settings(process.address()));
      // The link stays down for a keepalive period in one test: recovery must not give up.
      settings.put("varco.llm.recovery.give-up-after", "10m");
      return settings;
    }

    @Override
    public void stop() {
      try {
        if (process != null) {
          process.close();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        if (namespace != null) {
          namespace.close();
        }
      }
    }
  }

  @Test
  void aLinkCutMidStreamFailsTheRequestNamingTheShardAndServingResumesWhenItIsBack() throws Exception {
    GenerateOutcome before = generate(request(greedy(6), text("user", "Hello")));
    assertEquals(6, before.completion().getUsage().getCompletionTokens());
    assertTrue(MetricsScrape.value("varco:shard_wire_bytes_total{direction=\"received\"}") > 0, "partial sums crossed the link");

    VethNamespace link = NamespacedWorker.namespace;
    String shard = "shard 1 (" + NamespacedWorker.process.address() + ")";
    Iterator<GenerateResponse> stream = llm.generate(request(
        SamplingParams.newBuilder().setTemperature(1).setSeed(3).setMaxTokens(4000).build(), text("user", "Talk")));
    try {
      long[] cutAt = new long[1];
      StatusRuntimeException failure = assertTimeoutPreemptively(NO_HANG, () -> assertThrows(StatusRuntimeException.class, () -> {
        stream.next();
        link.cut();
        cutAt[0] = System.nanoTime();
        while (stream.hasNext()) {
          stream.next();
        }
      }));
      double seconds = (System.nanoTime() - cutAt[0]) / 1e9;
      assertEquals(Status.Code.UNAVAILABLE, failure.getStatus().getCode(), failure.toString());
      assertTrue(failure.getStatus().getDescription().contains(shard), failure.getStatus().getDescription());
      // The deadline is 2 s; the rest is the engine's hand-off of the fault to the stream.
      assertTrue(seconds < 10, "failed " + seconds + " s after the cut: " + failure.getStatus().getDescription());

      given().get("/q/health/ready").then().statusCode(503).body(containsString(shard));
      StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
          () -> generate(request(greedy(2), text("user", "Hello"))));
      assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
    } finally {
      link.restore();
    }
    awaitReady();
    GenerateOutcome after = generate(request(greedy(6), text("user", "Hello")));
    assertEquals(before.text(), after.text(), "the same greedy answer after the rejoin, from the same worker process");
  }

  @Test
  void aLinkCutWhileIdleIsFoundByKeepaliveAndServingResumesWhenItIsBack() throws Exception {
    given().get("/q/health/ready").then().statusCode(200);
    VethNamespace link = NamespacedWorker.namespace;
    link.cut();
    try {
      long deadline = System.nanoTime() + KEEPALIVE_NOTICE.toNanos();
      while (engine.state() == GenerationEngine.State.READY && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      given().get("/q/health/ready").then().statusCode(503)
          .body(containsString("shard 1 (" + NamespacedWorker.process.address() + ")"));
    } finally {
      link.restore();
    }
    awaitReady();
    assertEquals(6, generate(request(greedy(6), text("user", "Hello"))).completion().getUsage().getCompletionTokens());
  }

  private void awaitReady() throws InterruptedException {
    ModelReady.awaitRecovered(engine, NO_HANG);
    given().get("/q/health/ready").then().statusCode(200);
  }
}
