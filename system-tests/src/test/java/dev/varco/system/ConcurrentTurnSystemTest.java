package dev.varco.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.conversations.ConversationCreateParams;
import com.openai.models.conversations.items.ConversationItem;
import com.openai.models.conversations.items.ItemListParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A conversation answers one turn at a time on the real stack: a turn sent while another is
 * streaming is refused with 409 {@code conversation_busy} (never answered from a history that
 * lacks the running turn), and the same turn sent after it completes is answered with it.
 */
@ExtendWith(RunningStack.class)
class ConcurrentTurnSystemTest {
  private static OpenAIClient client;

  @BeforeAll
  static void connect() {
    client = OpenAiSdk.connect();
  }

  @AfterAll
  static void disconnect() {
    client.close();
  }

  @Test
  void aSecondTurnWhileTheFirstStreamsIs409ThenAnsweredWithTheFirst() {
    String conversation = client.conversations().create(ConversationCreateParams.builder().build()).id();
    // Greedy decoding of the tiny model is deterministic: this turn runs its full 400 tokens.
    ResponseCreateParams first = ResponseCreateParams.builder().conversation(conversation)
        .input("Write a very long story about the sea.").temperature(0.0).maxOutputTokens(400L).build();
    ResponseCreateParams second = ResponseCreateParams.builder().conversation(conversation)
        .input("And then?").temperature(0.0).maxOutputTokens(4L).build();

    Response firstDone;
    try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(first)) {
      Iterator<ResponseStreamEvent> events = stream.stream().iterator();
      while (!events.next().isOutputTextDelta()) {
        // up to the first streamed text: the turn is running now
      }
      OpenAIServiceException busy = assertThrows(OpenAIServiceException.class, () -> client.responses().create(second));
      assertEquals(409, busy.statusCode());
      assertEquals("conversation_busy", busy.code().orElseThrow(), busy.getMessage());
      assertEquals("conversation", busy.param().orElseThrow());

      ResponseStreamEvent last = null;
      while (events.hasNext()) {
        last = events.next();
      }
      ResponseStreamEvent end = last;
      firstDone = end.completed().map(event -> event.response())
          .or(() -> end.incomplete().map(event -> event.response())).orElseThrow(() -> new AssertionError(end));
    }

    Response secondDone = client.responses().create(second);
    long firstTurnTokens = firstDone.usage().orElseThrow().inputTokens() + firstDone.usage().orElseThrow().outputTokens();
    assertTrue(secondDone.usage().orElseThrow().inputTokens() > firstTurnTokens,
        "the second turn saw the first one whole: " + secondDone.usage() + " vs " + firstDone.usage());

    List<String> roles = client.conversations().items()
        .list(conversation, ItemListParams.builder().order(ItemListParams.Order.ASC).build()).data().stream()
        .map(ConversationItem::asMessage).map(message -> message.role().asString()).toList();
    assertEquals(List.of("user", "assistant", "user", "assistant"), roles, "each turn recorded once, in order");
  }
}
