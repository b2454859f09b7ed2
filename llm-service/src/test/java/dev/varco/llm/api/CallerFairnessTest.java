package dev.varco.llm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.TinyModelResource;
import dev.varco.proto.llm.v1.DescribeModelRequest;
import dev.varco.proto.llm.v1.FinishReason;
import dev.varco.proto.llm.v1.GenerateRequest;
import dev.varco.proto.llm.v1.GenerateResponse;
import dev.varco.proto.llm.v1.LanguageModelGrpc;
import io.grpc.Context;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The waiting queue is fair across callers ({@code GenerateRequest.caller}): with one running slot
 * held by alice and two more of her long requests waiting, bob's request, queued last, gets the
 * slot as soon as it frees, instead of waiting behind all of alice's (first come, first served).
 */
@QuarkusTest
@TestProfile(CallerFairnessTest.OneSlot.class)
@QuarkusTestResource(TinyModelResource.class)
class CallerFairnessTest extends GrpcApiTest {
  static final int LONG = 20000;

  public static class OneSlot implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("varco.llm.max-running-requests", "1", "varco.llm.max-waiting-requests", "4");
    }
  }

  private static GenerateRequest as(String caller, GenerateRequest request) {
    return request.toBuilder().setCaller(caller).setCachePrompt(false).build();
  }

  @Test
  void anotherCallersRequestGetsTheNextFreeSlot() throws Exception {
    GenerateRequest aliceLong = as("alice", request(greedy(LONG), text("user", "Write forever.")));
    List<Context.CancellableContext> alice = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Context.CancellableContext call = Context.current().withCancellation();
        alice.add(call);
        Iterator<GenerateResponse> stream = call.call(() -> llm.generate(aliceLong));
        if (i == 0) {
          assertTrue(stream.hasNext() && stream.next().hasDelta(), "alice's first request is decoding");
        }
      }
      assertEquals(2, MetricsScrape.await("vllm:num_requests_waiting", w -> w == 2, Duration.ofSeconds(10)));

      var bobStub = LanguageModelGrpc.newBlockingStub(channel).withDeadlineAfter(Duration.ofSeconds(60));
      CompletableFuture<GenerateOutcome> bob = CompletableFuture.supplyAsync(() -> {
        List<GenerateResponse> responses = new ArrayList<>();
        bobStub.generate(as("bob", request(greedy(6), text("user", "하늘은 무슨 색?")))).forEachRemaining(responses::add);
        return new GenerateOutcome(responses);
      });
      assertEquals(3, MetricsScrape.await("vllm:num_requests_waiting", w -> w == 3, Duration.ofSeconds(10)));
      // Waiting counts from admission; give bob's short prompt time to be tokenized into the queue.
      Thread.sleep(1000);

      alice.getFirst().cancel(null); // the one slot frees
      GenerateOutcome bobs = bob.get(60, TimeUnit.SECONDS);
      assertNotEquals(FinishReason.FINISH_REASON_UNSPECIFIED, bobs.completion().getFinishReason());
      assertEquals(1, MetricsScrape.value("vllm:num_requests_running"), "an alice request runs after bob's");
      assertEquals(1, MetricsScrape.value("vllm:num_requests_waiting"), "and her other one still waits");
    } finally {
      alice.forEach(call -> call.cancel(null));
    }
    assertEquals(0, MetricsScrape.await("vllm:num_requests_running", r -> r == 0, Duration.ofSeconds(10)));
  }

  @Test
  void theModelDescriptionSaysHowManyRequestsRunAtOnce() {
    assertEquals(1, llm.describeModel(DescribeModelRequest.getDefaultInstance()).getMaxRunningRequests());
  }
}
