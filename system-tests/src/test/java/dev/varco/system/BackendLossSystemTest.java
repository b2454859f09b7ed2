package dev.varco.system;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * llm-service dies (kill -9) in the middle of a streamed turn: the client gets the Responses API's
 * {@code error} event and the end of the stream, nothing of the turn is recorded, and the gateway
 * keeps serving: not ready and 503 (naming llm-service) for new turns while the backend is gone,
 * stored conversations still readable, turns answered again once llm-service is back. This class
 * runs its own llm-service (the shared stack's model and vision-service) and its own gateway.
 */
@ExtendWith(RunningStack.class)
class BackendLossSystemTest {
  private static ServiceProcess llm;
  private static ServiceProcess gateway;
  private static ResponsesHttp api;

  @BeforeAll
  static void startBackendAndGateway() throws Exception {
    llm = ServiceProcess.llmService("backend-loss-llm").start();
    gateway = ServiceProcess.gateway("backend-loss-gateway", llm.grpcPort).start();
    api = new ResponsesHttp(gateway.url());
  }

  @AfterAll
  static void stopThem() throws Exception {
    try {
      if (gateway != null) {
        gateway.close();
      }
    } finally {
      if (llm != null) {
        llm.close();
      }
    }
  }

  @Test
  void losingLlmServiceMidTurnRecordsNothingAndTheGatewayKeepsServing() throws Exception {
    String conversation = api.newConversation();
    JsonNode first = api.create(ResponsesHttp.turn(conversation, 6, 0.0, ResponsesHttp.userMessage("Hello there.", null)));
    JsonNode before = api.items(conversation);
    assertEquals(2, before.size());

    String interrupted;
    try (ResponseEventStream stream = ResponseEventStream.runningTurn(gateway.url(), conversation)) {
      interrupted = stream.responseId();
      llm.kill();
      // The gateway ends the stream by itself: the test's deadline only guards against a hang.
      List<ResponseEventStream.Event> rest = stream.rest(Duration.ofSeconds(30));
      assertFalse(rest.isEmpty(), "an event after the backend died");
      ResponseEventStream.Event last = rest.getLast();
      assertEquals("error", last.type(), ResponseEventStream.types(rest).toString());
      assertEquals("error", last.data().path("type").asText());
      assertEquals("service_unavailable", last.data().path("code").asText(), last.data().toString());
      assertTrue(last.data().path("message").asText().contains("llm-service"), last.data().toString());
      assertFalse(ResponseEventStream.types(rest).contains("response.completed"));
    }

    assertEquals(before, api.items(conversation), "nothing of the failed turn was recorded");
    api.get("/v1/responses/" + interrupted, 404);

    // The gateway is alive but not ready, and says why; new turns are 503s naming llm-service.
    given().get(gateway.url() + "/q/health/live").then().statusCode(200);
    given().get(gateway.url() + "/q/health/ready").then().statusCode(503)
        .body("checks.find { it.name == 'llm-service' }.status", equalTo("DOWN"));
    given().contentType("application/json")
        .body(ResponsesHttp.turn(conversation, 6, 0.0, ResponsesHttp.userMessage("Anyone there?", null)).toString())
        .when().post(gateway.url() + "/v1/responses")
        .then().statusCode(503)
        .body("error.type", equalTo("service_unavailable"))
        .body("error.message", containsString("llm-service"));
    assertEquals(before, api.items(conversation), "the refused turn recorded nothing either");
    api.get("/v1/conversations/" + conversation, 200);
    assertEquals(ResponsesHttp.outputText(first),
        ResponsesHttp.outputText(api.get("/v1/responses/" + first.path("id").asText(), 200)));

    // llm-service back on the same port: the gateway becomes ready and answers the conversation.
    llm.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (gateway.readyStatus() != 200 && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertEquals(200, gateway.readyStatus(), "ready again once llm-service is back");
    JsonNode next = api.create(ResponsesHttp.turn(conversation, 6, 0.0, ResponsesHttp.userMessage("Are you back?", null)));
    assertTrue(ResponsesHttp.inputTokens(next) > ResponsesHttp.inputTokens(first), "turn 1 is in the new turn's prompt");
    assertEquals(4, api.items(conversation).size());
  }
}
