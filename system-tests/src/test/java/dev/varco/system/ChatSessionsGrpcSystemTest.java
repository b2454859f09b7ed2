package dev.varco.system;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.varco.proto.chat.v1.ChatDone;
import dev.varco.proto.chat.v1.ChatGrpc;
import dev.varco.proto.chat.v1.ChatPart;
import dev.varco.proto.chat.v1.ChatResponse;
import dev.varco.proto.chat.v1.ConversationItem;
import dev.varco.proto.chat.v1.CreateConversationRequest;
import dev.varco.proto.chat.v1.DeleteConversationRequest;
import dev.varco.proto.chat.v1.GetConversationRequest;
import dev.varco.proto.chat.v1.GetResponseRequest;
import dev.varco.proto.chat.v1.ItemOrder;
import dev.varco.proto.chat.v1.ListItemsRequest;
import dev.varco.proto.chat.v1.RecordedResponse;
import dev.varco.proto.chat.v1.RespondRequest;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Server-side conversations through gRPC {@code varco.chat.v1.Chat} on the real stack: a client
 * sends only the new turn each time, and the earlier turns reach the model, as the token
 * accounting shows (each turn's prompt holds the whole conversation, and the first turn's image
 * tokens come back in turns that send no image). The model has random weights, so answers are
 * compared with what was streamed, never with expected text.
 */
@ExtendWith(RunningStack.class)
class ChatSessionsGrpcSystemTest {
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

  /** One turn's stream: its text and its final ChatDone. */
  private record Answer(String text, ChatDone done) {}

  private static Answer respond(RespondRequest.Builder request) {
    List<ChatResponse> responses = new ArrayList<>();
    chat.withDeadlineAfter(5, TimeUnit.MINUTES).respond(request.setTemperature(0).setMaxTokens(6).build())
        .forEachRemaining(responses::add);
    assertTrue(responses.getLast().hasDone(), "the stream must end with done");
    StringBuilder text = new StringBuilder();
    responses.stream().filter(ChatResponse::hasDelta).forEach(response -> text.append(response.getDelta()));
    return new Answer(text.toString(), responses.getLast().getDone());
  }

  private static ChatPart text(String text) {
    return ChatPart.newBuilder().setText(text).build();
  }

  @Test
  void threeTurnImageConversationSendingOnlyTheNewTurn() throws Exception {
    String id = chat.createConversation(CreateConversationRequest.newBuilder().putMetadata("via", "grpc").build())
        .getId();
    byte[] png = TestImages.png(320, 240);

    Answer first = respond(RespondRequest.newBuilder().setConversationId(id)
        .addInput(ChatPart.newBuilder().setImage(ByteString.copyFrom(png))).addInput(text("What is in this picture?")));
    assertEquals(id, first.done().getConversationId());
    assertTrue(first.done().getResponseId().startsWith("resp_"), first.done().toString());
    int image = first.done().getImageTokens();
    assertTrue(image >= 729, "an image is at least one 729-row base tile: " + first.done());
    assertTrue(first.done().getPromptTokens() > image, first.done().toString());

    Answer second = respond(RespondRequest.newBuilder().setConversationId(id).addInput(text("What colour is it?")));
    assertEquals(image, second.done().getImageTokens(), "turn 2 sent no image: the image tokens are turn 1's");
    assertTrue(second.done().getPromptTokens() > first.done().getPromptTokens() + first.done().getCompletionTokens(),
        second.done() + " vs " + first.done());

    Answer third = respond(RespondRequest.newBuilder().setConversationId(id)
        .addInput(text("Summarise our conversation in one word.")));
    assertEquals(image, third.done().getImageTokens());
    assertTrue(third.done().getPromptTokens() > second.done().getPromptTokens() + second.done().getCompletionTokens(),
        third.done() + " vs " + second.done());
    Answer alone = respond(RespondRequest.newBuilder().setStore(false)
        .addInput(text("Summarise our conversation in one word.")));
    assertEquals("", alone.done().getResponseId(), "store = false records nothing to continue from");
    assertTrue(alone.done().getPromptTokens() + image < third.done().getPromptTokens(), alone.done().toString());

    // The conversation of record: three user turns and three answers, in order, the image kept whole.
    List<ConversationItem> items = chat.listItems(ListItemsRequest.newBuilder().setConversationId(id)
        .setOrder(ItemOrder.ITEM_ORDER_ASC).build()).getItemsList();
    assertEquals(List.of("user", "assistant", "user", "assistant", "user", "assistant"),
        items.stream().map(ConversationItem::getRole).toList());
    assertArrayEquals(png, items.getFirst().getParts(0).getImage().toByteArray());
    assertEquals("What colour is it?", items.get(2).getParts(0).getText());
    assertEquals(first.text(), items.get(1).getParts(0).getText());
    assertEquals(third.text(), items.get(5).getParts(0).getText());

    // The same records through REST: the response is the Responses API's.
    HttpResponse<String> recorded = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(RunningStack.get().gatewayUrl() + "/v1/responses/" + third.done().getResponseId())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, recorded.statusCode(), recorded.body());
    assertTrue(recorded.body().contains("\"conversation\":{\"id\":\"" + id + "\"}"), recorded.body());

