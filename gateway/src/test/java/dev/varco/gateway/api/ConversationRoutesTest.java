package dev.varco.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/**
 * The Conversations API end to end over the embedded store, and the Responses API's refusals
 * (turns that reach a language model are covered by system-tests: here none listens, so a valid
 * turn gets 503 and records nothing).
 */
@QuarkusTest
class ConversationRoutesTest {
  private static final String IMAGE_URL = "data:image/png;base64,iVBORw0KGgo=";

  private static String createConversation(String body) {
    return given().contentType(ContentType.JSON).body(body)
        .when().post("/v1/conversations")
        .then().statusCode(200)
        .body("object", equalTo("conversation"))
        .body("id", startsWith("conv_"))
        .extract().path("id");
  }

  @Test
  void conversationLifecycle() {
    String id = createConversation("{\"metadata\":{\"topic\":\"cats\"},\"items\":[{\"type\":\"message\",\"role\":\"user\","
        + "\"content\":[{\"type\":\"input_image\",\"image_url\":\"" + IMAGE_URL + "\"},{\"type\":\"input_text\",\"text\":\"look\"}]}]}");
    given().when().get("/v1/conversations/" + id)
        .then().statusCode(200)
        .body("id", equalTo(id))
        .body("metadata.topic", equalTo("cats"));

    given().contentType(ContentType.JSON)
        .body("{\"items\":[{\"role\":\"assistant\",\"content\":\"a cat\"},{\"role\":\"user\",\"content\":\"sure?\"}]}")
        .when().post("/v1/conversations/" + id + "/items")
        .then().statusCode(200)
        .body("object", equalTo("list"))
        .body("data", hasSize(2))
        .body("data[0].content[0].type", equalTo("output_text"))
        .body("has_more", equalTo(false));

    given().when().get("/v1/conversations/" + id + "/items?order=asc")
        .then().statusCode(200)
        .body("data", hasSize(3))
        .body("data[0].role", equalTo("user"))
        .body("data[0].content[0].type", equalTo("input_image"))
        .body("data[0].content[0].image_url", equalTo(IMAGE_URL))
        .body("data[2].content[0].text", equalTo("sure?"));
    String newest = given().when().get("/v1/conversations/" + id + "/items?limit=1")
        .then().statusCode(200)
        .body("data", hasSize(1))
        .body("data[0].content[0].text", equalTo("sure?"))
        .body("has_more", equalTo(true))
        .extract().path("last_id");
    given().when().get("/v1/conversations/" + id + "/items?limit=5&after=" + newest)
        .then().statusCode(200)
        .body("data", hasSize(2))
        .body("data[1].role", equalTo("user"))
        .body("has_more", equalTo(false));

    given().contentType(ContentType.JSON).body("{\"metadata\":{\"topic\":\"dogs\"}}")
        .when().post("/v1/conversations/" + id)
        .then().statusCode(200).body("metadata.topic", equalTo("dogs"));
    given().contentType(ContentType.JSON).body("{}")
        .when().post("/v1/conversations/" + id)
        .then().statusCode(400).body("error.param", equalTo("metadata"));
    given().when().get("/v1/conversations/" + id + "/items/" + newest)
        .then().statusCode(200).body("id", equalTo(newest)).body("content[0].text", equalTo("sure?"));
    given().when().delete("/v1/conversations/" + id + "/items/" + newest)
        .then().statusCode(200).body("object", equalTo("conversation")).body("id", equalTo(id));
    given().when().get("/v1/conversations/" + id + "/items/" + newest).then().statusCode(404);
    given().when().delete("/v1/conversations/" + id + "/items/" + newest).then().statusCode(404);
    given().when().get("/v1/conversations/" + id + "/items").then().statusCode(200).body("data", hasSize(2));

    given().when().delete("/v1/conversations/" + id)
        .then().statusCode(200)
        .body("object", equalTo("conversation.deleted"))
        .body("deleted", equalTo(true));
    given().when().get("/v1/conversations/" + id).then().statusCode(404).body("error.type", equalTo("invalid_request_error"));
    given().when().delete("/v1/conversations/" + id).then().statusCode(404);
    given().when().get("/v1/conversations/" + id + "/items").then().statusCode(404);
  }

