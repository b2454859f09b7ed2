package dev.varco.system;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The Responses and Conversations APIs of one gateway as plain HTTP JSON (the wire format, no SDK
 * in between): requests are built as JSON trees, answers read back as trees, so a test can compare
 * what a gateway says before and after a restart field by field.
 */
final class ResponsesHttp {
  static final ObjectMapper JSON = new ObjectMapper();

  private final String gatewayUrl;

  ResponsesHttp(String gatewayUrl) {
    this.gatewayUrl = gatewayUrl;
  }

  String url() {
    return gatewayUrl;
  }

  /** {@code POST /v1/conversations}: a new empty conversation's id. */
  String newConversation() {
    return given().when().post(gatewayUrl + "/v1/conversations").then().statusCode(200).extract().path("id");
  }

  /** A user message item: an optional image (as a data URL) then the text. */
  static ObjectNode userMessage(String text, byte[] png) {
    ObjectNode message = JSON.createObjectNode().put("role", "user");
    ArrayNode content = message.putArray("content");
    if (png != null) {
      content.addObject().put("type", "input_image").put("image_url", TestImages.dataUrl("image/png", png));
    }
    content.addObject().put("type", "input_text").put("text", text);
    return message;
  }

  /** A request for one turn of {@code conversation} (null: none) with these input items. */
  static ObjectNode turn(String conversation, int maxOutputTokens, double temperature, JsonNode... input) {
    ObjectNode request = JSON.createObjectNode();
    if (conversation != null) {
      request.put("conversation", conversation);
    }
    request.putArray("input").addAll(List.of(input));
    return request.put("max_output_tokens", maxOutputTokens).put("temperature", temperature);
  }

  /** {@code POST /v1/responses} that must answer 200: the response object. */
  JsonNode create(ObjectNode request) {
    return post("/v1/responses", request, 200);
  }

  /** {@code POST path} with a JSON body, expecting {@code status}: the answer's JSON. */
  JsonNode post(String path, JsonNode body, int status) {
    String answer = given().contentType("application/json").body(body.toString())
        .when().post(gatewayUrl + path).then().statusCode(status).extract().asString();
    return parse(answer);
  }

  /** {@code GET path}, expecting {@code status}: the answer's JSON. */
  JsonNode get(String path, int status) {
    return parse(given().when().get(gatewayUrl + path).then().statusCode(status).extract().asString());
  }

  /** Every item of the conversation, oldest first (the tests' conversations stay under 100 items). */
  JsonNode items(String conversation) {
    JsonNode page = get("/v1/conversations/" + conversation + "/items?order=asc&limit=100", 200);
    if (page.path("has_more").asBoolean()) {
      throw new IllegalStateException("more than 100 items in " + conversation);
    }
    return page.path("data");
  }

  static String outputText(JsonNode response) {
    return response.path("output").path(0).path("content").path(0).path("text").asText();
  }

  static long inputTokens(JsonNode response) {
    return response.path("usage").path("input_tokens").asLong();
  }

  static long imageTokens(JsonNode response) {
    return response.path("usage").path("input_tokens_details").path("image_tokens").asLong();
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + json, e);
    }
  }
}
