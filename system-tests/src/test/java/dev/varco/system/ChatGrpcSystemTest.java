package dev.varco.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.varco.proto.chat.v1.ChatDone;
import dev.varco.proto.chat.v1.ChatGrpc;
import dev.varco.proto.chat.v1.ChatMessage;
import dev.varco.proto.chat.v1.ChatPart;
import dev.varco.proto.chat.v1.ChatRequest;
import dev.varco.proto.chat.v1.ChatResponse;
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

  @Test
  void listModelsNamesTheServedModel() {
    assertEquals(1, chat.listModels(ListModelsRequest.getDefaultInstance()).getModelsCount());
  }
}
