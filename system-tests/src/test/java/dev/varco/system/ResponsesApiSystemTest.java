package dev.varco.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.conversations.Conversation;
import com.openai.models.conversations.ConversationCreateParams;
import com.openai.models.conversations.Message;
import com.openai.models.conversations.items.ConversationItem;
import com.openai.models.conversations.items.ItemListParams;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseInputContent;
import com.openai.models.responses.ResponseInputImage;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseInputText;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseUsage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The official OpenAI Java SDK holds server-side conversations through the Conversations and
 * Responses APIs on the real stack, sending only the new turn each time. The model has random
 * weights, so answers are never compared with expected text: that the earlier turns reach the
 * model shows in the token accounting (each turn's input tokens hold the whole conversation, and
 * the first turn's image tokens come back in turns that send no image).
 */
@ExtendWith(RunningStack.class)
class ResponsesApiSystemTest {
  private static final String FIRST = "What is in this picture?";
  private static final String SECOND = "What colour is it?";
  private static final String THIRD = "Summarise our conversation in one word.";
  private static OpenAIClient client;
  private static String model;

  @BeforeAll
  static void connect() {
    client = OpenAiSdk.connect();
    model = client.models().list().data().getFirst().id();
  }

  @AfterAll
  static void disconnect() {
    client.close();
  }

  private static ResponseInputItem imageQuestion() {
    String url = TestImages.dataUrl("image/png", TestImages.png(320, 240));
    return ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
        .role(EasyInputMessage.Role.USER)
        .contentOfResponseInputMessageContentList(List.of(
            ResponseInputContent.ofInputImage(ResponseInputImage.builder()
                .imageUrl(url).detail(ResponseInputImage.Detail.AUTO).build()),
            ResponseInputContent.ofInputText(ResponseInputText.builder().text(FIRST).build())))
        .build());
  }

  private static ResponseCreateParams.Builder greedy() {
    return ResponseCreateParams.builder().model(model).temperature(0.0).maxOutputTokens(6L);
  }

  private static Response create(ResponseCreateParams params) {
    Response response = client.responses().create(params);
    response.validate();
    return response;
  }

  /** The stream's events, each validated, with their types and sequence numbers checked. */
  private static List<ResponseStreamEvent> stream(ResponseCreateParams params) {
    List<ResponseStreamEvent> events = new ArrayList<>();
    try (StreamResponse<ResponseStreamEvent> response = client.responses().createStreaming(params)) {
      response.stream().forEach(event -> events.add(event.validate()));
    }
    return events;
  }

  private static String text(Response response) {
    return response.output().getFirst().message().orElseThrow().content().getFirst().outputText().orElseThrow().text();
  }

  private static ResponseUsage usage(Response response) {
    return response.usage().orElseThrow();
  }

  /** Our extension of OpenAI's usage: how many input tokens were image embeddings. */
  private static long imageTokens(Response response) {
    JsonValue value = usage(response).inputTokensDetails()._allProperties().get("image_tokens");
    return value.convert(Long.class);
  }

  @Test
  void threeTurnImageConversationSendingOnlyTheNewTurn() {
    Conversation conversation = client.conversations().create(ConversationCreateParams.builder().build());
    conversation.validate();
    assertTrue(conversation.id().startsWith("conv_"), conversation.id());

    // Turn 1: the image and a question, as one JSON response.
    Response first = create(greedy().conversation(conversation.id()).inputOfResponse(List.of(imageQuestion())).build());
    assertEquals(model, first.model().asString());
    assertEquals(conversation.id(), first.conversation().orElseThrow().id());
    long image = imageTokens(first);
    assertTrue(image >= 729, "an image is at least one 729-row base tile: " + usage(first));
    assertTrue(usage(first).inputTokens() > image, usage(first).toString());

    // Turn 2: text only, streamed; the stream is the Responses API's event sequence.
    List<ResponseStreamEvent> events = stream(greedy().conversation(conversation.id()).input(SECOND).build());
    assertTrue(events.getFirst().created().isPresent(), events.getFirst().toString());
    assertTrue(events.get(1).inProgress().isPresent());
    assertTrue(events.get(2).outputItemAdded().isPresent());
    assertTrue(events.get(3).contentPartAdded().isPresent());
    ResponseStreamEvent last = events.getLast();
    Response second = last.completed().map(event -> event.response())
        .or(() -> last.incomplete().map(event -> event.response())).orElseThrow(() -> new AssertionError(last));
    StringBuilder streamed = new StringBuilder();
    events.forEach(event -> event.outputTextDelta().ifPresent(delta -> streamed.append(delta.delta())));
    assertEquals(streamed.toString(), events.stream().flatMap(event -> event.outputTextDone().stream()).findFirst()
        .orElseThrow().text());
    assertEquals(streamed.toString(), text(second));
    assertTrue(events.stream().anyMatch(event -> event.outputItemDone().isPresent()));
    assertTrue(events.stream().anyMatch(event -> event.contentPartDone().isPresent()));
    assertEquals(image, imageTokens(second), "turn 2 sent no image: the image tokens are turn 1's");
    assertTrue(usage(second).inputTokens() > usage(first).inputTokens(), usage(second) + " vs " + usage(first));

    // Turn 3: text only again.
    Response third = create(greedy().conversation(conversation.id()).input(THIRD).build());
    assertEquals(image, imageTokens(third));
    assertTrue(usage(third).inputTokens() > usage(second).inputTokens(), usage(third) + " vs " + usage(second));
    Response alone = create(greedy().input(THIRD).store(false).build());
    assertTrue(usage(alone).inputTokens() + image < usage(third).inputTokens(),
        "the same question without the conversation is shorter: " + usage(alone));

    // The conversation of record: three user turns, three answers, in order, the image kept.
    List<ConversationItem> items = client.conversations().items()
        .list(conversation.id(), ItemListParams.builder().order(ItemListParams.Order.ASC).limit(20).build()).data();
    items.forEach(ConversationItem::validate);
    List<Message> messages = items.stream().map(item -> item.message().orElseThrow()).toList();
    assertEquals(List.of("user", "assistant", "user", "assistant", "user", "assistant"),
        messages.stream().map(message -> message.role().asString()).toList());
    assertTrue(messages.getFirst().content().getFirst().inputImage().isPresent());
    assertEquals(SECOND, messages.get(2).content().getFirst().inputText().orElseThrow().text());
    assertEquals(text(third), messages.get(5).content().getFirst().outputText().orElseThrow().text());
    assertEquals(text(third), text(client.responses().retrieve(third.id()).validate()));

    assertTrue(client.conversations().delete(conversation.id()).deleted());
    assertThrows(NotFoundException.class, () -> client.conversations().retrieve(conversation.id()));
  }

  @Test
  void previousResponseIdChainsTurnsWithoutAConversation() {
    Response first = create(greedy().inputOfResponse(List.of(imageQuestion())).build());
    assertFalse(first.conversation().isPresent());
    Response second = create(greedy().previousResponseId(first.id()).input(SECOND).build());
    assertEquals(first.id(), second.previousResponseId().orElseThrow());
    assertEquals(imageTokens(first), imageTokens(second));
    assertTrue(usage(second).inputTokens() > usage(first).inputTokens());
  }

  @Test
  void refusalsAreTheSdksTypedErrors() {
    Conversation conversation = client.conversations().create(ConversationCreateParams.builder().build());
    BadRequestException both = assertThrows(BadRequestException.class, () -> client.responses().create(
        greedy().conversation(conversation.id()).previousResponseId("resp_x").input("hi").build()));
    assertEquals("conversation", both.param().orElseThrow());
    assertThrows(NotFoundException.class,
        () -> client.responses().create(greedy().conversation("conv_missing").input("hi").build()));
    assertThrows(NotFoundException.class, () -> client.responses().retrieve("resp_missing"));
  }
}
