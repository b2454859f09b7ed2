package dev.varco.llm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.varco.llm.TinyModelResource;
import dev.varco.proto.llm.v1.ContentPart;
import dev.varco.proto.llm.v1.DescribeModelRequest;
import dev.varco.proto.llm.v1.GenerateRequest;
import dev.varco.proto.llm.v1.GenerateResponse;
import dev.varco.proto.llm.v1.Image;
import dev.varco.proto.llm.v1.Message;
import dev.varco.proto.llm.v1.SamplingParams;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The configurable limits: queue depth, images per request, context cap, KV idle TTL. */
@QuarkusTest
@TestProfile(ConfiguredLimitsTest.TightLimits.class)
@QuarkusTestResource(TinyModelResource.class)
class ConfiguredLimitsTest extends GrpcApiTest {
  static final int CONTEXT_CAP = 4096;

  public static class TightLimits implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "varco.llm.max-waiting-requests", "1",
          "varco.llm.max-running-requests", "1",
          "varco.llm.kv-cache.idle-ttl", "1s",
          "varco.llm.max-images", "1",
          "varco.llm.context-length", String.valueOf(CONTEXT_CAP));
    }
  }

  static GenerateRequest longRequest() {
    return GenerateRequest.newBuilder()
        .addMessages(Message.newBuilder().setRole("user").addContent(ContentPart.newBuilder().setText("Write forever.")))
        .setSampling(SamplingParams.newBuilder().setMaxTokens(CONTEXT_CAP - 100))
        .build();
  }

  @Test
  void aFullQueueIsResourceExhausted() throws Exception {
    try (Context.CancellableContext running = Context.current().withCancellation();
        Context.CancellableContext waiting = Context.current().withCancellation()) {
      Iterator<GenerateResponse> first = running.call(() -> llm.generate(longRequest()));
      assertTrue(first.hasNext(), "the first request is decoding");
      Iterator<GenerateResponse> second = waiting.call(() -> llm.generate(longRequest()));
      MetricsScrape.await("vllm:num_requests_waiting", w -> w >= 1, Duration.ofSeconds(10));
      // With max-running-requests=1 the second one waits; with max-waiting-requests=1 a third is refused.
      var e = assertThrows(StatusRuntimeException.class, () -> llm.generate(longRequest()).hasNext());
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("varco.llm.max-waiting-requests"));
      running.cancel(null);
      assertTrue(second.hasNext(), "the waiting request runs once the first is cancelled");
      waiting.cancel(null);
    }
  }

  @Test
  void idleKvCachesExpireAfterTheirTtl() throws Exception {
    GenerateRequest turn = GenerateRequest.newBuilder()
        .addMessages(Message.newBuilder().setRole("user").addContent(ContentPart.newBuilder().setText("Remember me for a second.")))
        .setSampling(SamplingParams.newBuilder().setMaxTokens(4))
        .build();
    llm.generate(turn).forEachRemaining(r -> {});
    // Kept after the request, released (bytes back to 0) once idle for 1 s.
    double released = MetricsScrape.await("varco:kv_cache_bytes{state=\"idle\"}", b -> b == 0, Duration.ofSeconds(15));
    assertEquals(0, released, "idle KV bytes after the TTL");
    GenerateResponse last = null;
    for (Iterator<GenerateResponse> it = llm.generate(turn); it.hasNext(); ) {
      last = it.next();
    }
    assertEquals(0, last.getCompletion().getUsage().getCachedPromptTokens(), "nothing left to reuse after expiry");
  }

  @Test
  void imagesOverTheLimitAreRejected() {
    Image image = Image.newBuilder().setData(ByteString.copyFromUtf8("png?")).build();
    GenerateRequest twoImages = GenerateRequest.newBuilder()
        .addMessages(Message.newBuilder().setRole("user")
            .addContent(ContentPart.newBuilder().setImage(image))
            .addContent(ContentPart.newBuilder().setImage(image))
            .addContent(ContentPart.newBuilder().setText("compare")))
        .build();
    var e = assertThrows(StatusRuntimeException.class, () -> llm.generate(twoImages).hasNext());
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("limit of 1"), e.getStatus().getDescription());
  }

  @Test
  void theContextCapApplies() {
    assertEquals(CONTEXT_CAP, llm.describeModel(DescribeModelRequest.getDefaultInstance()).getContextLength());
    GenerateRequest tooLong = longRequest().toBuilder()
        .setSampling(SamplingParams.newBuilder().setMaxTokens(CONTEXT_CAP)).build();
    var e = assertThrows(StatusRuntimeException.class, () -> llm.generate(tooLong).hasNext());
    assertEquals(Status.Code.OUT_OF_RANGE, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("sampling.max_tokens: "), e.getStatus().getDescription());
    assertTrue(e.getStatus().getDescription().contains("context length of " + CONTEXT_CAP), e.getStatus().getDescription());
  }

  /**
   * max_tokens 0 gets what the context leaves after the prompt (vLLM's default), not a fixed
   * number: a prompt within 512 tokens of the context end is served, and never runs past it.
   */
  @Test
  void anUnsetMaxTokensGetsTheContextLeft() {
    int repeats = 3800;
    int prompt = promptTokens(repeats);
    repeats += 3900 - prompt; // about one token per "가 "
    prompt = promptTokens(repeats);
    assertTrue(prompt > CONTEXT_CAP - 512 && prompt < CONTEXT_CAP - 16, "a prompt near the end of the context: " + prompt);

    GenerateResponse last = null;
    for (Iterator<GenerateResponse> it = llm.generate(nearTheEnd(repeats, 0)); it.hasNext(); ) {
      last = it.next();
    }
    var completion = last.getCompletion();
    assertEquals(prompt, completion.getUsage().getPromptTokens());
    int generated = completion.getUsage().getCompletionTokens();
    assertTrue(generated >= 1 && prompt + generated <= CONTEXT_CAP, "generated " + generated + " after " + prompt);
    if (completion.getFinishReason() == dev.varco.proto.llm.v1.FinishReason.FINISH_REASON_LENGTH) {
      assertEquals(CONTEXT_CAP, prompt + generated, "cut exactly where the context ends");
    }
  }

  private int promptTokens(int repeats) {
    GenerateResponse last = null;
    for (Iterator<GenerateResponse> it = llm.generate(nearTheEnd(repeats, 1)); it.hasNext(); ) {
      last = it.next();
    }
    return last.getCompletion().getUsage().getPromptTokens();
  }

  private static GenerateRequest nearTheEnd(int repeats, int maxTokens) {
    return GenerateRequest.newBuilder()
        .addMessages(Message.newBuilder().setRole("user").addContent(ContentPart.newBuilder().setText("가 ".repeat(repeats))))
        .setSampling(SamplingParams.newBuilder().setMaxTokens(maxTokens))
        .setCachePrompt(false)
        .build();
  }
}
