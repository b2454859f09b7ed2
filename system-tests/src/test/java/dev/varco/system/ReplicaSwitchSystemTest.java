package dev.varco.system;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.varco.gateway.session.RedisServerProcess;
import java.time.Duration;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 5's "done when" for several replicas: two gateway processes share one real Redis
 * ({@code varco.gateway.store.kind=redis}) in front of the shared stack's llm-service. A
 * conversation started on one replica continues on the other with its whole history, survives
 * the first replica's death, and a turn running on one replica holds the conversation on both.
 */
@ExtendWith(RunningStack.class)
class ReplicaSwitchSystemTest {
  private static RedisServerProcess redis;
  private static ServiceProcess first;
  private static ServiceProcess second;

  @BeforeAll
  static void startReplicas() throws Exception {
    redis = RedisServerProcess.start("replicas");
    first = replica("replica-a");
    second = replica("replica-b");
    first.start();
    second.start();
  }

  private static ServiceProcess replica(String name) {
    return ServiceProcess.gateway(name, RunningStack.get().llmGrpcPort)
        .with("varco.gateway.store.kind", "redis")
        .with("quarkus.redis.hosts", redis.uri());
  }

  @AfterAll
  static void stopReplicas() throws Exception {
    for (AutoCloseable process : new AutoCloseable[] {first, second, redis}) {
      if (process != null) {
        process.close();
      }
    }
  }

  private static List<String> roles(JsonNode items) {
    return StreamSupport.stream(items.spliterator(), false).map(item -> item.path("role").asText()).toList();
  }

  @Test
  void aConversationContinuesOnAnotherReplicaAndOutlivesTheFirst() throws Exception {
    ResponsesHttp onFirst = new ResponsesHttp(first.url());
    ResponsesHttp onSecond = new ResponsesHttp(second.url());

    String conversation = onFirst.newConversation();
    JsonNode turn1 = onFirst.create(ResponsesHttp.turn(conversation, 6, 0.0,
        ResponsesHttp.userMessage("What is in this picture?", TestImages.png(320, 240))));
    // Turn 2 on the other replica: it answers from the history replica A recorded, image included.
    JsonNode turn2 = onSecond.create(ResponsesHttp.turn(conversation, 6, 0.0,
        ResponsesHttp.userMessage("What colour is it?", null)));
    assertEquals(ResponsesHttp.imageTokens(turn1), ResponsesHttp.imageTokens(turn2), "turn 1's image is in turn 2's prompt");
    assertTrue(ResponsesHttp.inputTokens(turn2) > ResponsesHttp.inputTokens(turn1)
        + turn1.path("usage").path("output_tokens").asLong(), turn2.path("usage") + " vs " + turn1.path("usage"));
    JsonNode items = onSecond.items(conversation);
    assertEquals(List.of("user", "assistant", "user", "assistant"), roles(items));
    assertEquals(items, onFirst.items(conversation), "both replicas read the same conversation");
    assertEquals(ResponsesHttp.outputText(turn1),
        ResponsesHttp.outputText(onSecond.get("/v1/responses/" + turn1.path("id").asText(), 200)));
    List<String> listed = given().get(second.url() + "/v1/conversations?limit=100").then().statusCode(200)
        .extract().path("data.id");
    assertTrue(listed.contains(conversation), "replica B lists the conversation A created: " + listed);

    // Replica A dies: nothing it recorded is lost, and B goes on.
    first.kill();
    JsonNode turn3 = onSecond.create(ResponsesHttp.turn(conversation, 6, 0.0,
        ResponsesHttp.userMessage("Summarise our conversation in one word.", null)));
    assertTrue(ResponsesHttp.inputTokens(turn3) > ResponsesHttp.inputTokens(turn2));
    first.start();
    assertEquals(onSecond.items(conversation), onFirst.items(conversation));
    assertEquals(6, onFirst.items(conversation).size());
  }

  @Test
  void aTurnRunningOnOneReplicaHoldsTheConversationOnTheOther() throws Exception {
    ResponsesHttp onFirst = new ResponsesHttp(first.url());
    ResponsesHttp onSecond = new ResponsesHttp(second.url());
    String conversation = onFirst.newConversation();
    try (ResponseEventStream running = ResponseEventStream.runningTurn(first.url(), conversation)) {
      JsonNode busy = onSecond.post("/v1/responses", ResponsesHttp.turn(conversation, 4, 0.0,
          ResponsesHttp.userMessage("And then?", null)), 409);
      assertEquals("conversation_busy", busy.path("error").path("code").asText(), busy.toString());
    } // the client goes away: replica A cancels the turn and releases the conversation
    StackMetrics.awaitLlmIdle("the abandoned turn stops");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    int status;
    do {
      status = given().contentType("application/json").body(ResponsesHttp.turn(conversation, 4, 0.0,
          ResponsesHttp.userMessage("And then?", null)).toString()).post(second.url() + "/v1/responses").statusCode();
      if (status == 409) {
        Thread.sleep(100);
      }
    } while (status == 409 && System.nanoTime() < deadline);
    assertEquals(200, status, "the conversation is free once the running turn ended");
    assertEquals(List.of("user", "assistant"), roles(onSecond.items(conversation)), "only the answered turn is recorded");
  }
}
