package dev.varco.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import dev.varco.gateway.session.ConversationStore;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Conversations belong to the API key that made them: for any other key they do not exist (404
 * on every route, and absent from its list), and a conversation holds one turn at a time (409).
 * No language model listens here: a turn that gets past these checks is a 503.
 */
@QuarkusTest
@TestProfile(ConversationOwnershipTest.TwoOwners.class)
class ConversationOwnershipTest {
  public static class TwoOwners implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("varco.gateway.access.api-keys", "alice:sk-own-alice,bob:sk-own-bob");
    }
  }

  @Inject ConversationStore store;

  private static RequestSpecification as(String key) {
    return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON);
  }

  private static String conversationOf(String key) {
    return as(key).body("{\"items\":[{\"role\":\"user\",\"content\":\"mine\"}]}")
        .post("/v1/conversations").then().statusCode(200).extract().path("id");
  }

  @Test
  void anotherKeysConversationIs404OnEveryRoute() {
    String id = conversationOf("sk-own-alice");
    String item = as("sk-own-alice").get("/v1/conversations/" + id + "/items").then().statusCode(200)
        .extract().path("data[0].id");

    for (String path : List.of("/v1/conversations/" + id, "/v1/conversations/" + id + "/items",
        "/v1/conversations/" + id + "/items/" + item)) {
      as("sk-own-bob").get(path).then().statusCode(404).body("error.type", equalTo("invalid_request_error"));
    }
    as("sk-own-bob").body("{\"metadata\":{\"x\":\"y\"}}").post("/v1/conversations/" + id).then().statusCode(404);
    as("sk-own-bob").body("{\"items\":[{\"role\":\"user\",\"content\":\"theirs\"}]}")
        .post("/v1/conversations/" + id + "/items").then().statusCode(404);
    as("sk-own-bob").delete("/v1/conversations/" + id + "/items/" + item).then().statusCode(404);
    as("sk-own-bob").delete("/v1/conversations/" + id).then().statusCode(404);
    as("sk-own-bob").body("{\"conversation\":\"" + id + "\",\"input\":\"hi\"}").post("/v1/responses")
        .then().statusCode(404).body("error.param", equalTo("conversation"));

    // Alice's conversation is untouched by all that.
    as("sk-own-alice").get("/v1/conversations/" + id + "/items").then().statusCode(200)
        .body("data", hasSize(1)).body("data[0].content[0].text", equalTo("mine"));
    as("sk-own-alice").get("/v1/conversations/" + id).then().statusCode(200).body("metadata", equalTo(Map.of()));
  }

  @Test
  void eachKeyListsOnlyItsOwnConversations() {
    String alices = conversationOf("sk-own-alice");
    String bobs = conversationOf("sk-own-bob");
    as("sk-own-alice").get("/v1/conversations?limit=100").then().statusCode(200)
        .body("object", equalTo("list"))
        .body("data.id", hasItem(alices))
        .body("data.id", not(hasItem(bobs)));
    as("sk-own-bob").get("/v1/conversations?limit=100").then().statusCode(200)
        .body("data.id", hasItem(bobs))
        .body("data.id", not(hasItem(alices)));
    as("sk-own-bob").get("/v1/conversations?after=" + alices).then().statusCode(404)
        .body("error.param", equalTo("after"));
    as("sk-own-bob").get("/v1/conversations?limit=0").then().statusCode(400).body("error.param", equalTo("limit"));
  }

  @Test
  void theListPagesNewestFirst() {
    String first = conversationOf("sk-own-bob");
    String second = conversationOf("sk-own-bob");
    String third = conversationOf("sk-own-bob");
    List<String> ids = as("sk-own-bob").get("/v1/conversations?limit=100").then().statusCode(200)
        .extract().path("data.id");
    List<String> mine = ids.stream().filter(List.of(first, second, third)::contains).toList();
    // Same-second creations tie on created_at; the order is still total and stable, so pages add up.
    String page1Last = as("sk-own-bob").get("/v1/conversations?limit=1").then().statusCode(200)
        .body("data", hasSize(1)).body("has_more", equalTo(true)).extract().path("last_id");
    List<String> rest = as("sk-own-bob").get("/v1/conversations?limit=100&after=" + page1Last).then()
        .statusCode(200).body("has_more", equalTo(false)).extract().path("data.id");
    org.junit.jupiter.api.Assertions.assertEquals(ids.subList(1, ids.size()), rest);
    org.junit.jupiter.api.Assertions.assertEquals(3, mine.size());
  }

  @Test
  void aSecondTurnWhileOneIsInProgressIs409() {
    String id = conversationOf("sk-own-alice");
    // A turn of this conversation in progress (as another request or replica would hold it).
    store.beginTurn(id, "resp_in_progress", Duration.ofMinutes(1));
    try {
      as("sk-own-alice").body("{\"conversation\":\"" + id + "\",\"input\":\"and now?\"}").post("/v1/responses")
          .then().statusCode(409)
          .body("error.code", equalTo("conversation_busy"))
          .body("error.param", equalTo("conversation"));
    } finally {
      store.endTurn(id, "resp_in_progress");
    }
    // Free again: the turn gets past the check (and meets the missing language model).
    as("sk-own-alice").body("{\"conversation\":\"" + id + "\",\"input\":\"and now?\"}").post("/v1/responses")
        .then().statusCode(503);
    // The 503 turn released the conversation too.
    as("sk-own-alice").body("{\"conversation\":\"" + id + "\",\"input\":\"and now?\"}").post("/v1/responses")
        .then().statusCode(503);
  }
}
