package dev.varco.llm.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.varco.llm.TinyModelResource;
import dev.varco.llm.text.ChatMessage;
import dev.varco.proto.llm.v1.Completion;
import dev.varco.proto.llm.v1.ContentPart;
import dev.varco.proto.llm.v1.DescribeModelRequest;
import dev.varco.proto.llm.v1.FinishReason;
import dev.varco.proto.llm.v1.GenerateRequest;
import dev.varco.proto.llm.v1.GenerateResponse;
import dev.varco.proto.llm.v1.Image;
import dev.varco.proto.llm.v1.LanguageModelGrpc;
import dev.varco.proto.llm.v1.Message;
import dev.varco.proto.llm.v1.ModelDescription;
import dev.varco.proto.llm.v1.SamplingParams;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gRPC contract of LanguageModel, end to end on the tiny model (text-only turns). */
@QuarkusTest
@QuarkusTestResource(TinyModelResource.class)
class LanguageModelServiceTest extends GrpcApiTest {
  /** Prompt length the service should count: the rendered template, tokenized. */
  int promptTokens(List<ChatMessage> messages) {
    var model = engine.model();
    return model.tokenizer().tokenize(model.chatTemplate().render(messages)).length;
  }

  static void assertShape(GenerateOutcome outcome) {
    List<GenerateResponse> responses = outcome.responses();
    assertTrue(responses.getLast().hasCompletion(), "the stream ends with a Completion");
    for (int i = 0; i < responses.size() - 1; i++) {
      assertTrue(responses.get(i).hasDelta(), "only deltas before the Completion");
      assertFalse(responses.get(i).getDelta().getText().contains("\uFFFD"));
    }
  }

  @Test
  void koreanTurnStreamsDeltasThenOneCompletion() {
    GenerateOutcome outcome = generate(request(greedy(12), text("system", "너는 친절한 비서야."), text("user", "안녕하세요! 서울 날씨 어때요?")));
    assertShape(outcome);
    var usage = outcome.completion().getUsage();
    int expectedPrompt = promptTokens(List.of(ChatMessage.text("system", "너는 친절한 비서야."), ChatMessage.text("user", "안녕하세요! 서울 날씨 어때요?")));
    assertEquals(expectedPrompt, usage.getPromptTokens());
    assertEquals(0, usage.getImageTokens());
    int eot = outcome.completion().getFinishReason() == FinishReason.FINISH_REASON_STOP ? 1 : 0;
    assertEquals(usage.getCompletionTokens(), outcome.deltaTokens() + eot, "completion tokens = tokens in deltas (+ end of turn)");
    assertTrue(usage.getCompletionTokens() <= 12);
  }

  @Test
  void englishTurnHitsMaxTokensWithLength() {
    GenerateOutcome outcome = generate(request(greedy(3), text("user", "Describe the weather in Seoul.")));
    assertShape(outcome);
    assertEquals(promptTokens(List.of(ChatMessage.text("user", "Describe the weather in Seoul."))),
        outcome.completion().getUsage().getPromptTokens());
    // The tiny model's greedy continuation of this prompt is not an end-of-turn token within 3.
    assertEquals(FinishReason.FINISH_REASON_LENGTH, outcome.completion().getFinishReason());
    assertEquals(3, outcome.completion().getUsage().getCompletionTokens());
    assertTrue(outcome.deltaTokens() <= 3, "deltas cover at most the generated tokens");
    // (max_tokens 0, the context left, is ConfiguredLimitsTest's: here it would run to 32k tokens.)
    GenerateOutcome longer = generate(request(greedy(8), text("user", "Describe the weather in Seoul.")));
    assertTrue(longer.text().startsWith(outcome.text()), "greedy output extends the 3-token answer");
    assertTrue(longer.completion().getUsage().getCompletionTokens() > 3);
  }

  @Test
  void greedyIsDeterministic() {
    GenerateRequest request = request(greedy(16), text("user", "고양이에 대해 알려줘"));
    GenerateOutcome first = generate(request);
    GenerateOutcome second = generate(request);
    assertEquals(first.text(), second.text());
    // The second run reuses the first one's KV cache; only the cached count may differ.
    assertEquals(first.completion().getFinishReason(), second.completion().getFinishReason());
    var firstUsage = first.completion().getUsage();
    var secondUsage = second.completion().getUsage();
    assertEquals(firstUsage.getPromptTokens(), secondUsage.getPromptTokens());
    assertEquals(firstUsage.getCompletionTokens(), secondUsage.getCompletionTokens());
    assertEquals(firstUsage.getPromptTokens() - 1, secondUsage.getCachedPromptTokens());
  }

  @Test
  void seededSamplingIsDeterministic() {
    SamplingParams seeded = SamplingParams.newBuilder().setTemperature(1.0f).setMaxTokens(16).setSeed(1234).build();
    GenerateRequest request = request(seeded, text("user", "Tell me a story about a fox."));
    GenerateOutcome first = generate(request);
    assertEquals(first.text(), generate(request).text());
    SamplingParams otherSeed = seeded.toBuilder().setSeed(98765).build();
    GenerateOutcome other = generate(request(otherSeed, text("user", "Tell me a story about a fox.")));
    // A random-weight model at T=1 almost surely differs somewhere in 16 tokens.
    assertNotEquals(first.text() + first.completion(), other.text() + other.completion());
  }

