package dev.varco.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What OpenAI SDKs and browsers meet at the edge: {@code GET /v1/models/{id}}, OpenAI-shaped 404 /
 * 405 for every unmatched route, CORS from an allow-list, context overflow as
 * {@code context_length_exceeded} (from the character caps before anything is tokenized, and from
 * llm-service), llm-service's field as {@code param}, and JSON errors without parser internals.
 * The backend is {@link FaultyBackend}, whose model is {@code faulty-model}.
 */
@QuarkusTest
@TestProfile(OpenAiCompatibilityTest.CorsAndSmallCaps.class)
class OpenAiCompatibilityTest {
  static final String ORIGIN = "https://app.example";

  public static class CorsAndSmallCaps implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "quarkus.http.cors.enabled", "true",
          "quarkus.http.cors.origins", ORIGIN,
          "varco.gateway.max-message-chars", "5000",
          "varco.gateway.max-request-chars", "8000");
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(FaultyBackend.class));
    }
  }

  private static String chat(String text, boolean stream) {
    return "{\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
  }

  @Test
  void modelsRetrieveAnswersTheServedModelAndA404ForOthers() {
    given().get("/v1/models/" + FaultyBackend.MODEL).then().statusCode(200)
        .contentType(ContentType.JSON)
        .body("id", equalTo(FaultyBackend.MODEL))
        .body("object", equalTo("model"))
        .body("owned_by", equalTo("varco"))
        .body("max_model_len", equalTo(4096));
    for (String other : List.of("gpt-4o", "NCSOFT/VARCO-VISION-14B-HF", "NCSOFT%2FVARCO-VISION-14B-HF")) {
      given().urlEncodingEnabled(false).get("/v1/models/" + other).then().statusCode(404)
          .contentType(ContentType.JSON)
          .body("error.type", equalTo("invalid_request_error"))
          .body("error.code", equalTo("model_not_found"))
          .body("error.param", equalTo("model"))
          .body("error.message", containsString(other.replace("%2F", "/") + "' does not exist"));
    }
  }

  @Test
  void unknownRoutesAreOpenAi404s() {
    for (String path : List.of("/v1/nope", "/v1/chat/completion", "/v1/model", "/nope")) {
      given().get(path).then().statusCode(404)
          .contentType(ContentType.JSON)
          .body("error.type", equalTo("invalid_request_error"))
          .body("error.code", equalTo("unknown_url"))
          .body("error.message", startsWith("Invalid URL (GET "));
    }
    given().contentType(ContentType.JSON).body("{}").post("/v1/embeddings").then().statusCode(404)
        .contentType(ContentType.JSON).body("error.code", equalTo("unknown_url"));
  }

  @Test
  void wrongMethodsAreOpenAi405sSayingWhichAreAllowed() {
    given().get("/v1/chat/completions").then().statusCode(405)
        .contentType(ContentType.JSON)
        .header("Allow", "POST")
        .body("error.code", equalTo("method_not_allowed"))
        .body("error.message", equalTo("Invalid method for URL (GET /v1/chat/completions): use POST"));
    given().delete("/v1/models").then().statusCode(405).header("Allow", "GET");
    given().post("/v1/models/" + FaultyBackend.MODEL).then().statusCode(405).header("Allow", "GET");
    given().put("/v1/conversations/conv_123").then().statusCode(405).header("Allow", "DELETE, GET, POST")
        .contentType(ContentType.JSON);
    given().patch("/v1/conversations/conv_123/items/msg_1").then().statusCode(405).header("Allow", "DELETE, GET");
  }

  @Test
  void corsAnswersAllowedOriginsOnly() {
    given().header("Origin", ORIGIN).header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization,content-type")
        .options("/v1/chat/completions").then().statusCode(200)
        .header("Access-Control-Allow-Origin", ORIGIN)
        .header("Access-Control-Allow-Methods", containsString("POST"));
    given().header("Origin", ORIGIN).get("/v1/models").then().statusCode(200)
        .header("Access-Control-Allow-Origin", ORIGIN)
        .header("Access-Control-Expose-Headers", containsString("X-Request-Id"));
    Response other = given().header("Origin", "https://evil.example").get("/v1/models");
    assertTrue(other.getHeader("Access-Control-Allow-Origin") == null, "no CORS header for another origin: " + other.headers());
  }

  @Test
  void textOverTheCharacterCapIsRefusedBeforeReachingTheModel() {
    long started = System.nanoTime();
    given().contentType(ContentType.JSON).body(chat("a".repeat(5001), true)).post("/v1/chat/completions")
        .then().statusCode(400)
        .contentType(ContentType.JSON)
        .body("error.code", equalTo("context_length_exceeded"))
        .body("error.param", equalTo("messages[0].content"))
        .body("error.message", containsString("varco.gateway.max-message-chars"));
    assertTrue(System.nanoTime() - started < 30_000_000_000L, "answered without generating");
    given().contentType(ContentType.JSON).body("{\"store\":false,\"input\":\"" + "a".repeat(5001) + "\"}")
        .post("/v1/responses").then().statusCode(400)
        .body("error.code", equalTo("context_length_exceeded"))
        .body("error.param", equalTo("input"));
  }

  @Test
  void llmServicesContextOverflowIsContextLengthExceeded() {
    for (boolean stream : new boolean[] {false, true}) {
      given().contentType(ContentType.JSON).body(chat("overflow", stream)).post("/v1/chat/completions")
          .then().statusCode(400)
          .contentType(ContentType.JSON)
          .body("error.type", equalTo("invalid_request_error"))
          .body("error.code", equalTo("context_length_exceeded"))
          .body("error.param", equalTo("max_tokens"))
          .body("error.message", containsString("exceeds the context length of 4096"));
    }
    given().contentType(ContentType.JSON)
        .body("{\"input\":\"overflow\",\"max_output_tokens\":4096,\"store\":false}").post("/v1/responses")
        .then().statusCode(400)
        .body("error.code", equalTo("context_length_exceeded"))
        .body("error.param", equalTo("max_output_tokens"));
  }

  @Test
  void anImageRefusalFromVisionServiceCarriesParam() {
    given().contentType(ContentType.JSON).body(chat("refuse-image", false)).post("/v1/chat/completions")
        .then().statusCode(400)
        .body("error.param", equalTo("messages[0].content[1]"))
        .body("error.code", nullValue())
        .body("error.message", containsString("could not be decoded"));
  }

  @Test
  void malformedJsonSaysWhereWithoutTheParsersInternals() {
    for (String body : List.of("{bad", "{\"messages\": [", "{\"a\": 1e999999999999}x", "[\u0001]")) {
      given().contentType(ContentType.JSON).body(body).post("/v1/chat/completions").then().statusCode(400)
          .contentType(ContentType.JSON)
          .body("error.message", startsWith("the request body is not valid JSON: "))
          .body("error.message", containsString("line 1, column "))
          .body("error.message", not(containsString("code ")))
          .body("error.message", not(containsString("expecting")))
          .body("error.message", not(containsString("Unexpected")))
          .body("error.message", not(containsString("Source")));
    }
  }
}
