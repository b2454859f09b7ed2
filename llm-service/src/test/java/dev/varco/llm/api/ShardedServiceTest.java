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
import dev.varco.proto.llm.v1.GenerateResponse;
import dev.varco.proto.llm.v1.SamplingParams;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * llm-service as the coordinator of two tensor-parallel shards (varco.llm.shards=2), the worker a
 * real process on the tiny model: it serves through the API; a worker killed with SIGKILL in the
 * middle of a generation fails that request with UNAVAILABLE naming the shard, within the
 * deadline, turns readiness down with the cause, and once a worker is back on the same address
 * the service rejoins it and serves again. A worker lost while nothing runs turns readiness down
 * too, without waiting for a request.
 */
@QuarkusTest
@TestProfile(ShardedServiceTest.TwoShards.class)
class ShardedServiceTest extends GrpcApiTest {
  private static final Duration NO_HANG = Duration.ofSeconds(60);

  public static class TwoShards implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(Worker.class));
    }
  }

  /** Starts the rank-1 worker before the service and points the service at it. */
  public static class Worker implements QuarkusTestResourceLifecycleManager {
    static volatile ShardWorkerProcess process;

    @Override
    public Map<String, String> start() {
      TinyModelDirectory.prepare();
      try {
        process = ShardWorkerProcess.start("service", TinyModelDirectory.PATH, 2, 1);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return settings(process.address());
    }

    /** The service as the coordinator of the tiny model's 2 shards, the worker at {@code peer}. */
    static Map<String, String> settings(String peer) {
      return Map.of(
          "varco.model.dir", TinyModelDirectory.PATH.toString(),
          "varco.llm.shards", "2",
          "varco.llm.shard.peers", peer,
          "varco.llm.shard.join-timeout", "60s",
          "varco.llm.shard.deadline", "2s",
          "varco.llm.recovery.delay", "500ms");
    }

    @Override
    public void stop() {
      try {
        if (process != null) {
          process.close();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void aLostShardFailsItsRequestsWithUnavailableAndTheServiceRejoinsIt() throws Exception {
    GenerateOutcome before = generate(request(greedy(6), text("user", "Hello")));
    assertEquals(6, before.completion().getUsage().getCompletionTokens());
    given().get("/q/health/ready").then().statusCode(200);
    // 2 layers x 2 reduce points per pass, for the warm-up, the prefill and 5 decode passes.
    assertTrue(MetricsScrape.value("varco:shard_all_reduce_seconds_count") >= 4 * 7, "all-reduces counted");
    double received = MetricsScrape.value("varco:shard_wire_bytes_total{direction=\"received\"}");
    assertTrue(received > 0, "bytes received: " + received);
    assertEquals(received, MetricsScrape.value("varco:shard_wire_bytes_total{direction=\"sent\"}"), "2 shards: a sum per partial");

    int port = Worker.process.port();
    String shard = "shard 1 (127.0.0.1:" + port + ")";
    // A long generation; the worker dies once its first tokens have arrived.
    Iterator<GenerateResponse> stream = llm.generate(request(
        SamplingParams.newBuilder().setTemperature(1).setSeed(3).setMaxTokens(4000).build(), text("user", "Talk")));
    StatusRuntimeException failure = assertTimeoutPreemptively(NO_HANG, () -> assertThrows(StatusRuntimeException.class, () -> {
      stream.next();
      Worker.process.kill9();
      while (stream.hasNext()) {
        stream.next();
      }
    }));
    assertEquals(Status.Code.UNAVAILABLE, failure.getStatus().getCode(), failure.toString());
    assertTrue(failure.getStatus().getDescription().contains(shard), failure.getStatus().getDescription());

    given().get("/q/health/ready").then().statusCode(503).body(containsString(shard));
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> generate(request(greedy(2), text("user", "Hello"))));
    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());

    restartWorkerAndAwaitReady(port);
    GenerateOutcome after = generate(request(greedy(6), text("user", "Hello")));
    assertEquals(before.text(), after.text(), "the same greedy answer after the rejoin");
  }

  @Test
  void aShardLostWhileIdleTurnsReadinessDownWithoutARequest() throws Exception {
    int port = Worker.process.port();
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(Duration.ofSeconds(10)).check(HealthCheckRequest.newBuilder().setService("varco.shard.v1.DecoderShard").build())
          .getStatus(), "the worker's gRPC health");
    } finally {
      channel.shutdownNow();
    }
    given().get("/q/health/ready").then().statusCode(200);
    Worker.process.kill9();
    long deadline = System.nanoTime() + NO_HANG.toNanos();
    while (engine.state() == GenerationEngine.State.READY && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    given().get("/q/health/ready").then().statusCode(503).body(containsString("shard 1 (127.0.0.1:" + port + ")"));
    restartWorkerAndAwaitReady(port);
    assertEquals(6, generate(request(greedy(6), text("user", "Hello"))).completion().getUsage().getCompletionTokens());
  }

  private void restartWorkerAndAwaitReady(int port) throws Exception {
    Worker.process = ShardWorkerProcess.start("service-again", TinyModelDirectory.PATH, 2, 1, port);
    ModelReady.awaitRecovered(engine, NO_HANG);
    given().get("/q/health/ready").then().statusCode(200);
  }
}
