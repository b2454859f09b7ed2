package dev.varco.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.proto.chat.v1.ChatGrpc;
import dev.varco.proto.chat.v1.ChatPart;
import dev.varco.proto.chat.v1.ChatResponse;
import dev.varco.proto.chat.v1.ListItemsRequest;
import dev.varco.proto.chat.v1.RespondRequest;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code Idempotency-Key} on turn-creating requests: a turn recorded by one try (whose client never
 * heard the answer, say because the gateway was killed right after recording it) is answered again,
 * not recorded again, when the client retries with the same key. Another key, or another caller
 * with the same key, is a new turn.
 */
@QuarkusTest
@TestProfile(FairKeysTest.TwoKeysTwoSlots.class)
class IdempotentTurnsTest {
  @GrpcClient("chat")
  Channel channel;

  private static RequestSpecification as(String authorization) {
    return given().header("Authorization", authorization).contentType(ContentType.JSON);
  }

  private static String newConversation(String authorization) {
    return as(authorization).body("{}").post("/v1/conversations").then().statusCode(200).extract().path("id");
  }

  private static int itemCount(String authorization, String conversation) {
    return as(authorization).get("/v1/conversations/" + conversation + "/items?limit=100").then().statusCode(200)
        .extract().<List<Object>>path("data").size();
  }

  private static ExtractableResponse<Response> turn(String authorization, String conversation, String key, boolean stream) {
    RequestSpecification request = as(authorization);
    if (key != null) {
      request = request.header("Idempotency-Key", key);
    }
    return request.body("{\"conversation\":\"" + conversation + "\",\"input\":\"hi\",\"stream\":" + stream + "}")
        .post("/v1/responses").then().statusCode(200).extract();
  }

  @Test
  void aRetryWithTheSameKeyIsAnsweredAgainAndRecordedOnce() {
    String conversation = newConversation(FairKeysTest.ALICE);
    var first = turn(FairKeysTest.ALICE, conversation, "retry-1", false);
    assertNull(first.header("Idempotent-Replayed"));
    assertEquals(2, itemCount(FairKeysTest.ALICE, conversation), "the user's input and the answer");

    var again = turn(FairKeysTest.ALICE, conversation, "retry-1", false);
    assertEquals("true", again.header("Idempotent-Replayed"));
    assertEquals(first.<String>path("id"), again.path("id"));
    assertEquals(first.<String>path("output[0].id"), again.path("output[0].id"));
    assertEquals(first.<String>path("output[0].content[0].text"), again.path("output[0].content[0].text"));
    assertEquals(2, itemCount(FairKeysTest.ALICE, conversation), "recorded once");

    // Streamed, the retry tells the same answer as events.
    String events = turn(FairKeysTest.ALICE, conversation, "retry-1", true).asString();
    assertTrue(events.contains("\"id\":\"" + first.path("id") + "\"") && events.contains("response.completed"), events);
    assertEquals(2, itemCount(FairKeysTest.ALICE, conversation));

    var other = turn(FairKeysTest.ALICE, conversation, "retry-2", false);
    assertNotEquals(first.<String>path("id"), other.path("id"));
    turn(FairKeysTest.ALICE, conversation, null, false);
    assertEquals(6, itemCount(FairKeysTest.ALICE, conversation), "another key and no key are new turns");
  }

  @Test
  void eachCallerHasItsOwnKeys() {
    String alices = newConversation(FairKeysTest.ALICE);
    String bobs = newConversation(FairKeysTest.BOB);
    var alice = turn(FairKeysTest.ALICE, alices, "shared", false);
    var bob = turn(FairKeysTest.BOB, bobs, "shared", false);
    assertNull(bob.header("Idempotent-Replayed"));
    assertNotEquals(alice.<String>path("id"), bob.path("id"));
    assertEquals(2, itemCount(FairKeysTest.BOB, bobs));
  }

  @Test
  void aMalformedKeyIsRefusedNamingTheHeader() {
    String conversation = newConversation(FairKeysTest.ALICE);
    as(FairKeysTest.ALICE).header("Idempotency-Key", "x".repeat(256))
        .body("{\"conversation\":\"" + conversation + "\",\"input\":\"hi\"}").post("/v1/responses").then()
        .statusCode(400).body("error.param", equalTo("Idempotency-Key"))
        .body("error.message", containsString("1 to 255 characters"));
    assertEquals(0, itemCount(FairKeysTest.ALICE, conversation));
  }

  @Test
  void grpcRespondTakesTheKeyAsMetadata() {
    Metadata headers = new Metadata();
    headers.put(ChatAccessInterceptor.AUTHORIZATION, FairKeysTest.ALICE);
    headers.put(ChatAccessInterceptor.IDEMPOTENCY_KEY, "grpc-retry");
    var chat = ChatGrpc.newBlockingStub(channel).withDeadlineAfter(Duration.ofSeconds(30))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    String conversation = newConversation(FairKeysTest.ALICE);
    RespondRequest request = RespondRequest.newBuilder().setConversationId(conversation)
        .addInput(ChatPart.newBuilder().setText("hi")).build();
    List<String> responseIds = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      chat.respond(request).forEachRemaining((ChatResponse response) -> {
        if (response.hasDone()) {
          responseIds.add(response.getDone().getResponseId());
        }
      });
    }
    assertEquals(2, responseIds.size());
    assertEquals(responseIds.get(0), responseIds.get(1));
    assertEquals(2, chat.listItems(ListItemsRequest.newBuilder().setConversationId(conversation).setLimit(100).build())
        .getItemsCount(), "recorded once");
  }
}
