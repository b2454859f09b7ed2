package dev.varco.llm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.TinyModelResource;
import dev.varco.proto.llm.v1.FinishReason;
import dev.varco.proto.llm.v1.GenerateRequest;
import dev.varco.proto.llm.v1.GenerateResponse;
import io.grpc.Context;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.Iterator;
import org.junit.jupiter.api.Test;

/**
 * Requests share the model step by step: a short request started while a long one is decoding
 * finishes while the long one is still running, with the same answer it gets alone.
 */
@QuarkusTest
@QuarkusTestResource(TinyModelResource.class)
class SchedulerFairnessTest extends GrpcApiTest {
  static final int LONG = 20000;

  @Test
  void aShortRequestFinishesWhileALongOneDecodes() throws Exception {
    GenerateRequest shortRequest = request(greedy(6), text("user", "짧게 대답해줘: 하늘은 무슨 색?"));
    GenerateOutcome alone = generate(shortRequest.toBuilder().setCachePrompt(false).build());
    double generatedBefore;
    try (Context.CancellableContext longCall = Context.current().withCancellation()) {
      Iterator<GenerateResponse> longStream =
          longCall.call(() -> llm.generate(request(greedy(LONG), text("user", "Write forever."))));
      assertTrue(longStream.hasNext() && longStream.next().hasDelta(), "the long request is decoding");
      generatedBefore = MetricsScrape.value("vllm:generation_tokens_total");

      GenerateOutcome interleaved = generate(shortRequest.toBuilder().setCachePrompt(false).build());
      assertEquals(alone.text(), interleaved.text(), "same answer when sharing the model");
      assertEquals(alone.completion().getUsage().getCompletionTokens(), interleaved.completion().getUsage().getCompletionTokens());
      assertTrue(interleaved.completion().getFinishReason() != FinishReason.FINISH_REASON_UNSPECIFIED);
      assertEquals(1, MetricsScrape.value("vllm:num_requests_running"), "the long request is still running");
      longCall.cancel(null);
    }
    assertEquals(0, MetricsScrape.await("vllm:num_requests_running", r -> r == 0, Duration.ofSeconds(10)));
    double longTokens = MetricsScrape.value("vllm:generation_tokens_total") - generatedBefore;
    assertTrue(longTokens < LONG, "the long request was cut short by the cancel, after " + longTokens + " tokens");
  }
}
