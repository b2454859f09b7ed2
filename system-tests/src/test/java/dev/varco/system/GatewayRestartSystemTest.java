package dev.varco.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 5's "done when": restarting the gateway loses no recorded turn, and killing it (kill -9)
 * in the middle of a turn leaves the conversation readable, holding exactly the turns recorded
 * before. A gateway process of this class's own (its own store directory under target/) uses the
 * shared stack's llm-service, and is stopped and started again on the same store.
 */
@ExtendWith(RunningStack.class)
class GatewayRestartSystemTest {
  private static ServiceProcess gateway;
  private static ResponsesHttp api;

  @BeforeAll
  static void startGateway() throws Exception {
    gateway = ServiceProcess.gateway("restart-gateway", RunningStack.get().llmGrpcPort);
    gateway.start();
    api = new ResponsesHttp(gateway.url());
  }

  @AfterAll
  static void stopGateway() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
  }

  private static List<String> roles(JsonNode items) {
    return StreamSupport.stream(items.spliterator(), false).map(item -> item.path("role").asText()).toList();
  }

  @Test
  void aGracefulRestartLosesNoRecordedTurn() throws Exception {
    String conversation = api.newConversation();
    JsonNode first = api.create(ResponsesHttp.turn(conversation, 6, 0.0,
        ResponsesHttp.userMessage("What is in this picture?", TestImages.png(320, 240))));
    JsonNode second = api.create(ResponsesHttp.turn(conversation, 6, 0.0,
        ResponsesHttp.userMessage("What colour is it?", null)));
    JsonNode items = api.items(conversation);
    assertEquals(List.of("user", "assistant", "user", "assistant"), roles(items));
    assertEquals("input_image", items.path(0).path("content").path(0).path("type").asText());
    assertEquals(ResponsesHttp.outputText(second), items.path(3).path("content").path(0).path("text").asText());
    JsonNode firstRecorded = api.get("/v1/responses/" + first.path("id").asText(), 200);
    JsonNode secondRecorded = api.get("/v1/responses/" + second.path("id").asText(), 200);

    gateway.stop();
    assertFalse(gateway.isAlive());
    gateway.start();

    assertEquals(items, api.items(conversation), "every item of both turns, in order, image included");
    assertEquals(firstRecorded, api.get("/v1/responses/" + first.path("id").asText(), 200));
    assertEquals(secondRecorded, api.get("/v1/responses/" + second.path("id").asText(), 200));
    assertEquals(ResponsesHttp.outputText(first), ResponsesHttp.outputText(firstRecorded));

    // The history still reaches the model: turn 3 holds turns 1 and 2, turn 1's image included.
    JsonNode third = api.create(ResponsesHttp.turn(conversation, 6, 0.0,
        ResponsesHttp.userMessage("Summarise our conversation in one word.", null)));
    assertTrue(ResponsesHttp.inputTokens(third) > ResponsesHttp.inputTokens(second), third.path("usage") + " vs " + second.path("usage"));
    assertEquals(ResponsesHttp.imageTokens(first), ResponsesHttp.imageTokens(third), "turn 1's image is in turn 3's prompt");
    assertEquals(6, api.items(conversation).size());
  }

  @Test
  void aKillMidTurnLeavesTheConversationAsItWasBeforeTheTurn() throws Exception {
    String conversation = api.newConversation();
    JsonNode first = api.create(ResponsesHttp.turn(conversation, 6, 0.0, ResponsesHttp.userMessage("Hello there.", null)));
    JsonNode before = api.items(conversation);
    assertEquals(2, before.size());

    String interrupted;
    try (ResponseEventStream stream = ResponseEventStream.runningTurn(gateway.url(), conversation)) {
      interrupted = stream.responseId();
      gateway.kill();
      List<ResponseEventStream.Event> rest = stream.rest(Duration.ofSeconds(30));
      assertFalse(ResponseEventStream.types(rest).contains("response.completed"), "the turn never completed");
    }
    StackMetrics.awaitLlmIdle("llm-service stops decoding for a gateway that died");

    gateway.start();
    assertEquals(before, api.items(conversation), "exactly the turn recorded before: no question without its answer, no half answer");
    api.get("/v1/responses/" + interrupted, 404);
    JsonNode next = api.create(ResponsesHttp.turn(conversation, 6, 0.0, ResponsesHttp.userMessage("Are you still there?", null)));
    assertTrue(ResponsesHttp.inputTokens(next) > ResponsesHttp.inputTokens(first), "turn 1 is in the new turn's prompt");
    assertEquals(List.of("user", "assistant", "user", "assistant"), roles(api.items(conversation)));
  }
}