  @Test
  void invalidRequestsAreRejectedAndTheNextOneWorks() {
    assertInvalid(GenerateRequest.newBuilder().setSampling(greedy(4)).build(), "messages");
    assertInvalid(request(greedy(4), text("robot", "hi")), "messages[0].role");
    assertInvalid(request(greedy(4), text("user", "hi"), text("assistant", "hello")), "messages[1].role");
    assertInvalid(request(SamplingParams.newBuilder().setTemperature(-0.5f).build(), text("user", "hi")), "sampling.temperature");
    assertInvalid(request(SamplingParams.newBuilder().setTemperature(Float.NaN).build(), text("user", "hi")), "sampling.temperature");
    assertInvalid(GenerateRequest.newBuilder().addMessages(Message.newBuilder().setRole("user").addContent(ContentPart.newBuilder())).build(),
        "messages[0].content[0]");
    int context = engine.model().contextLength();
    StatusRuntimeException tooLong = assertThrows(StatusRuntimeException.class,
        () -> generate(request(greedy(context), text("user", "hi"))));
    assertEquals(Status.Code.OUT_OF_RANGE, tooLong.getStatus().getCode(), "context overflow is told apart");
    assertTrue(tooLong.getStatus().getDescription().startsWith("sampling.max_tokens: "), tooLong.getStatus().getDescription());
    assertTrue(tooLong.getStatus().getDescription().contains(String.valueOf(context)), tooLong.getStatus().getDescription());
    assertTrue(tooLong.getStatus().getDescription().contains("max_tokens " + context));

    GenerateOutcome ok = generate(request(greedy(2), text("user", "still there?")));
    assertShape(ok);
  }

  @Test
  void promptOverTheContextIsRejectedNamingBothNumbers() {
    int context = engine.model().contextLength();
    String longText = "가 ".repeat(context);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> generate(request(greedy(1), text("user", longText))));
    assertEquals(Status.Code.OUT_OF_RANGE, e.getStatus().getCode(), String.valueOf(e.getStatus()));
    // The prompt alone is too long: the field to change is the messages, not max_tokens.
    assertTrue(e.getStatus().getDescription().startsWith("messages: the prompt is "), e.getStatus().getDescription());
    assertTrue(e.getStatus().getDescription().contains("context length is " + context), e.getStatus().getDescription());
  }

  @Test
  void imageWithoutAVisionServiceIsUnavailable() {
    Message withImage = Message.newBuilder().setRole("user")
        .addContent(ContentPart.newBuilder().setImage(Image.newBuilder().setData(ByteString.copyFromUtf8("not really a png"))))
        .addContent(ContentPart.newBuilder().setText("뭐가 보여?"))
        .build();
    var e = assertThrows(StatusRuntimeException.class, () -> generate(request(greedy(2), withImage)));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("messages[0].content[0].image"), e.getStatus().getDescription());
  }

  @Test
  void clientCancelStopsGeneration() throws Exception {
    try (Context.CancellableContext context = Context.current().withCancellation()) {
      Iterator<GenerateResponse> stream = context.call(
          () -> llm.generate(request(greedy(20000), text("user", "Write a very long essay."))));
      assertTrue(stream.hasNext());
      assertTrue(stream.next().hasDelta());
      context.cancel(null);
    }
    assertEquals(0, MetricsScrape.await("vllm:num_requests_running", r -> r == 0, Duration.ofSeconds(10)),
        "decoding stopped after the cancel");
    assertEquals(0, MetricsScrape.value("varco:kv_cache_bytes{state=\"running\"}"), "its KV reservation was released");
    double generated = MetricsScrape.value("vllm:generation_tokens_total");
    Thread.sleep(200);
    assertEquals(generated, MetricsScrape.value("vllm:generation_tokens_total"), "no token is generated after the stop");
    assertShape(generate(request(greedy(2), text("user", "next"))));
  }

  @Test
  void describeModelNamesTheManifestModel() {
    ModelDescription description = llm.describeModel(DescribeModelRequest.getDefaultInstance());
    assertEquals(engine.model().manifest().name(), description.getName());
    assertEquals(engine.model().contextLength(), description.getContextLength());
    assertTrue(description.getCreated() > 0);
  }

  @Test
  void readinessAndMetrics() {
    given().get("/q/health/ready").then().statusCode(200).body(containsString("UP"));
    var health = HealthGrpc.newBlockingStub(channel);
    for (String service : List.of("", LanguageModelGrpc.SERVICE_NAME)) {
      assertEquals(HealthCheckResponse.ServingStatus.SERVING,
          health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus(), "gRPC health of '" + service + "'");
    }
    generate(request(greedy(2), text("user", "metrics please")));
    given().get("/q/metrics").then().statusCode(200)
        .body(containsString("vllm:num_requests_running"))
        .body(containsString("vllm:num_requests_waiting"))
        .body(containsString("vllm:time_to_first_token_seconds"))
        .body(containsString("vllm:generation_tokens_total"));
  }

  private StatusRuntimeException assertInvalid(GenerateRequest request, String field) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> generate(request));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), String.valueOf(e.getStatus()));
    assertTrue(e.getStatus().getDescription().startsWith(field), e.getStatus().getDescription());
    return e;
  }
}
