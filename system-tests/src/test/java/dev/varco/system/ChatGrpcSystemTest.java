package dev.varco.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import dev.varco.proto.chat.v1.ChatDone;
import dev.varco.proto.chat.v1.ChatGrpc;
import dev.varco.proto.chat.v1.ChatMessage;
import dev.varco.proto.chat.v1.ChatPart;
import dev.varco.proto.chat.v1.ChatRequest;
import dev.varco.proto.chat.v1.ChatResponse;
import dev.varco.proto.chat.v1.ChatTokenLogprob;
import dev.varco.proto.chat.v1.ListModelsRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The gateway's gRPC {@code varco.chat.v1.Chat} service against the real stack. */
@ExtendWith(RunningStack.class)
class ChatGrpcSystemTest {
  private static ManagedChannel channel;
  private static ChatGrpc.ChatBlockingStub chat;

  @BeforeAll
  static void connect() {
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", RunningStack.get().gatewayGrpcPort)
        .usePlaintext().maxInboundMessageSize(16 << 20).build();
    chat = ChatGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void disconnect() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  private static ChatMessage user(ChatPart... parts) {
    return ChatMessage.newBuilder().setRole("user").addAllParts(List.of(parts)).build();
  }

  private static ChatPart text(String text) {
    return ChatPart.newBuilder().setText(text).build();
  }

  private static List<ChatResponse> complete(ChatRequest request) {
    List<ChatResponse> responses = new ArrayList<>();
    chat.withDeadlineAfter(5, TimeUnit.MINUTES).complete(request).forEachRemaining(responses::add);
    return responses;
  }

  @Test
  void koreanTextTurnStreamsDeltasThenDone() {
    List<ChatResponse> responses = complete(ChatRequest.newBuilder().setMaxTokens(6)
        .addMessages(user(text("안녕하세요, 자기소개를 해주세요."))).build());
    ChatResponse last = responses.getLast();
    assertTrue(last.hasDone(), "the stream must end with done");
    assertTrue(last.getDone().getFinishReason().equals("stop") || last.getDone().getFinishReason().equals("length"));
    assertTrue(last.getDone().getPromptTokens() > 5);
    assertEquals(responses.size() - 1, responses.stream().filter(r -> r.getEventCase() == ChatResponse.EventCase.DELTA).count());
    String answer = String.join("", responses.stream().filter(ChatResponse::hasDelta).map(ChatResponse::getDelta).toList());
    assertFalse(answer.contains("\uFFFD"));
  }

  @Test
  void imageTurnCountsImageTokensInThePrompt() {
    ChatPart image = ChatPart.newBuilder().setImage(ByteString.copyFrom(TestImages.png(384, 384))).build();
    ChatDone withImage = complete(ChatRequest.newBuilder().setMaxTokens(2)
        .addMessages(user(image, text("What is this?"))).build()).getLast().getDone();
    ChatDone withoutImage = complete(ChatRequest.newBuilder().setMaxTokens(2)
        .addMessages(user(text("What is this?"))).build()).getLast().getDone();
    // 1485 image rows replace the one <image> placeholder; see ImageTokenUsageSystemTest for the +1.
    assertEquals(1485 + 1, withImage.getPromptTokens() - withoutImage.getPromptTokens());
  }

  @Test
  void invalidTurnsAreInvalidArgument() {
    var noMessages = assertThrows(StatusRuntimeException.class, () -> complete(ChatRequest.newBuilder().build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, noMessages.getStatus().getCode());
    assertTrue(noMessages.getStatus().getDescription().contains("messages"));

    ChatPart notAnImage = ChatPart.newBuilder().setImage(ByteString.copyFromUtf8("GIF89a not really")).build();
    var badImage = assertThrows(StatusRuntimeException.class,
        () -> complete(ChatRequest.newBuilder().setMaxTokens(2).addMessages(user(notAnImage, text("?"))).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, badImage.getStatus().getCode());

    assertTrue(complete(ChatRequest.newBuilder().setMaxTokens(2).addMessages(user(text("hi"))).build()).getLast().hasDone());
  }

  private static String answer(List<ChatResponse> responses) {
    return String.join("", responses.stream().filter(ChatResponse::hasDelta).map(ChatResponse::getDelta).toList());
  }

  @Test
  void decodingControlsStopAndLogprobsWork() {
    ChatRequest.Builder greedy = ChatRequest.newBuilder().setTemperature(0).setMaxTokens(12)
        .addMessages(user(text("Tell me about Seoul.")));
    List<ChatResponse> plain = complete(greedy.clone().setLogprobs(true).setTopLogprobs(2).build());
    String answer = answer(plain);
    List<ChatTokenLogprob> tokens = plain.stream().flatMap(r -> r.getLogprobsList().stream()).toList();
    assertFalse(tokens.isEmpty());
    for (ChatTokenLogprob token : tokens) {
      assertEquals(2, token.getTopLogprobsCount());
      assertEquals(token.getTopLogprobs(0).getLogprob(), token.getLogprob(), 1e-6);
    }
    assertTrue(plain.getLast().getLogprobsList().isEmpty(), "done carries no logprobs");

    int codePoints = answer.codePointCount(0, answer.length());
    assumeTrue(codePoints >= 4, "the greedy answer is too short to cut: '" + answer + "'");
    int from = answer.offsetByCodePoints(0, codePoints / 2);
    String stop = answer.substring(from, answer.offsetByCodePoints(from, 2));
    List<ChatResponse> stopped = complete(greedy.clone().addStop(stop).build());
    assertEquals(answer.substring(0, answer.indexOf(stop)), answer(stopped));
    assertEquals("stop", stopped.getLast().getDone().getFinishReason());

    var outOfRange = assertThrows(StatusRuntimeException.class, () -> complete(greedy.clone().setTopP(2f).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, outOfRange.getStatus().getCode());
    assertTrue(outOfRange.getStatus().getDescription().contains("top_p"));
  }

  @Test
  void listModelsNamesTheServedModel() {
    assertEquals(1, chat.listModels(ListModelsRequest.getDefaultInstance()).getModelsCount());
  }
}
