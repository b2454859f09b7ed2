package dev.varco.llm.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.varco.llm.TinyModelResource;
import dev.varco.llm.engine.DirectMemoryLimit;
import dev.varco.proto.llm.v1.GenerateRequest;
import dev.varco.proto.llm.v1.LanguageModelGrpc;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An {@link Error} on the model thread, for real: this JVM runs with a small direct-memory limit
 * (see the pom's {@code small-direct-memory} execution), the test takes almost all of it, and
 * distinct conversations each keep a KV page (direct memory) until Jlama's next page allocation
 * fails with {@code OutOfMemoryError: Cannot reserve ... direct buffer memory}. Before the fix that
 * killed the model thread: the requests it held never ended and readiness stayed UP. Now they fail
 * with UNAVAILABLE naming the cause, readiness is DOWN with the reason, new requests are refused at
 * once, and once memory is back the engine serves again.
 */
@Tag("small-direct-memory")
@QuarkusTest
@TestProfile(ModelThreadFaultTest.SmallBudget.class)
@QuarkusTestResource(TinyModelResource.class)
class ModelThreadFaultTest extends GrpcApiTest {
  /** Consistent with the 192 MiB limit: 64 MiB of KV (64 tiny-model pages) + 64 MiB headroom. */
  public static class SmallBudget implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "varco.llm.kv-cache.max-bytes", "64M",
          "varco.llm.kv-cache.direct-memory-headroom", "64M",
          "varco.llm.max-running-requests", "2",
          // Long enough to look at the broken state before the first restart attempt.
          "varco.llm.recovery.delay", "5s");
    }
  }

  private static final int BATCH = 6;
  private static final long MIB = 1L << 20;

  @Test
  void anErrorOnTheModelThreadFailsItsRequestsTurnsReadinessDownAndServingResumes() throws Exception {
    assumeTrue(DirectMemoryLimit.ofThisJvm().bytes() <= 256 * MIB,
        "needs the small-direct-memory surefire execution (-XX:MaxDirectMemorySize=192m)");
    generate(request(greedy(2), text("user", "warm up the gRPC and HTTP buffers")));
    given().get("/q/health/ready").then().statusCode(200);

    List<ByteBuffer> hog = new ArrayList<>();
    List<StatusRuntimeException> failures = new ArrayList<>();
    try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
      try {
        while (true) {
          hog.add(ByteBuffer.allocateDirect((int) MIB));
        }
      } catch (OutOfMemoryError full) {
        // A few MiB stay free for the transport's buffers: fewer than the KV pages asked for below.
        for (int i = 0; i < 4; i++) {
          hog.removeLast();
        }
      }
      // Each distinct conversation keeps its KV page for its next turn: new pages until none is left.
      for (int batch = 0; batch < 20 && failures.isEmpty(); batch++) {
        List<Future<GenerateOutcome>> calls = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
          GenerateRequest request = request(greedy(24), text("user", distinctPrompt(batch * BATCH + i)));
          calls.add(callers.submit(() -> generateWithin(request, Duration.ofSeconds(30))));
        }
        for (Future<GenerateOutcome> call : calls) {
          try {
            call.get();
          } catch (java.util.concurrent.ExecutionException e) {
            failures.add((StatusRuntimeException) e.getCause());
          }
        }
      }

      assertFalse(failures.isEmpty(), "direct memory never ran out");
      for (StatusRuntimeException failure : failures) {
        assertEquals(Status.Code.UNAVAILABLE, failure.getStatus().getCode(), String.valueOf(failure.getStatus()));
        assertTrue(failure.getStatus().getDescription().contains("OutOfMemoryError"), failure.getStatus().getDescription());
      }
      String cause = failures.getFirst().getStatus().getDescription();
      assertTrue(cause.contains("direct buffer memory"), cause);

      // Broken: readiness DOWN with the reason, gRPC health NOT_SERVING, new requests refused at once.
      String readiness = given().get("/q/health/ready").then().statusCode(503).extract().asString();
      assertTrue(readiness.contains("the model thread failed") && readiness.contains("direct buffer memory"), readiness);
      assertGrpcHealth(ServingStatus.NOT_SERVING);
      var refused = assertThrows(StatusRuntimeException.class,
          () -> generateWithin(request(greedy(2), text("user", "while broken")), Duration.ofSeconds(5)));
      assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), String.valueOf(refused.getStatus()));
      assertTrue(refused.getStatus().getDescription().contains("restarting"), refused.getStatus().getDescription());
    } finally {
      hog.clear();
      System.gc();
    }

    // Recovered: readiness UP, the next request is served, nothing left running or waiting.
    awaitReady(Duration.ofMinutes(1));
    assertGrpcHealth(ServingStatus.SERVING);
    assertEquals(3, generate(request(greedy(3), text("user", "and now?"))).completion().getUsage().getCompletionTokens());
    assertEquals(0, MetricsScrape.value("vllm:num_requests_running"));
    assertEquals(0, MetricsScrape.value("vllm:num_requests_waiting"));
  }

  private GenerateOutcome generateWithin(GenerateRequest request, Duration deadline) {
    List<dev.varco.proto.llm.v1.GenerateResponse> responses = new ArrayList<>();
    LanguageModelGrpc.newBlockingStub(channel).withDeadlineAfter(deadline).generate(request).forEachRemaining(responses::add);
    return new GenerateOutcome(responses);
  }

  private void assertGrpcHealth(ServingStatus expected) {
    var health = HealthGrpc.newBlockingStub(channel);
    for (String service : List.of("", LanguageModelGrpc.SERVICE_NAME)) {
      assertEquals(expected, health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus(),
          "gRPC health of '" + service + "'");
    }
  }

  private static void awaitReady(Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (given().get("/q/health/ready").statusCode() != 200) {
      assertTrue(System.nanoTime() < deadline, "readiness did not come back within " + limit);
      Thread.sleep(200);
    }
  }

  /** A prompt sharing little with the others, so no kept KV buffer is reused for it. */
  private static String distinctPrompt(int seed) {
    SplittableRandom random = new SplittableRandom(seed);
    StringBuilder text = new StringBuilder("Question ").append(seed).append(':');
    for (int i = 0; i < 60; i++) {
      text.append(' ').append(Integer.toString(random.nextInt(1 << 30), 36));
    }
    return text.toString();
  }
}