    assertTrue(chat.deleteConversation(DeleteConversationRequest.newBuilder().setConversationId(id).build())
        .getDeleted());
    var gone = assertThrows(StatusRuntimeException.class,
        () -> chat.getConversation(GetConversationRequest.newBuilder().setConversationId(id).build()));
    assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
  }

  @Test
  void getResponseReadsARealTurnAsRestDoes() {
    String id = chat.createConversation(CreateConversationRequest.getDefaultInstance()).getId();
    Answer first = respond(RespondRequest.newBuilder().setConversationId(id).setInstructions("Answer briefly.")
        .putMetadata("run", "grpc-parity")
        .addInput(ChatPart.newBuilder().setImage(ByteString.copyFrom(TestImages.png(320, 240))))
        .addInput(text("What is in this picture?")));
    Answer second = respond(RespondRequest.newBuilder().setPreviousResponseId(first.done().getResponseId())
        .addInput(text("What colour is it?")));
    ResponsesHttp rest = new ResponsesHttp(RunningStack.get().gatewayUrl());

    for (Answer answer : List.of(first, second)) {
      String responseId = answer.done().getResponseId();
      RecordedResponse recorded = chat.getResponse(GetResponseRequest.newBuilder().setResponseId(responseId).build());
      // What was streamed is what was recorded ...
      assertEquals(responseId, recorded.getId());
      assertEquals(answer.text(), recorded.getOutputText());
      assertEquals(answer.done().getPromptTokens(), recorded.getUsage().getPromptTokens());
      assertEquals(answer.done().getCompletionTokens(), recorded.getUsage().getCompletionTokens());
      assertEquals(answer.done().getCachedTokens(), recorded.getUsage().getCachedTokens());
      assertEquals(answer.done().getImageTokens(), recorded.getUsage().getImageTokens());
      assertEquals(answer.done().getFinishReason().equals("length") ? "incomplete" : "completed", recorded.getStatus());
      // ... and REST's response object for the same id says the same, field by field.
      JsonNode json = rest.get("/v1/responses/" + responseId, 200);
      assertEquals(json.path("id").asText(), recorded.getId());
      assertEquals(json.path("created_at").asLong(), recorded.getCreatedAt());
      assertEquals(json.path("model").asText(), recorded.getModel());
      assertEquals(json.path("status").asText(), recorded.getStatus());
      assertEquals(json.path("incomplete_details").path("reason").asText(""), recorded.getIncompleteReason());
      assertEquals(json.path("conversation").path("id").asText(""), recorded.getConversationId());
      assertEquals(json.path("previous_response_id").asText(""), recorded.getPreviousResponseId());
      assertEquals(json.path("instructions").isNull(), !recorded.hasInstructions());
      assertEquals(json.path("instructions").asText(""), recorded.getInstructions());
      assertEquals(json.path("output").get(0).path("id").asText(), recorded.getOutput(0).getId());
      assertEquals(json.path("output").get(0).path("content").get(0).path("text").asText(), recorded.getOutputText());
      JsonNode usage = json.path("usage");
      assertEquals(usage.path("input_tokens").asInt(), recorded.getUsage().getPromptTokens());
      assertEquals(usage.path("output_tokens").asInt(), recorded.getUsage().getCompletionTokens());
      JsonNode details = usage.path("input_tokens_details");
      assertEquals(details.path("cached_tokens").asInt(), recorded.getUsage().getCachedTokens());
      assertEquals(details.path("image_tokens").asInt(), recorded.getUsage().getImageTokens());
      assertEquals(json.path("max_output_tokens").asInt(), recorded.getMaxTokens());
      Map<String, String> metadata = new java.util.HashMap<>();
      json.path("metadata").properties().forEach(field -> metadata.put(field.getKey(), field.getValue().asText()));
      assertEquals(metadata, recorded.getMetadataMap());
    }
    RecordedResponse firstRecorded = chat.getResponse(GetResponseRequest.newBuilder()
        .setResponseId(first.done().getResponseId()).build());
    assertEquals(id, firstRecorded.getConversationId());
    assertEquals("Answer briefly.", firstRecorded.getInstructions());
    assertEquals(Map.of("run", "grpc-parity"), firstRecorded.getMetadataMap());
    assertTrue(firstRecorded.getUsage().getImageTokens() >= 729, firstRecorded.toString());
    RecordedResponse secondRecorded = chat.getResponse(GetResponseRequest.newBuilder()
        .setResponseId(second.done().getResponseId()).build());
    assertEquals(first.done().getResponseId(), secondRecorded.getPreviousResponseId());
    assertEquals("", secondRecorded.getConversationId());
    assertTrue(!secondRecorded.hasInstructions(), "instructions are the first turn's only");

    var unknown = assertThrows(StatusRuntimeException.class, () -> chat.getResponse(GetResponseRequest.newBuilder()
        .setResponseId("resp_missing").build()));
    assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
  }

  @Test
  void previousResponseIdChainsTurnsWithoutAConversation() {
    Answer first = respond(RespondRequest.newBuilder()
        .addInput(ChatPart.newBuilder().setImage(ByteString.copyFrom(TestImages.png(320, 240))))
        .addInput(text("What is in this picture?")));
    assertEquals("", first.done().getConversationId());
    Answer second = respond(RespondRequest.newBuilder().setPreviousResponseId(first.done().getResponseId())
        .addInput(text("What colour is it?")));
    assertEquals(first.done().getImageTokens(), second.done().getImageTokens());
    assertTrue(second.done().getPromptTokens() > first.done().getPromptTokens() + first.done().getCompletionTokens(),
        second.done() + " vs " + first.done());
    // And a third turn on that chain, which now holds both earlier turns.
    Answer third = respond(RespondRequest.newBuilder().setPreviousResponseId(second.done().getResponseId())
        .addInput(text("And its shape?")));
    assertTrue(third.done().getPromptTokens() > second.done().getPromptTokens() + second.done().getCompletionTokens());

    var unknown = assertThrows(StatusRuntimeException.class, () -> respond(RespondRequest.newBuilder()
        .setPreviousResponseId("resp_missing").addInput(text("hi"))));
    assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
  }

  @Test
  void aCancelledTurnRecordsNothingAndFreesTheConversation() throws Exception {
    String id = chat.createConversation(CreateConversationRequest.getDefaultInstance()).getId();
    double finishedBefore = StackMetrics.llm("vllm:request_success_total");
    Context.CancellableContext call = Context.current().withCancellation();
    call.run(() -> {
      Iterator<ChatResponse> stream = chat.respond(RespondRequest.newBuilder().setConversationId(id).setMaxTokens(8000)
          .addInput(text("Write a very long story about the sea.")).build());
      for (int deltas = 0; deltas < 3; deltas++) {
        assertTrue(stream.next().hasDelta(), "tokens were streaming");
      }
    });
    call.cancel(null); // the client goes away mid-answer
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (StackMetrics.llm("vllm:num_requests_running") > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(finishedBefore, StackMetrics.llm("vllm:request_success_total"), "the generation was cancelled, not completed");
    assertEquals(0, chat.listItems(ListItemsRequest.newBuilder().setConversationId(id).build()).getItemsCount(),
        "a cancelled turn records nothing");

    // The conversation is free again (at once, or within a moment: the cancel frees it on a worker thread;
    // a leaked hold would last the 11-minute lease).
    Answer next = null;
    long freeBy = System.nanoTime() + 5_000_000_000L;
    while (next == null) {
      try {
        next = respond(RespondRequest.newBuilder().setConversationId(id).addInput(text("A short one, then.")));
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ABORTED || System.nanoTime() > freeBy) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
    assertEquals(List.of("user", "assistant"), chat.listItems(ListItemsRequest.newBuilder().setConversationId(id)
        .setOrder(ItemOrder.ITEM_ORDER_ASC).build()).getItemsList().stream().map(ConversationItem::getRole).toList());
    assertEquals("A short one, then.", chat.listItems(ListItemsRequest.newBuilder().setConversationId(id)
        .setOrder(ItemOrder.ITEM_ORDER_ASC).build()).getItems(0).getParts(0).getText());
  }
}