  @Test
  void anEmptyBodyCreatesAnEmptyConversation() {
    String id = given().when().post("/v1/conversations").then().statusCode(200).body("metadata.size()", equalTo(0))
        .extract().path("id");
    given().when().get("/v1/conversations/" + id + "/items")
        .then().statusCode(200).body("data", hasSize(0)).body("first_id", nullValue());
  }

  @Test
  void badConversationRequestsAre400sOr404s() {
    given().contentType(ContentType.JSON).body("{\"items\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\","
            + "\"image_url\":\"data:text/plain;base64,aGVsbG8=\"}]}]}")
        .when().post("/v1/conversations")
        .then().statusCode(400).body("error.param", equalTo("items[0].content[0].image_url"));
    given().contentType(ContentType.JSON).body("{\"items\":")
        .when().post("/v1/conversations")
        .then().statusCode(400).body("error.message", containsString("not valid JSON"));
    given().contentType(ContentType.JSON).body("{\"items\":[{\"role\":\"user\",\"content\":\"x\"}]}")
        .when().post("/v1/conversations/conv_nope/items")
        .then().statusCode(404).body("error.message", containsString("conv_nope"));
    String id = createConversation("{}");
    given().when().get("/v1/conversations/" + id + "/items?limit=0").then().statusCode(400).body("error.param", equalTo("limit"));
    given().when().get("/v1/conversations/" + id + "/items?order=up").then().statusCode(400).body("error.param", equalTo("order"));
    given().when().get("/v1/conversations/" + id + "/items?after=msg_nope").then().statusCode(404)
        .body("error.param", equalTo("after"));
  }

  @Test
  void responsesRefusalsAndNoBackend() {
    given().contentType(ContentType.JSON).body("{\"input\":\"hi\",\"conversation\":\"conv_nope\"}")
        .when().post("/v1/responses")
        .then().statusCode(404).body("error.param", equalTo("conversation"));
    given().contentType(ContentType.JSON).body("{\"input\":\"hi\",\"previous_response_id\":\"resp_nope\"}")
        .when().post("/v1/responses")
        .then().statusCode(404).body("error.param", equalTo("previous_response_id"));
    given().contentType(ContentType.JSON).body("{\"input\":\"hi\",\"conversation\":\"c\",\"previous_response_id\":\"r\"}")
        .when().post("/v1/responses")
        .then().statusCode(400).body("error.param", equalTo("conversation"));
    given().contentType(ContentType.JSON).body("{\"model\":\"m\"}")
        .when().post("/v1/responses")
        .then().statusCode(400).body("error.param", equalTo("input"));
    given().when().get("/v1/responses/resp_nope").then().statusCode(404);

    // Over the image limit (2) counted across the stored conversation and the new turn.
    String image = "{\"type\":\"input_image\",\"image_url\":\"" + IMAGE_URL + "\"}";
    String id = createConversation("{\"items\":[{\"role\":\"user\",\"content\":[" + image + "," + image + "]}]}");
    given().contentType(ContentType.JSON)
        .body("{\"conversation\":\"" + id + "\",\"input\":[{\"role\":\"user\",\"content\":[" + image + "]}]}")
        .when().post("/v1/responses")
        .then().statusCode(400).body("error.param", equalTo("input"))
        .body("error.message", containsString("varco.gateway.max-images"));

    // A valid turn without a language model: 503, and the conversation is unchanged.
    given().contentType(ContentType.JSON).body("{\"conversation\":\"" + id + "\",\"input\":\"and now?\"}")
        .when().post("/v1/responses")
        .then().statusCode(503).body("error.type", equalTo("service_unavailable"));
    given().when().get("/v1/conversations/" + id + "/items").then().statusCode(200).body("data", hasSize(1));
  }

  /**
   * The embedded store needs no Redis: its readiness check is UP with none configured or running.
   * (The gateway as a whole is not ready here: no llm-service listens.)
   */
  @Test
  void readyWithoutAnyRedis() {
    given().when().get("/q/health/ready")
        .then().statusCode(503)
        .body("checks.find { it.name == 'llm-service' }.status", equalTo("DOWN"))
        .body("checks.find { it.name == 'conversation store' }.status", equalTo("UP"))
        .body("checks.find { it.name == 'conversation store' }.data.kind", equalTo("embedded"));
  }
}
