package dev.varco.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.varco.proto.llm.v1.Completion;
import dev.varco.proto.llm.v1.ContentPart;
import dev.varco.proto.llm.v1.GenerateRequest;
import dev.varco.proto.llm.v1.GenerateResponse;
import dev.varco.proto.llm.v1.Image;
import dev.varco.proto.llm.v1.LanguageModelGrpc;
import dev.varco.proto.llm.v1.Message;
import dev.varco.proto.llm.v1.SamplingParams;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The second turn of a conversation with an image, against the running stack (llm-service asking
 * the real vision-service): it reuses the first turn's KV cache, image rows included (prefill
 * counted through usage.cached_prompt_tokens, not timed), and answers exactly as a run without
 * the cache.
 */
@ExtendWith(RunningStack.class)
class MultiTurnKvReuseSystemTest {
  private static ManagedChannel channel;
  private static LanguageModelGrpc.LanguageModelBlockingStub llm;

  @BeforeAll
  static void connect() {
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", RunningStack.get().llmGrpcPort).usePlaintext().build();
    llm = LanguageModelGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void disconnect() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  private record Answer(String text, Completion completion) {}

  private static Answer generate(GenerateRequest request) {
    StringBuilder text = new StringBuilder();
    Completion completion = null;
    var stream = llm.withDeadlineAfter(5, TimeUnit.MINUTES).generate(request);
    while (stream.hasNext()) {
      GenerateResponse response = stream.next();
      if (response.hasDelta()) {
        text.append(response.getDelta().getText());
      } else {
        completion = response.getCompletion();
      }
    }
    return new Answer(text.toString(), completion);
  }

  private static Message text(String role, String text) {
    return Message.newBuilder().setRole(role).addContent(ContentPart.newBuilder().setText(text)).build();
  }

  @Test
  void theSecondTurnReusesTheImageTurnsCacheAndAnswersAsACleanRun() {
    byte[] png = TestImages.png(500, 380);
    Message imageTurn = Message.newBuilder().setRole("user")
        .addContent(ContentPart.newBuilder().setImage(Image.newBuilder().setData(ByteString.copyFrom(png))))
        .addContent(ContentPart.newBuilder().setText("이 그림에 뭐가 있어? What is in it?"))
        .build();
    SamplingParams greedy = SamplingParams.newBuilder().setTemperature(0).setMaxTokens(10).build();
    Answer first = generate(GenerateRequest.newBuilder().setSessionId("kv-system").addMessages(imageTurn).setSampling(greedy).build());
    var firstUsage = first.completion().getUsage();
    assertTrue(firstUsage.getImageTokens() > 0);

    GenerateRequest secondTurn = GenerateRequest.newBuilder().setSessionId("kv-system")
        .addMessages(imageTurn).addMessages(text("assistant", first.text())).addMessages(text("user", "색깔은? Which colours?"))
        .setSampling(greedy).build();
    Answer second = generate(secondTurn);
    var secondUsage = second.completion().getUsage();
    assertEquals(firstUsage.getImageTokens(), secondUsage.getImageTokens());
    assertTrue(secondUsage.getCachedPromptTokens() >= firstUsage.getPromptTokens(),
        "turn 2 reused " + secondUsage.getCachedPromptTokens() + " positions; turn 1's prompt (image rows included) was "
            + firstUsage.getPromptTokens());
    assertTrue(secondUsage.getPromptTokens() - secondUsage.getCachedPromptTokens() < 40,
        "only the new suffix is prefilled: " + (secondUsage.getPromptTokens() - secondUsage.getCachedPromptTokens()));

    Answer cold = generate(secondTurn.toBuilder().setCachePrompt(false).build());
    assertEquals(0, cold.completion().getUsage().getCachedPromptTokens());
    assertEquals(cold.text(), second.text(), "same greedy answer on a cache hit and without the cache");
    assertEquals(cold.completion().getFinishReason(), second.completion().getFinishReason());
    assertEquals(cold.completion().getUsage().getCompletionTokens(), secondUsage.getCompletionTokens());
  }
}
