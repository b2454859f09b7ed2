package dev.varco.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Responses API on the wire (plain HTTP JSON and raw SSE, where {@link ResponsesApiSystemTest}
 * goes through the OpenAI SDK) against the shared stack: what each turn sends the model (the
 * whole conversation, instructions for their own turn only, shown by exact token counts against
 * the same history sent whole), the fields of a response, the exact event sequence of a stream,
 * what is recorded and what is not ({@code store: false}), and the 404 for another model name.
 */
@ExtendWith(RunningStack.class)
class ResponsesWireSystemTest {
  private static ResponsesHttp api;
  private static String model;

  @BeforeAll
  static void connect() {
    api = new ResponsesHttp(RunningStack.get().gatewayUrl());
    model = api.get("/v1/models", 200).path("data").path(0).path("id").asText();
  }

  private static ObjectNode greedy(String conversation, JsonNode... input) {
    return ResponsesHttp.turn(conversation, 6, 0.0, input);
  }

  @Test
  void eachTurnSendsTheWholeConversationAndIsRecorded() {
    String conversation = api.newConversation();
    ObjectNode question = ResponsesHttp.userMessage("What is in this picture?", TestImages.png(320, 240));
    JsonNode first = api.create(greedy(conversation, question).put("instructions", "Answer in one word."));
    assertEquals("response", first.path("object").asText());
    assertTrue(Set.of("completed", "incomplete").contains(first.path("status").asText()), first.toString());
    assertEquals(model, first.path("model").asText());
    assertEquals(conversation, first.path("conversation").path("id").asText());
    assertEquals("Answer in one word.", first.path("instructions").asText());
    JsonNode output = first.path("output").path(0);
    assertEquals("message", output.path("type").asText());
    assertEquals("assistant", output.path("role").asText());
    assertEquals(first.path("status").asText(), output.path("status").asText(),
        "an answer cut by max_output_tokens is an incomplete item, a finished one completed");
    assertEquals("output_text", output.path("content").path(0).path("type").asText());
    JsonNode usage = first.path("usage");
    assertEquals(usage.path("input_tokens").asLong() + usage.path("output_tokens").asLong(), usage.path("total_tokens").asLong());
    assertTrue(usage.path("input_tokens_details").has("cached_tokens"), usage.toString());

    ObjectNode followUp = ResponsesHttp.userMessage("And then?", null);
    JsonNode second = api.create(greedy(conversation, followUp));
    assertTrue(second.path("instructions").isNull(), "instructions belong to their own turn: " + second);

    // The same history sent whole, without the instructions, and recorded nowhere: the model was
    // sent exactly this in turn 2 (the prompts have the same number of tokens, image included).
    ObjectNode answer = ResponsesHttp.JSON.createObjectNode().put("role", "assistant");
    answer.putArray("content").addObject().put("type", "output_text").put("text", ResponsesHttp.outputText(first));
    JsonNode whole = api.create(greedy(null, question, answer, followUp).put("store", false));
    assertEquals(ResponsesHttp.inputTokens(whole), ResponsesHttp.inputTokens(second), second.path("usage") + " vs " + whole.path("usage"));
    assertEquals(ResponsesHttp.imageTokens(first), ResponsesHttp.imageTokens(second));

    // previous_response_id continues turn 1 alone, without the conversation's turn 2.
    ObjectNode branchRequest = greedy(null, followUp).put("previous_response_id", first.path("id").asText());
    JsonNode branch = api.create(branchRequest);
    assertEquals(first.path("id").asText(), branch.path("previous_response_id").asText());
    assertTrue(branch.path("conversation").isNull(), branch.toString());
    assertEquals(ResponsesHttp.inputTokens(second), ResponsesHttp.inputTokens(branch));

    // Recorded: both turns' messages, the instructions not among them.
    JsonNode items = api.items(conversation);
    assertEquals(4, items.size(), items.toString());
    assertEquals(ResponsesHttp.outputText(first), items.path(1).path("content").path(0).path("text").asText());
    assertEquals("And then?", items.path(2).path("content").path(0).path("text").asText());
    JsonNode recorded = api.get("/v1/responses/" + first.path("id").asText(), 200);
    assertEquals(ResponsesHttp.outputText(first), ResponsesHttp.outputText(recorded));
    assertEquals(ResponsesHttp.inputTokens(first), ResponsesHttp.inputTokens(recorded));
  }

  @Test
  void aStreamIsTheResponsesEventSequence() throws Exception {
    String conversation = api.newConversation();
    ObjectNode request = greedy(conversation, ResponsesHttp.userMessage("hi", null)).put("stream", true);
    List<ResponseEventStream.Event> events;
    try (ResponseEventStream stream = ResponseEventStream.post(api.url(), request.toString())) {
      assertEquals(200, stream.status());
      events = stream.rest(Duration.ofSeconds(60));
    }
    List<String> types = ResponseEventStream.types(events);
    for (int i = 0; i < events.size(); i++) {
      assertEquals(types.get(i), events.get(i).data().path("type").asText(), "event name = data.type");
      assertEquals(i, events.get(i).data().path("sequence_number").asInt(), "sequence numbers count up from 0");
    }
    long deltas = types.stream().filter("response.output_text.delta"::equals).count();
    assertTrue(deltas >= 1, types.toString());
    String end = types.getLast();
    assertTrue(Set.of("response.completed", "response.incomplete").contains(end), types.toString());
    List<String> expected = new ArrayList<>(List.of("response.created", "response.in_progress",
        "response.output_item.added", "response.content_part.added"));
    for (long i = 0; i < deltas; i++) {
      expected.add("response.output_text.delta");
    }
    expected.addAll(List.of("response.output_text.done", "response.content_part.done", "response.output_item.done", end));
    assertEquals(expected, types);

    StringBuilder streamed = new StringBuilder();
    events.stream().filter(event -> event.type().equals("response.output_text.delta"))
        .forEach(event -> streamed.append(event.data().path("delta").asText()));
    JsonNode done = events.get(types.indexOf("response.output_text.done")).data();
    assertEquals(streamed.toString(), done.path("text").asText());
    JsonNode response = events.getLast().data().path("response");
    assertEquals(streamed.toString(), ResponsesHttp.outputText(response));
    JsonNode items = api.items(conversation);
    assertEquals(2, items.size(), "recorded before the client heard it completed");
    assertEquals(streamed.toString(), items.path(1).path("content").path(0).path("text").asText());
  }

  @Test
  void storeFalseAnswersWithoutRecording() {
    String conversation = api.newConversation();
    JsonNode response = api.create(greedy(conversation, ResponsesHttp.userMessage("hi", null)).put("store", false));
    assertEquals(false, response.path("store").asBoolean(true));
    assertEquals(0, api.items(conversation).size());
    api.get("/v1/responses/" + response.path("id").asText(), 404);
  }

  @Test
  void anotherModelNameIs404() {
    JsonNode error = api.post("/v1/responses", greedy(null, ResponsesHttp.userMessage("hi", null)).put("model", "gpt-4o"), 404);
    assertEquals("model", error.path("error").path("param").asText(), error.toString());
    assertTrue(error.path("error").path("message").asText().contains("gpt-4o"), error.toString());
  }
}
